"""The search change log, and following it into this host's index.

Every transaction that changes what a posting's document would be appends one ``search_log``
entry per posting (``record``, called by ``collect``), so web requests never wait for an index
writer. Each host's ``flask worker`` follows the log: it reads the entries after the id its index
has applied up to, indexes those postings as the database holds them now, and stores the new
position beside the index (``log-position.json``), in batches, under a host-wide lock.

Ids are handed out when an entry is written but become visible at commit, so on PostgreSQL an
entry can appear below one already applied. Such holes are kept as *gaps* with the transaction
horizon at which they were seen (``pg_snapshot_xmax``); a gap is read again on every pass until
every transaction that was running then has ended (``pg_snapshot_xmin`` passed it): whatever is
still missing was rolled back. SQLite has one writer at a time, so it has no such gaps. Applying
an entry twice or late is harmless: the document comes from the database, never from the entry.

Entries older than ``SEARCH_LOG_RETENTION`` seconds are pruned. The newest pruned entry stays
as a marker (its posting id set to 0, ``PRUNED``), so ids keep growing and a host can tell
entries it missed from ids that were rolled back: a host whose position is below the marker
raises ``FellBehind`` and the worker rebuilds its index. So does a host whose index was never
built (no position file: a new host, or ``flask search reindex`` first) or was written for other
document fields.
"""
import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting, with_tags
from jobboard.models.search import SearchChange
from jobboard.search import search_backend
from jobboard.search.backend import IndexBusy, IndexOutdated
from jobboard.search.document import posting_document

LOGGED = "search_logged"      # session.info: this transaction appended log entries
PRUNED = 0                    # posting id of the marker entry left where pruning stopped
POSITION_FILE = "log-position.json"
LOCK_FILE = "follow.lock"
BATCH = 500


class FellBehind(Exception):
    """Entries this host has not applied were pruned: its index must be rebuilt."""


# --------------------------------------------------------------------------- writing


def record(connection, posting_ids) -> None:
    """Append one entry per posting in the caller's transaction."""
    now = utcnow()
    connection.execute(insert(SearchChange), [{"posting_id": i, "created_at": now}
                                              for i in sorted(posting_ids)])


def reindex_postings(posting_ids) -> None:
    """Log postings changed by bulk SQL (``update()``/``delete()`` skip session events).

    Call inside the transaction that makes the change; indexes follow after its commit.
    """
    ids = set(posting_ids)
    if ids:
        record(db.session.connection(), ids)
        db.session.info[LOGGED] = True


# --------------------------------------------------------------------------- this host's position


@dataclass
class Position:
    """How far this host's index has followed the log."""

    applied: int = 0     # the highest entry id applied
    # [first id, last id, transaction horizon]: ids below ``applied`` not seen yet that a
    # transaction still running at that horizon may yet commit (PostgreSQL only).
    gaps: list[list[int]] = field(default_factory=list)

    @staticmethod
    def path() -> str:
        return os.path.join(current_app.config["SEARCH_INDEX_DIR"], POSITION_FILE)

    @classmethod
    def load(cls) -> "Position | None":
        """The saved position; None if this host's index was never built from the database."""
        try:
            with open(cls.path(), encoding="utf-8") as fh:
                saved = json.load(fh)
        except FileNotFoundError:
            return None
        return cls(applied=int(saved["applied"]), gaps=[list(map(int, g)) for g in saved["gaps"]])

    def save(self) -> None:
        """Replace the file atomically: a crash leaves the old position, never half a file."""
        path = self.path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        scratch = f"{path}.{os.getpid()}"
        with open(scratch, "w", encoding="utf-8") as fh:
            json.dump({"applied": self.applied, "gaps": self.gaps}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(scratch, path)

    def advance(self, new_ids: list[int], seen: set[int], oldest_running: int | None,
                next_xid: int | None) -> None:
        """Move past ``new_ids`` (ascending, all above ``applied``); ``seen``: every id applied.

        ``oldest_running`` was read before the entries, ``next_xid`` after (None on SQLite).
        """
        gaps = []
        if oldest_running is not None:
            for first, last, horizon in self.gaps:
                if oldest_running < horizon:  # a transaction of that time may still commit
                    gaps.extend(_without(first, last, seen, horizon))
        if new_ids:
            if next_xid is not None:
                expected = self.applied + 1
                for entry_id in new_ids:
                    if entry_id > expected:
                        gaps.append([expected, entry_id - 1, next_xid])
                    expected = entry_id + 1
            self.applied = new_ids[-1]
        self.gaps = gaps


def _without(first: int, last: int, seen: set[int], horizon: int) -> list[list[int]]:
    """The range ``first..last`` minus the ids in ``seen``, as ranges."""
    out, start = [], first
    for entry_id in sorted(i for i in seen if first <= i <= last):
        if entry_id > start:
            out.append([start, entry_id - 1, horizon])
        start = entry_id + 1
    if start <= last:
        out.append([start, last, horizon])
    return out


def transaction_horizon(session) -> tuple[int | None, int | None]:
    """(oldest transaction still running, next transaction id) on PostgreSQL; SQLite: Nones."""
    if session.get_bind().dialect.name != "postgresql":
        return None, None
    row = session.execute(text("SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text "
                               "FROM pg_current_snapshot() AS s")).one()
    return int(row[0]), int(row[1])


@contextmanager
def host_lock(timeout: float):
    """The one follower (or rebuild) of this host's index at a time."""
    folder = current_app.config["SEARCH_INDEX_DIR"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, LOCK_FILE), "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"another process followed the log for over {timeout} s") from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- following


def _timeout() -> float:
    return current_app.config["SEARCH_WRITER_TIMEOUT"]


def follow(timeout: float | None = None, background: bool = False, limit: int | None = None) -> int:
    """Apply the log entries this host has not applied yet; returns how many were applied.

    Raises FellBehind if some were pruned, IndexBusy if the index stays locked.
    """
    timeout = _timeout() if timeout is None else timeout
    done = 0
    with host_lock(timeout):
        position = Position.load()
        if position is None:
            raise FellBehind("this host's index has not been built from the database yet")
        with Session(db.engine) as session:
            newest = session.scalar(select(func.max(SearchChange.id)))
            oldest = session.execute(select(SearchChange.id, SearchChange.posting_id)
                                     .order_by(SearchChange.id).limit(1)).first()
        if oldest is not None and oldest.posting_id == PRUNED and position.applied < oldest.id:
            raise FellBehind(f"this index applied the log up to entry {position.applied}; entries "
                             f"up to {oldest.id} were pruned")
        pending = (newest or 0) > position.applied or bool(position.gaps)
        while pending:
            step: dict[str, Any] = {}

            def changes(step=step):
                with Session(db.engine) as session:
                    oldest_running, _ = transaction_horizon(session)
                    rows = list(session.execute(
                        select(SearchChange.id, SearchChange.posting_id)
                        .where(SearchChange.id > position.applied)
                        .order_by(SearchChange.id).limit(BATCH)).tuples())
                    if position.gaps:
                        rows += session.execute(
                            select(SearchChange.id, SearchChange.posting_id).where(or_(*(
                                SearchChange.id.between(first, last)
                                for first, last, _ in position.gaps)))).tuples().all()
                    _, next_xid = transaction_horizon(session)
                    step.update(rows=rows, oldest_running=oldest_running, next_xid=next_xid)
                    return _documents(session, {posting_id for _, posting_id in rows})

            try:
                search_backend().apply(changes, timeout, background)
            except IndexOutdated as outdated:
                raise FellBehind(str(outdated)) from None
            rows = step["rows"]
            new_ids = sorted(i for i, _ in rows if i > position.applied)
            position.advance(new_ids, {i for i, _ in rows}, step["oldest_running"], step["next_xid"])
            position.save()
            done += len(rows)
            # A full batch means more may follow; open gaps wait for the next pass.
            pending = len(new_ids) == BATCH and (limit is None or done < limit)
    return done


def _documents(session, posting_ids: set[int]) -> tuple[list[dict], list[int]]:
    """Documents of the visible postings among ``posting_ids``, and the ids to remove."""
    if not posting_ids:
        return [], []
    postings = session.scalars(with_tags(Posting.visible().where(Posting.id.in_(posting_ids)))).all()
    return [posting_document(p) for p in postings], sorted(posting_ids - {p.id for p in postings})


def mark_rebuilt(session) -> Position:
    """The position a rebuild that reads the database after this call may claim.

    Everything up to the newest entry is in the rebuild, except entries of transactions still
    running: recent holes below the newest id stay gaps until those transactions end.
    """
    newest = session.scalar(select(func.max(SearchChange.id))) or 0
    window = newest - 10_000
    present = set(session.scalars(select(SearchChange.id).where(SearchChange.id > window)))
    _, next_xid = transaction_horizon(session)
    position = Position(applied=newest)
    if next_xid is not None:
        position.gaps = _without(max(1, window + 1), newest, present, next_xid) if newest else []
    return position


# --------------------------------------------------------------------------- lag and pruning


@dataclass
class Lag:
    entries: int = 0          # log entries after this host's position (and gaps still open)
    seconds: float = 0.0      # age of the oldest of them


def lag(now=None) -> Lag:
    """How far this host's index is behind the log."""
    position = Position.load() or Position()
    query = select(func.count(SearchChange.id), func.min(SearchChange.created_at)).where(
        SearchChange.id > position.applied)
    count, oldest = db.session.execute(query).one()
    if count and oldest is not None:
        return Lag(count + len(position.gaps), max(0.0, ((now or utcnow()) - oldest).total_seconds()))
    return Lag(len(position.gaps), 0.0)


def prune(now=None) -> int:
    """Delete entries older than the retention period; returns how many went.

    The newest entry is never pruned, and the newest pruned one stays as the ``PRUNED`` marker.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["SEARCH_LOG_RETENTION"])
    newest = db.session.scalar(select(func.max(SearchChange.id)))
    marker = db.session.scalar(select(func.max(SearchChange.id)).where(
        SearchChange.created_at < cutoff, SearchChange.id < (newest or 0)))
    if marker is None:
        return 0
    db.session.execute(update(SearchChange).where(SearchChange.id == marker).values(posting_id=PRUNED))
    # A DML statement returns a CursorResult, which has rowcount; SQLAlchemy 2.0 types it as Result.
    removed = db.session.execute(
        delete(SearchChange).where(SearchChange.id < marker)).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return removed + 1
