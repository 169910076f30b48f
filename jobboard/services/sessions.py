"""Signed-in devices: a server-side row per sign-in, found again from the cookie, ended on sign-out.

The session and remember-me cookies carry ``<row id>.<secret>`` (Flask-Login stores what
``User.get_id`` returns). Only a digest of the secret is stored. Deleting the row ends that
device's session even if someone copied its cookies before.
"""
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload
from ua_parser import parse as parse_user_agent

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.user import User
from jobboard.models.user_session import UserSession, secret_digest
from jobboard.numbers import MAX_ID, parse_int
from jobboard.services import NotFound

# ``last_used_at`` is written at most this often: not one UPDATE per page view.
RECORD_USE_EVERY = timedelta(minutes=1)
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def device_summary(user_agent: str) -> str:
    """A short, readable name for a browser, e.g. "Firefox on Windows"."""
    parsed = parse_user_agent((user_agent or "")[:1000])
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    browser = browser if browser and browser != "Other" else "Unknown browser"
    summary = f"{browser} on {system}" if system and system != "Other" else browser
    return summary[:120]


def start_session(user: User, user_agent: str = "", ip: str = "") -> UserSession:
    """Record a sign-in on a device; ``user.get_id()`` then names it for the cookies."""
    secret = secrets.token_urlsafe(32)
    row = UserSession(user=user, secret_hash=secret_digest(secret),
                      user_agent=device_summary(user_agent), ip=(ip or "")[:45])
    db.session.add(row)
    db.session.commit()
    _attach(user, row, secret)
    return row


def _attach(user: User, row: UserSession, secret: str) -> None:
    user.current_session = row
    user.session_cookie_id = f"{row.id}.{secret}"


def load_user(cookie_id: str) -> User | None:
    """Flask-Login loader: the user of a live session row whose secret matches, if active."""
    raw_id, _, secret = (cookie_id or "").partition(".")
    row_id = parse_int(raw_id)
    if row_id is None or row_id > MAX_ID or not _SECRET_RE.fullmatch(secret):
        return None
    # The user and an employer's company come in the same statement: every signed-in request
    # reads the user, and an employer's pages their company.
    row = db.session.get(UserSession, row_id,
                         options=[joinedload(UserSession.user).joinedload(User.company)])
    if row is None or not row.secret_matches(secret) or not row.user.active:
        return None
    _attach(row.user, row, secret)
    return row.user


def record_use(user: User, now=None) -> None:
    """Note that the user's current device was just used (at most once a minute)."""
    row, now = user.current_session, now or utcnow()
    if row is not None and now - row.last_used_at >= RECORD_USE_EVERY:
        row.last_used_at = now
        db.session.commit()


def signed_in_devices(user: User) -> Sequence[UserSession]:
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.last_used_at.desc(), UserSession.id.desc())).all()


def end_session(user: User, session_id: int) -> None:
    """Sign one of the user's devices out.

    :raise NotFound: no such session of this user (already ended, or another user's).
    """
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound("This device is already signed out.")
    db.session.delete(row)
    db.session.commit()


def end_other_sessions(user: User, keep: UserSession | None = None) -> None:
    """End every session of ``user`` but ``keep``, in the caller's transaction."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    db.session.execute(query.execution_options(synchronize_session=False))


def end_all_sessions(user: User) -> None:
    """Sign the user out on every device ("sign out everywhere")."""
    end_other_sessions(user)
    db.session.commit()
