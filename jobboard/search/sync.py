"""Keeps the index in step with the database.

1. ``before_flush`` notes postings that a database cascade is about to change behind the ORM's
   back (deleted companies, codes, specialties...) and stamps ``updated_at`` on postings whose
   tags changed, so concurrent edits of one posting serialise on its row.
2. ``after_flush`` (SQL still allowed) collects every posting the flush changed, directly or
   through its credentials, company, author or tags; writes one ``search_outbox`` row per
   posting in the same transaction; and builds the documents of the visible ones.
3. ``after_commit`` hands the documents to the index (one writer, with a timeout) and deletes
   the outbox rows it covered. ``after_rollback`` forgets them; the rows rolled back too.
4. Whatever is left (index busy, process killed between commit and index write, bulk changes
   too large to build in the flush) is applied by ``drain()``: ``flask worker`` and app start.

A document built in a flush is written only if its outbox row still exists when the writer is
held: a newer change to the same posting (or a drain that read a newer state) deletes the older
rows, so an older state never overwrites a newer one.
"""
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import and_, delete, event, inspect, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import (
    Posting,
    PostingCredential,
    posting_cpt_code,
    with_tags,
    posting_specialty,
)
from jobboard.models.search import SearchOutbox
from jobboard.models.taxonomy import CptCode, Credential, Specialty
from jobboard.models.user import User
from jobboard.search.backend import IndexBusy
from jobboard.search.schema import posting_document

log = logging.getLogger(__name__)

PENDING = "search_pending"    # session.info: {posting id: (outbox row id, document or None)}
DRAIN = "search_drain"        # session.info: outbox row ids to apply from a fresh read
DOOMED = "search_doomed"      # session.info: posting ids a cascade is about to change
TAG_COLLECTIONS = ("specialties", "cpt_codes", "credential_links")
BUILD_LIMIT = 500             # larger changes are left to a drain right after commit
BATCH = 500
# Attributes of related rows that appear in posting documents.
WATCHED = {Company: ("name",), User: ("active",), Specialty: ("slug",),
           CptCode: ("code", "section", "subsection"), Credential: ("abbreviation",)}


def _timeout() -> float:
    return current_app.config.get("SEARCH_WRITER_TIMEOUT", 2.0)


def _backend():
    return current_app.extensions["search"]


# --------------------------------------------------------------------------- collecting


def _postings_linked(connection, model, ids) -> set[int]:
    """Ids of postings attached to the given companies, users, codes, specialties, credentials."""
    ids = list(ids)
    if not ids:
        return set()
    column = {
        Company: Posting.company_id, User: Posting.created_by_id,
    }.get(model)
    if column is not None:
        query = select(Posting.id).where(column.in_(ids))
    elif model is CptCode:
        query = select(posting_cpt_code.c.posting_id).where(posting_cpt_code.c.cpt_code_id.in_(ids))
    elif model is Specialty:
        query = select(posting_specialty.c.posting_id).where(
            posting_specialty.c.specialty_id.in_(ids))
    else:
        query = select(PostingCredential.posting_id).where(PostingCredential.credential_id.in_(ids))
    return set(connection.scalars(query))


def _changed(obj, keys) -> bool:
    state = inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in keys)


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    if not has_app_context() or "search" not in current_app.extensions:
        return
    now = utcnow()
    for obj in session.dirty:
        if isinstance(obj, Posting) and _changed(obj, TAG_COLLECTIONS):
            obj.updated_at = now
    doomed = defaultdict(set)
    for obj in session.deleted:
        if type(obj) in WATCHED and inspect(obj).has_identity:
            doomed[type(obj)].add(obj.id)
    if doomed:
        connection = session.connection()
        found = session.info.setdefault(DOOMED, set())
        for model, ids in doomed.items():
            found |= _postings_linked(connection, model, ids)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    if not has_app_context() or "search" not in current_app.extensions:
        return
    changed = set(session.info.pop(DOOMED, ()))
    fresh = set()
    linked = defaultdict(set)
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Posting):
            if obj in session.new:
                fresh.add(obj.id)
            elif obj in session.deleted or session.is_modified(obj, include_collections=True):
                changed.add(obj.id)
        elif isinstance(obj, PostingCredential):
            if obj.posting_id is not None:
                changed.add(obj.posting_id)
        elif type(obj) in WATCHED and obj in session.dirty and _changed(obj, WATCHED[type(obj)]):
            linked[type(obj)].add(obj.id)
    connection = session.connection()
    for model, ids in linked.items():
        changed |= _postings_linked(connection, model, ids)
    ids = changed | fresh
    if not ids:
        return
    visible = set(connection.scalars(
        select(Posting.id).where(Posting.id.in_(ids), Posting.visible_clause())))
    # A new posting that is not visible cannot be in the index: nothing to do.
    ids = changed | (fresh & visible)
    if not ids:
        return
    rows = connection.execute(
        insert(SearchOutbox).returning(SearchOutbox.id, SearchOutbox.posting_id),
        [{"posting_id": i, "created_at": utcnow()} for i in sorted(ids)],
    ).all()
    if len(ids) > BUILD_LIMIT:
        session.info.setdefault(DRAIN, set()).update(row_id for row_id, _ in rows)
        return
    documents = {}
    if ids & visible:
        for posting in session.scalars(with_tags(select(Posting).where(Posting.id.in_(ids & visible)))):
            documents[posting.id] = posting_document(posting)
    pending = session.info.setdefault(PENDING, {})
    for row_id, posting_id in rows:
        pending[posting_id] = (row_id, documents.get(posting_id))


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    pending = session.info.pop(PENDING, None)
    drain_rows = session.info.pop(DRAIN, None)
    if not (pending or drain_rows) or not has_app_context():
        return
    try:
        if pending:
            apply_pending(pending)
        if drain_rows:
            drain(rows=drain_rows)
    except IndexBusy as busy:
        log.info("Search index busy (%s); the outbox keeps the change for the worker.", busy)
    except Exception:  # a request never fails because of the index: the outbox has the change
        log.exception("Search index update failed; the outbox keeps the change for the worker.")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    for key in (PENDING, DRAIN, DOOMED):
        session.info.pop(key, None)


# --------------------------------------------------------------------------- applying


def _delete_rows(covered: dict[int, int]) -> None:
    """Delete, per posting, the outbox rows up to the one whose state is now in the index."""
    items = list(covered.items())
    with db.engine.begin() as connection:
        for start in range(0, len(items), 200):
            chunk = items[start:start + 200]
            connection.execute(delete(SearchOutbox).where(or_(*(
                and_(SearchOutbox.posting_id == posting_id, SearchOutbox.id <= row_id)
                for posting_id, row_id in chunk))))


def apply_pending(pending: dict) -> None:
    """Write documents built in a flush whose outbox rows are still there (see module doc)."""
    covered = {}

    def changes():
        with db.engine.connect() as connection:
            alive = set(connection.scalars(select(SearchOutbox.id).where(
                SearchOutbox.id.in_([row for row, _ in pending.values()]))))
        documents, deleted = [], []
        for posting_id, (row, document) in pending.items():
            if row in alive:
                covered[posting_id] = row
                (documents.append(document) if document else deleted.append(posting_id))
        return documents, deleted

    _backend().apply(changes, _timeout())
    if covered:
        _delete_rows(covered)


def drain(rows=None, batch: int = BATCH, timeout: float | None = None, limit: int | None = None,
          background: bool = False) -> int:
    """Apply outbox rows (all, or just ``rows``) from the committed database state.

    Each batch is read while the index writer is held, so it never overwrites a newer state.
    Returns the number of rows applied. Raises IndexBusy if the writer stays locked.
    """
    done = 0
    remaining = sorted(rows) if rows is not None else None
    while True:
        taken = {}

        def changes():
            with Session(db.engine) as session:
                query = select(SearchOutbox.id, SearchOutbox.posting_id).order_by(SearchOutbox.id)
                if remaining is not None:
                    query = query.where(SearchOutbox.id.in_(remaining[:batch]))
                taken.update(session.execute(query.limit(batch)).all())
                ids = set(taken.values())
                postings = session.scalars(with_tags(
                    Posting.visible().where(Posting.id.in_(ids)))).all() if ids else []
                documents = [posting_document(p) for p in postings]
                return documents, sorted(ids - {p.id for p in postings})

        _backend().apply(changes, timeout if timeout is not None else _timeout(), background)
        if taken:
            with db.engine.begin() as connection:
                connection.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(list(taken))))
        done += len(taken)
        if remaining is not None:
            remaining = remaining[batch:]
            if not remaining:
                return done
        elif len(taken) < batch:
            return done
        if limit is not None and done >= limit:
            return done


def reindex_postings(posting_ids) -> None:
    """Queue postings changed by bulk SQL (``update()``/``delete()`` skip session events).

    Call inside the transaction that makes the change; the index follows after its commit.
    """
    ids = sorted(set(posting_ids))
    if not ids:
        return
    rows = db.session.execute(insert(SearchOutbox).returning(SearchOutbox.id),
                              [{"posting_id": i, "created_at": utcnow()} for i in ids]).scalars()
    db.session.info.setdefault(DRAIN, set()).update(rows)


def pending_count() -> int:
    return db.session.scalar(select(db.func.count(SearchOutbox.id))) or 0


def drain_at_start(app) -> None:
    """Apply what an earlier process left behind; never stops the app from starting."""
    with app.app_context():
        try:
            drained = drain(timeout=0.5, limit=5_000)
        except IndexBusy:
            return
        except SQLAlchemyError:  # e.g. before ``flask db upgrade`` created the table
            return
        finally:
            db.session.remove()
        if drained:
            app.logger.info("Applied %d pending search index updates.", drained)


# --------------------------------------------------------------------------- bulk


def _visible_postings(chunk: int = 1000):
    """Every visible posting, in id order, a chunk at a time with its relationships loaded."""
    with Session(db.engine) as session:
        last = 0
        while True:
            postings = session.scalars(with_tags(Posting.visible().where(Posting.id > last)
                                             .order_by(Posting.id).limit(chunk))).all()
            if not postings:
                return
            yield from postings
            last = postings[-1].id
            session.expunge_all()


def visible_count() -> int:
    visible = Posting.visible().with_only_columns(Posting.id).subquery()
    return db.session.scalar(select(db.func.count()).select_from(visible)) or 0


def rebuild(progress=None) -> int:
    """Rebuild the index from the database, then apply changes that arrived meanwhile."""
    count = _backend().rebuild((posting_document(p) for p in _visible_postings()),
                               progress=progress, total=visible_count(),
                               timeout=current_app.config.get("SEARCH_REBUILD_TIMEOUT", 60.0))
    drain()
    return count


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)     # visible, not in the index
    extra: list[int] = field(default_factory=list)       # in the index, not visible
    stale: list[int] = field(default_factory=list)       # indexed document out of date
    duplicates: list[int] = field(default_factory=list)  # indexed more than once
    expired: int = 0     # past their expiry in the index; searches skip them already
    pending: int = 0     # outbox rows not yet applied

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.stale or self.duplicates)


def check(now=None) -> Drift:
    """Compare every visible posting's document with what the index holds."""
    held, duplicates = _backend().check()
    drift = Drift(duplicates=sorted(set(duplicates)), pending=pending_count())
    seen = set()
    for posting in _visible_postings():
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
