"""Posting figures: views, unique views and apply clicks, counted without ever failing a page.

A view or click is added to this process's pending counts, never written by the request: a
background thread writes what is pending every ``VIEW_FLUSH_SECONDS`` (0: at once) in one
transaction, with INSERT ... ON CONFLICT, so any number of processes and hosts add their counts
to the same rows without colliding. A failed write keeps the counts pending for the next one;
a process that ends normally writes what it holds first. Only a process killed outright (or
the host failing) loses its last few seconds of counts. The employer dashboard writes its own
process's pending counts before it reads, so the figures an employer sees lag other hosts by
at most the flush interval.
"""
import atexit
import hashlib
import hmac
import logging
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from jobboard.extensions import db
from jobboard.models.activity import PostingStats, PostingVisitor
from jobboard.models.application import Application
from jobboard.models.company import Company
from jobboard.models.posting import Posting

log = logging.getLogger(__name__)

_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert}
BATCH = 500  # rows per statement (well inside SQLite's bound-parameter limit)
# Visitor pairs kept pending at most (some 150 bytes each): while the database stays unreachable
# views and clicks are still counted, but visitors beyond this no longer add unique views.
MAX_PENDING_VISITORS = 100_000


@dataclass(frozen=True)
class Figures:
    views: int = 0
    unique_views: int = 0
    applications: int = 0
    apply_clicks: int = 0


def visitor_key(anonymous_id: str) -> str:
    """A keyed hash of the session's random id: stable per visitor, useless outside this site."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, anonymous_id.encode(), hashlib.sha256).hexdigest()


@dataclass
class Pending:
    """Counts not yet written: views and apply clicks per posting, (posting, visitor) pairs."""

    views: Counter[int]
    clicks: Counter[int]
    visitors: set[tuple[int, str]]

    @classmethod
    def empty(cls) -> "Pending":
        return cls(Counter(), Counter(), set())

    def __bool__(self) -> bool:
        return bool(self.views or self.clicks or self.visitors)


def _write(conn, pending: Pending) -> None:
    """Add ``pending`` to the stored figures. Counts of postings deleted meanwhile are dropped
    (their figures went with them). Rows are written in posting order, so two hosts' flushes
    never wait on each other's locks in a cycle."""
    wanted = sorted(set(pending.views) | set(pending.clicks) | {p for p, _ in pending.visitors})
    existing: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        existing.update(conn.scalars(select(Posting.id).where(Posting.id.in_(wanted[start:start + BATCH]))))
    insert = _INSERTS[conn.dialect.name]
    visitors = cast(Table, PostingVisitor.__table__)  # typed FromClause; a mapped class's is a Table
    pairs = sorted(pair for pair in pending.visitors if pair[0] in existing)
    unique: Counter[int] = Counter()
    for start in range(0, len(pairs), BATCH):
        unique.update(conn.scalars(
            insert(visitors)
            .values([{"posting_id": p, "visitor": v} for p, v in pairs[start:start + BATCH]])
            .on_conflict_do_nothing()
            .returning(visitors.c.posting_id)  # a row only for visitors new to the posting
        ))
    table = cast(Table, PostingStats.__table__)
    rows = [{"posting_id": i, "views": pending.views[i], "unique_views": unique[i],
             "apply_clicks": pending.clicks[i]}
            for i in sorted(existing) if pending.views[i] or pending.clicks[i] or unique[i]]
    if rows:
        upsert = insert(table)
        conn.execute(upsert.on_conflict_do_update(
            index_elements=[table.c.posting_id],
            set_={name: table.c[name] + upsert.excluded[name]
                  for name in ("views", "unique_views", "apply_clicks")},
        ), rows)


class PendingCounts:
    """One app's pending counts in this process, and the thread that writes them.

    The thread runs only while something is pending, so an idle process holds none.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.interval = float(app.config["VIEW_FLUSH_SECONDS"])
        self.lock = threading.Lock()
        self.pending = Pending.empty()
        self.flusher: threading.Thread | None = None

    def add(self, posting_id: int, views: int = 0, clicks: int = 0, visitor: str | None = None) -> None:
        with self.lock:
            self.pending.views[posting_id] += views
            self.pending.clicks[posting_id] += clicks
            if visitor is not None and len(self.pending.visitors) < MAX_PENDING_VISITORS:
                self.pending.visitors.add((posting_id, visitor))
            if self.interval and self.flusher is None:
                self.flusher = threading.Thread(target=self._run, name="view-counts", daemon=True)
                self.flusher.start()
        if not self.interval:
            self.flush()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()
            with self.lock:
                if not self.pending:
                    self.flusher = None
                    return

    def flush(self) -> bool:
        """Write what is pending; on failure keep it pending (logged). True when written."""
        with self.lock:
            taken, self.pending = self.pending, Pending.empty()
        if not taken:
            return True
        try:
            with self.app.app_context(), db.engine.begin() as conn:  # rolls back on error
                _write(conn, taken)
            return True
        except Exception:  # a database error mostly; nothing may fail a page or end the thread
            log.exception("Could not write the view counts of %d postings; kept for the next try",
                          len(set(taken.views) | set(taken.clicks)))
            with self.lock:
                self.pending.views.update(taken.views)
                self.pending.clicks.update(taken.clicks)
                room = MAX_PENDING_VISITORS - len(self.pending.visitors)
                self.pending.visitors.update(list(taken.visitors)[:max(0, room)])
            return False

    def forget(self) -> None:
        """A forked child starts with nothing pending (the parent writes its own) and no thread."""
        self.lock = threading.Lock()
        self.pending, self.flusher = Pending.empty(), None


_ALL: "weakref.WeakSet[PendingCounts]" = weakref.WeakSet()


def pending_counts(app: Flask | None = None) -> PendingCounts:
    """The app's pending counts in this process."""
    app = app or cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    counts = app.extensions.get("pending_counts")
    if counts is None:
        counts = app.extensions.setdefault("pending_counts", PendingCounts(app))
        _ALL.add(counts)
    return counts


@atexit.register
def flush_all() -> None:
    """Write every app's pending counts: a process that ends normally loses none."""
    for counts in list(_ALL):
        counts.flush()


def _forget_all() -> None:
    for counts in list(_ALL):
        counts.forget()


os.register_at_fork(after_in_child=_forget_all)


def record_view(posting: Posting, visitor: str) -> None:
    """Count a view, and a unique view the first time ``visitor`` (a visitor_key) sees it."""
    pending_counts().add(posting.id, views=1, visitor=visitor)


def record_apply_click(posting: Posting) -> None:
    """Count a click on "Apply on the employer's site"."""
    pending_counts().add(posting.id, clicks=1)


def company_figures(company: Company) -> dict[int, Figures]:
    """Figures of every posting of ``company``, by posting id, in one query, after this
    process's pending counts are written."""
    pending_counts().flush()
    applications = (
        select(Application.posting_id, func.count().label("n"))
        .join(Posting, Posting.id == Application.posting_id)
        .where(Posting.company_id == company.id)
        .group_by(Application.posting_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Posting.id, PostingStats.views, PostingStats.unique_views, applications.c.n,
               PostingStats.apply_clicks)
        .outerjoin(PostingStats, PostingStats.posting_id == Posting.id)
        .outerjoin(applications, applications.c.posting_id == Posting.id)
        .where(Posting.company_id == company.id)
    ).all()
    return {posting_id: Figures(*(value or 0 for value in values))
            for posting_id, *values in rows}
