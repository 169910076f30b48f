"""Saved jobs and saved searches with email alerts of new matches."""
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.activity import SavedJob, SavedSearch
from jobboard.models.application import Application
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import DomainError, NotFound
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.text_input import text_problem
from jobboard.urls import external_url

ALERT_INTERVALS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_SAVED_SEARCHES = 20


def save_job(user: User, posting: Posting) -> None:
    """Idempotent: saving twice (a double click) keeps one row."""
    if db.session.get(SavedJob, (user.id, posting.id)) is None:
        db.session.add(SavedJob(user_id=user.id, posting_id=posting.id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()


def unsave_job(user: User, posting_id: int) -> None:
    saved = db.session.get(SavedJob, (user.id, posting_id))
    if saved is not None:
        db.session.delete(saved)
        db.session.commit()


def is_saved(user: User, posting: Posting) -> bool:
    return db.session.get(SavedJob, (user.id, posting.id)) is not None


def marks(user: User | None, posting_ids) -> dict[str, set[int]]:
    """Which of ``posting_ids`` the seeker applied to and saved, for markers on result cards."""
    ids = list(posting_ids)
    if user is None or not ids:
        return {"applied": set(), "saved": set()}
    return {
        "applied": set(db.session.scalars(select(Application.posting_id).where(
            Application.seeker_id == user.id, Application.posting_id.in_(ids)))),
        "saved": set(db.session.scalars(select(SavedJob.posting_id).where(
            SavedJob.user_id == user.id, SavedJob.posting_id.in_(ids)))),
    }


def saved_jobs(user: User) -> Sequence[SavedJob]:
    return db.session.scalars(select(SavedJob).where(SavedJob.user_id == user.id)
                              .order_by(SavedJob.created_at.desc())).all()


def clean_query(query: str) -> str:
    """The search's parameters without paging, in a stable order, URL-encoded (so the result
    is safe in a redirect); pairs breaking the text rule (NUL, line breaks…) are dropped."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False)
             if k not in ("page", "per_page") and not text_problem(k) and not text_problem(v)]
    return urlencode(sorted(pairs))


def save_search(user: User, name: str, query: str, frequency: str) -> SavedSearch:
    if frequency not in ALERT_INTERVALS:
        raise DomainError("Choose daily or weekly alerts.", field="frequency")
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_SAVED_SEARCHES:
        raise DomainError(f"You can keep at most {MAX_SAVED_SEARCHES} saved searches.")
    search = SavedSearch(user_id=user.id, name=name.strip(), query=clean_query(query),
                         frequency=frequency)
    db.session.add(search)
    db.session.commit()
    return search


def own_search(user: User, search_id: int) -> SavedSearch:
    """:raise NotFound: the saved search is missing or another user's."""
    search = db.session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        raise NotFound("No such saved search.")
    return search


def search_words(search: SavedSearch) -> str:
    """The free-text part (``q``) of a saved search."""
    return dict(parse_qsl(search.query)).get("q", "")


def update_search(user: User, search_id: int, name: str, words: str, frequency: str,
                  alerts: bool) -> SavedSearch:
    """Rename a saved search, change its words (its filters stay) and its alerts."""
    search = own_search(user, search_id)
    name = (name or "").strip()
    if not name:
        raise DomainError("Name the search.", field="name")
    if frequency not in ALERT_INTERVALS:
        raise DomainError("Choose daily or weekly alerts.", field="frequency")
    pairs = [(k, v) for k, v in parse_qsl(search.query) if k != "q"]
    if (words or "").strip():
        pairs.append(("q", words.strip()))
    search.name, search.frequency, search.alerts = name, frequency, alerts
    search.query = clean_query(urlencode(pairs))
    db.session.commit()
    return search


def delete_search(user: User, search_id: int) -> None:
    db.session.delete(own_search(user, search_id))
    db.session.commit()


def saved_searches(user: User) -> Sequence[SavedSearch]:
    return db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                              .order_by(SavedSearch.created_at)).all()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="alert-unsubscribe")


def unsubscribe_token(search: SavedSearch) -> str:
    return _serializer().dumps(search.id)


def unsubscribe(token: str) -> SavedSearch:
    """Turn off a search's alerts from the link in an email; no login needed."""
    try:
        search_id = _serializer().loads(token)
    except BadSignature:
        raise NotFound("This unsubscribe link is not valid.") from None
    search = db.session.get(SavedSearch, search_id)
    if search is None:
        raise NotFound("This saved search no longer exists.")
    search.alerts = False
    db.session.commit()
    return search


@dataclass
class AlertRun:
    """What one ``send_alerts`` pass did."""

    emails: int = 0
    due: int = 0
    failed: list[int] = field(default_factory=list)  # ids of saved searches that raised


def send_alerts(find_new_postings, now=None) -> AlertRun:
    """Email each due saved search the postings published since its last alert.

    ``find_new_postings(query, since)`` returns the visible postings matching the saved query
    and published after ``since`` (the search layer provides it). Each search is its own
    transaction: one that fails is logged, rolled back and retried next run, and the rest are
    still sent.
    """
    now = now or utcnow()
    due_ids = [s.id for s in db.session.scalars(select(SavedSearch).where(SavedSearch.alerts.is_(True)))
               if s.last_alert_at + ALERT_INTERVALS[s.frequency] <= now and s.user.active]
    run = AlertRun(due=len(due_ids))
    for search_id in due_ids:
        try:
            run.emails += _send_alert(db.session.get_one(SavedSearch, search_id), find_new_postings, now)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Saved search %s: alert failed; skipped", search_id)
            run.failed.append(search_id)
    return run


def _send_alert(search: SavedSearch, find_new_postings, now) -> int:
    """Queue one saved search's alert (if it has new postings) and commit; returns emails queued."""
    postings = [p for p in find_new_postings(search.query, search.last_alert_at)
                if p.published_at and search.last_alert_at < p.published_at <= now]
    search.last_alert_at = now
    if postings:
        lines = "\n".join(f"- {p.title} at {p.company.name}: {external_url('postings.detail', posting_id=p.id)}"
                          for p in postings[:25])
        more = f"\n…and {len(postings) - 25} more." if len(postings) > 25 else ""
        queue_email(
            search.user.email,
            f"{len(postings)} new job{'' if len(postings) == 1 else 's'} for “{search.name}”",
            f"New postings matching your saved search “{search.name}”:\n\n{lines}{more}\n\n"
            f"See them all: {external_url('search.jobs')}?{search.query}\n\n"
            f"Stop these emails: {external_url('seeker.unsubscribe', token=unsubscribe_token(search))}\n")
    commit_and_deliver()
    return 1 if postings else 0
