"""Per-process memo of figures computed from the database, valid for one version of the data.

A caller names the data version (cheap aggregates such as a row count and the newest
``updated_at``); every entry computed under an older version is dropped as soon as a newer one is
seen, so a page never shows figures older than the data, and nothing expires on a timer.

Several web hosts share one database: a version read from it (``postings_version``) moves for
every host at the commit that changes the data, so no host keeps serving what another changed.
"""
from collections.abc import Callable, Hashable
from functools import cache
from threading import Lock
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.models.search import SearchChange
from jobboard.models.taxonomy import ReferenceVersion

MAX_ENTRIES = 512  # distinct filter combinations kept for one version
VERSION = "jobboard.postings_version"  # request.environ: the version this request read
REFERENCE = "jobboard.reference_version"


class VersionedCache:
    """Computed values for one data version; a new version empties it.

    At most ``max_entries`` values are kept: a full cache is emptied before the next one goes in,
    so a flood of distinct keys costs recomputation, never memory. Threads missing the same key
    wait for the first one's value instead of all computing it (a worker's threads would
    otherwise run the same slow query side by side right after the data changed).
    """

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.version: Hashable = None
        self.entries: dict[Hashable, Any] = {}
        self.max_entries = max_entries
        self.lock = Lock()
        self.computing: dict[Hashable, Lock] = {}

    def _lookup(self, key: Hashable, version: Hashable) -> tuple[bool, Any]:
        """(found, value); a new version empties the cache first. Call with ``lock`` held."""
        if version != self.version:
            self.version, self.entries = version, {}
        elif key in self.entries:
            return True, self.entries[key]
        return False, None

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], Any]) -> Any:
        with self.lock:
            found, value = self._lookup(key, version)
            if found:
                return value
            key_lock = self.computing.setdefault(key, Lock())
        with key_lock:
            with self.lock:
                found, value = self._lookup(key, version)
            if found:
                return value
            try:
                value = compute()
                with self.lock:
                    if version == self.version:
                        if len(self.entries) >= self.max_entries:
                            self.entries.clear()
                        self.entries[key] = value
            finally:
                with self.lock:
                    self.computing.pop(key, None)
        return value

    def get_many(self, keys: list, version: Hashable,
                 compute: Callable[[list], dict[Hashable, Any]]) -> dict[Hashable, Any]:
        """The values of ``keys`` there are: those kept, and what one call of ``compute`` returns
        for the missing ones (it may leave some out). Threads missing the same keys at once may
        both compute them (no per-key wait), which suits values cheap to compute in a batch."""
        found: dict[Hashable, Any] = {}
        missing = []
        with self.lock:
            for key in keys:
                kept, value = self._lookup(key, version)
                if kept:
                    found[key] = value
                else:
                    missing.append(key)
        if missing:
            computed = compute(missing)
            with self.lock:
                if version == self.version:
                    if len(self.entries) + len(computed) > self.max_entries:
                        self.entries.clear()
                    self.entries.update(computed)
            found.update(computed)
        return found


def app_cache(name: str, max_entries: int = MAX_ENTRIES) -> VersionedCache:
    """The app's cache called ``name`` (one per app, so test apps on other databases never share)."""
    caches = current_app.extensions.setdefault("data_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, VersionedCache(max_entries))
    return cache


LATE_COMMIT_WINDOW = 1000


@cache
def _version_statement():
    """What ``postings_version`` reads, built once: building a statement and computing its cache
    key cost as much as running it."""
    newest = select(func.max(SearchChange.id)).scalar_subquery()
    return select(
        newest,
        select(func.count()).where(SearchChange.id > newest - LATE_COMMIT_WINDOW).scalar_subquery(),
        select(func.min(Posting.expires_at)).where(Posting.expires_at > bindparam("now"))
        .scalar_subquery(),
    )


def postings_version() -> tuple:
    """The version of the posting data every host shares, in one statement of index reads,
    read once per request (a commit in the request reads it again).

    The newest search-log entry: each commit that changes what a posting shows (edited, tagged,
    published, closed, deleted, its author suspended, its company renamed) appends one, whichever
    host made it. On PostgreSQL an entry may commit after a newer one (ids are handed out when
    written, not at commit), so the entries among the newest ``LATE_COMMIT_WINDOW`` ids are
    counted too: a late commit moves the count though not the newest id. The next expiry still
    ahead: a posting leaves every list when it expires, with no write at all, so the version moves
    at that moment too.
    """
    if has_request_context() and VERSION in request.environ:
        return request.environ[VERSION]
    version = tuple(db.session.execute(_version_statement(), {"now": utcnow()}).one())
    if has_request_context():
        request.environ[VERSION] = version
    return version


def reference_version() -> int:
    """The version of the reference data (codes, figures, localities, taxonomy) every host shares:
    one primary-key read, once per request. Any flush writing reference rows moves it in the same
    transaction (``models.taxonomy.ReferenceVersion``)."""
    if has_request_context() and REFERENCE in request.environ:
        return request.environ[REFERENCE]
    version = db.session.scalar(select(ReferenceVersion.version).where(ReferenceVersion.id == 1)) or 0
    if has_request_context():
        request.environ[REFERENCE] = version
    return version


def companies_version() -> tuple:
    """The version of the company rows every host shares (names, slugs, places): their count
    and newest ``updated_at``, which move with any company added, removed or edited."""
    return tuple(db.session.execute(select(func.count(), func.max(Company.updated_at))
                                    .select_from(Company)).one())


@event.listens_for(Session, "after_commit")
def _forget_version(session) -> None:
    """A request that commits a change reads the versions again for what it shows next."""
    if has_request_context():
        request.environ.pop(VERSION, None)
        request.environ.pop(REFERENCE, None)
