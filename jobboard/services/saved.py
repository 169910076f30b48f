"""Saved jobs and saved searches with email alerts of new matches."""
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.activity import SavedJob, SavedSearch
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import DomainError, NotFound
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.text_input import text_problem

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


def saved_jobs(user: User) -> list[SavedJob]:
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
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id))
    if count >= MAX_SAVED_SEARCHES:
        raise DomainError(f"You can keep at most {MAX_SAVED_SEARCHES} saved searches.")
    search = SavedSearch(user_id=user.id, name=name.strip()[:120], query=clean_query(query),
                         frequency=frequency)
    db.session.add(search)
    db.session.commit()
    return search


def delete_search(user: User, search_id: int) -> None:
    search = db.session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        raise NotFound("No such saved search.")
    db.session.delete(search)
    db.session.commit()


def saved_searches(user: User) -> list[SavedSearch]:
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
        raise NotFound("This unsubscribe link is not valid.")
    search = db.session.get(SavedSearch, search_id)
    if search is None:
        raise NotFound("This saved search no longer exists.")
    search.alerts = False
    db.session.commit()
    return search


def send_alerts(find_new_postings, now=None) -> tuple[int, int]:
    """Email each due saved search the postings published since its last alert.

    ``find_new_postings(query, since)`` returns the visible postings matching the saved query
    and published after ``since`` (the search layer provides it). Returns (emails, searches due).
    """
    now = now or utcnow()
    due = [s for s in db.session.scalars(select(SavedSearch).where(SavedSearch.alerts.is_(True)))
           if s.last_alert_at + ALERT_INTERVALS[s.frequency] <= now and s.user.active]
    sent = 0
    for search in due:
        postings = [p for p in find_new_postings(search.query, search.last_alert_at)
                    if p.published_at and search.last_alert_at < p.published_at <= now]
        search.last_alert_at = now
        if postings:
            lines = "\n".join(
                f"- {p.title} at {p.company.name}: "
                f"{url_for('postings.detail', posting_id=p.id, _external=True)}" for p in postings[:25])
            more = f"\n…and {len(postings) - 25} more." if len(postings) > 25 else ""
            queue_email(
                search.user.email,
                f"{len(postings)} new job{'' if len(postings) == 1 else 's'} for “{search.name}”",
                f"New postings matching your saved search “{search.name}”:\n\n{lines}{more}\n\n"
                f"See them all: {url_for('search.jobs', _external=True)}?{search.query}\n\n"
                f"Stop these emails: "
                f"{url_for('seeker.unsubscribe', token=unsubscribe_token(search), _external=True)}\n")
            sent += 1
        commit_and_deliver()
    return sent, len(due)
