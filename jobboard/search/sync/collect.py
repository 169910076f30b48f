"""Collecting the postings a transaction changes, and handing them to the log.

1. ``before_flush`` notes postings that a database cascade is about to change behind the ORM's
   back (deleted companies, codes, specialties...) and stamps ``updated_at`` on postings whose
   tags changed, so concurrent edits of one posting serialise on its row.
2. ``after_flush`` (SQL still allowed) collects every posting the flush changed, directly or
   through its credentials, company, author or tags; writes one ``search_outbox`` row per
   posting in the same transaction; and builds the documents of the visible ones.
3. ``after_commit`` hands the documents to the index (see ``log.apply_pending``);
   ``after_rollback`` forgets them: the rows rolled back too.

ORM bulk ``update()``/``delete()`` skip these events: callers use ``log.reindex_postings``.
"""
import logging
from collections import defaultdict

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, insert, select
from sqlalchemy.orm import Session

from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import (
    Posting,
    PostingCredential,
    posting_cpt_code,
    posting_specialty,
    with_tags,
)
from jobboard.models.search import SearchOutbox
from jobboard.models.taxonomy import CptCode, Credential, Specialty
from jobboard.models.user import User
from jobboard.search.backend import IndexBusy
from jobboard.search.document import posting_document
from jobboard.search.sync import log as outbox

log = logging.getLogger(__name__)

DOOMED = "search_doomed"      # session.info: posting ids a cascade is about to change
TAG_COLLECTIONS = ("specialties", "cpt_codes", "credential_links")
BUILD_LIMIT = 500             # larger changes are left to a drain right after commit
# Attributes of related rows that appear in posting documents.
WATCHED = {Company: ("name",), User: ("active",), Specialty: ("slug",),
           CptCode: ("code", "section", "subsection"), Credential: ("abbreviation",)}


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
        session.info.setdefault(outbox.DRAIN, set()).update(row_id for row_id, _ in rows)
        return
    documents = {}
    if ids & visible:
        for posting in session.scalars(with_tags(select(Posting).where(Posting.id.in_(ids & visible)))):
            documents[posting.id] = posting_document(posting)
    pending = session.info.setdefault(outbox.PENDING, {})
    for row_id, posting_id in rows:
        pending[posting_id] = (row_id, documents.get(posting_id))


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    pending = session.info.pop(outbox.PENDING, None)
    drain_rows = session.info.pop(outbox.DRAIN, None)
    if not (pending or drain_rows) or not has_app_context():
        return
    try:
        if pending:
            outbox.apply_pending(pending)
        if drain_rows:
            outbox.drain(rows=drain_rows)
    except IndexBusy as busy:
        log.info("Search index busy (%s); the outbox keeps the change for the worker.", busy)
    except Exception:  # a request never fails because of the index: the outbox has the change
        log.exception("Search index update failed; the outbox keeps the change for the worker.")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    for key in (outbox.PENDING, outbox.DRAIN, DOOMED):
        session.info.pop(key, None)
