"""Maintenance of this host's index as a whole: full rebuilds and drift checks."""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.search import search_backend
from jobboard.search.document import posting_document
from jobboard.search.sync.log import FellBehind, Lag, follow, host_lock, lag, mark_rebuilt
from jobboard.search.sync.rows import visible_rows

REBUILD_MIN_ENTRIES = 2_000   # fewer entries than this are always followed


def visible_count() -> int:
    visible = Posting.visible().with_only_columns(Posting.id).subquery()
    with Session(db.engine) as session:  # also called right after a commit of db.session
        return session.scalar(select(db.func.count()).select_from(visible)) or 0


def rebuild(progress=None) -> int:
    """Rebuild this host's index from the database, then follow the log from where it stood."""
    timeout = current_app.config["SEARCH_REBUILD_TIMEOUT"]
    with host_lock(timeout):
        with Session(db.engine) as session:
            position = mark_rebuilt(session)
        count = search_backend().rebuild(visible_rows(), posting_document, progress=progress,
                                         total=visible_count(), timeout=timeout)
        position.save()
    follow(timeout=timeout)
    return count


def catch_up() -> int:
    """Apply what the log holds after a bulk change (a large feed, the demo): a full rebuild when
    the log names at least half as many postings as are visible, since writing every document
    once in large segments is quicker than following them a batch at a time; else follow."""
    behind = lag().entries
    if behind >= REBUILD_MIN_ENTRIES and 2 * behind >= visible_count():
        return rebuild()
    try:
        return follow()
    except FellBehind:
        return rebuild()


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)     # visible, not in the index
    extra: list[int] = field(default_factory=list)       # in the index, not visible
    stale: list[int] = field(default_factory=list)       # indexed document out of date
    duplicates: list[int] = field(default_factory=list)  # indexed more than once
    expired: int = 0     # past their expiry in the index; searches skip them already
    lag: Lag = field(default_factory=Lag)  # log entries this host has not applied yet

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.stale or self.duplicates)


def check(now=None) -> Drift:
    """Compare every visible posting's document with what this host's index holds."""
    held, duplicates = search_backend().check()
    drift = Drift(duplicates=sorted(set(duplicates)), lag=lag(now))
    seen = set()
    for posting in visible_rows():
        seen.add(posting.id)
        indexed = held.get(posting.id)
        if indexed is None:
            drift.missing.append(posting.id)
        elif indexed.fingerprint != posting_document(posting)["fp"]:
            drift.stale.append(posting.id)
    cutoff = int((now or utcnow()).timestamp())
    for posting_id, indexed in held.items():
        if posting_id not in seen:
            if 0 < indexed.expires <= cutoff:
                drift.expired += 1
            else:
                drift.extra.append(posting_id)
    drift.extra.sort()
    return drift
