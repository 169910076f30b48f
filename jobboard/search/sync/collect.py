"""Collecting the postings a transaction changes, and logging them in that transaction.

1. ``before_flush`` notes postings that a database cascade is about to change behind the ORM's
   back (deleted companies, codes, specialties...) and stamps ``updated_at`` on postings whose
   tags changed, so concurrent edits of one posting serialise on its row.
2. ``after_flush`` (SQL still allowed) collects every posting the flush changed, directly or
   through its credentials, company, author or tags, and appends their entries to the change
   log (``log.record``) in the same transaction. A rollback takes the entries with it.
3. Nothing waits for an index: each host's worker follows the log. With
   ``SEARCH_FOLLOW_AFTER_COMMIT`` (on under ``TESTING``), ``after_commit`` also follows it right
   away in this process, so a test sees its change in the index when its commit returns. A
   bulk writer that commits a batch at a time defers that to its end (``following_later``).

ORM bulk ``update()``/``delete()`` skip these events: callers use ``log.reindex_postings``.
"""
import logging
from collections import defaultdict
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import Posting, PostingCredential, posting_cpt_code, posting_specialty
from jobboard.models.taxonomy import CptCode, Credential, Specialty
from jobboard.models.user import User
from jobboard.search.backend import IndexBusy
from jobboard.search.sync import log as change_log

log = logging.getLogger(__name__)

DOOMED = "search_doomed"      # session.info: posting ids a cascade is about to change
LATER = "search_follow_later"  # session.info: commits leave following the log to the block's end
TAG_COLLECTIONS = ("specialties", "cpt_codes", "credential_links")
# Attributes of related rows that appear in posting documents.
WATCHED: dict[type, tuple[str, ...]] = {Company: ("name",), User: ("active",), Specialty: ("slug",),
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
    # A new posting that is not visible cannot be in the index: nothing to do. (Only new ones
    # are looked up: an edit logs its posting without a query.)
    visible = set(connection.scalars(
        select(Posting.id).where(Posting.id.in_(fresh), Posting.visible_clause()))) if fresh else set()
    ids = changed | visible
    if not ids:
        return
    change_log.record(connection, ids)
    session.info[change_log.LOGGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if not session.info.pop(change_log.LOGGED, False) or not has_app_context():
        return
    if current_app.config.get("SEARCH_FOLLOW_AFTER_COMMIT") and not session.info.get(LATER):
        _follow_here(bulk=False)


@contextmanager
def following_later(session):
    """Commits inside the block do not follow the log; with ``SEARCH_FOLLOW_AFTER_COMMIT`` it is
    caught up once at the end (``maintenance.catch_up``: one rebuild after a large feed instead of
    one index commit per batch)."""
    session.info[LATER] = True
    try:
        yield
    finally:
        session.info.pop(LATER, None)
        if has_app_context() and current_app.config.get("SEARCH_FOLLOW_AFTER_COMMIT"):
            _follow_here(bulk=True)


def _follow_here(bulk: bool) -> None:
    from jobboard.search.sync.maintenance import catch_up, rebuild

    try:
        if bulk:
            catch_up()
            return
        try:
            change_log.follow()
        except change_log.FellBehind:
            rebuild()
    except IndexBusy as busy:
        log.info("Search index busy (%s); the worker applies the change.", busy)
    except Exception:  # a request never fails because of the index: the log has the change
        log.exception("Following the search log failed; the worker applies the change.")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    for key in (change_log.LOGGED, DOOMED):
        session.info.pop(key, None)
