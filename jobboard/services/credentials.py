"""Verified credentials: member IDs and expiry dates, the admins' check queue, and renewal
reminders before a credential expires."""
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select, update

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.credentials import CHECK_METHODS, HeldCredential, IllegalCheck
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential
from jobboard.models.user import User
from jobboard.services import Conflict, DomainError, NotFound
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.services.profiles import seeker_profile
from jobboard.urls import external_url

MEMBER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,38}[A-Za-z0-9]", re.ASCII)
LONGEST_VALIDITY = timedelta(days=10 * 366)
REMIND_DAYS = 30  # as `flask credentials remind` does by default


@dataclass
class CredentialRow:
    """A credential on the seeker's profile and its details, if entered."""

    credential: Credential
    held: HeldCredential | None


def credential_rows(user: User) -> list[CredentialRow]:
    profile = seeker_profile(user)
    held = {h.credential_id: h for h in profile.held_credentials}
    return [CredentialRow(c, held.get(c.id)) for c in profile.credentials]


def save_details(user: User, abbreviation: str, member_id: str, expires_on: date) -> HeldCredential:
    """Enter or change a credential's member ID and expiry; a change waits for a new check.

    :raise NotFound: the credential is not on the seeker's profile.
    :raise DomainError: the member ID or the date cannot be right.
    """
    profile = seeker_profile(user)
    credential = next((c for c in profile.credentials if c.abbreviation == abbreviation), None)
    if credential is None:
        raise NotFound("Add this credential to your profile first.")
    member_id = " ".join((member_id or "").split())
    if not MEMBER_ID.fullmatch(member_id):
        raise DomainError("Enter the member ID as it appears on your card: 3 to 40 letters, digits, "
                          "spaces or hyphens.", field="member_id")
    today = utcnow().date()
    if expires_on < today:
        raise DomainError("This date has passed: renew the credential, then enter the new expiry.",
                          field="expires_on")
    if expires_on > today + LONGEST_VALIDITY:
        raise DomainError("Credentials are renewed at least every few years: check the year.",
                          field="expires_on")
    held = next((h for h in profile.held_credentials if h.credential_id == credential.id), None)
    if held is None:
        held = HeldCredential(credential=credential, member_id=member_id, expires_on=expires_on)
        profile.held_credentials.append(held)
    else:
        held.change_details(member_id, expires_on)
    db.session.commit()
    return held


def pending_checks() -> Sequence[HeldCredential]:
    """Credentials waiting for an admin, oldest change first."""
    return db.session.scalars(
        select(HeldCredential).where(HeldCredential.status == "pending")
        .order_by(HeldCredential.updated_at, HeldCredential.id)).all()


def recent_checks(limit: int = 30) -> Sequence[HeldCredential]:
    return db.session.scalars(
        select(HeldCredential).where(HeldCredential.checked_at.is_not(None))
        .order_by(HeldCredential.checked_at.desc()).limit(limit)).all()


def record_check(held_id: int, admin: User, verified: bool, method: str, note: str) -> HeldCredential:
    """Record an admin's check of a pending credential.

    :raise NotFound: no such credential entry.
    :raise Conflict: it was already checked, or it has expired.
    :raise DomainError: the method is not one we know.
    """
    held = db.session.get(HeldCredential, held_id)
    if held is None:
        raise NotFound("No such credential.")
    if method not in CHECK_METHODS:
        raise DomainError("Choose how you checked it.", field="method")
    note = (note or "").strip()
    if method == "other" and not note:
        raise DomainError("Say in the note how you checked it.", field="note")
    if verified and held.is_expired():
        raise Conflict(f"This credential expired on {held.expires_on:%b %d, %Y}; it cannot be verified.")
    try:
        held.record_check(admin, verified, method, note)
    except IllegalCheck as error:
        raise Conflict(str(error)) from None
    db.session.commit()
    return held


def verified_credentials(profile: SeekerProfile | None, today: date | None = None) -> list[HeldCredential]:
    """The profile's credentials that carry the badge today."""
    if profile is None:
        return []
    held = {c.id for c in profile.credentials}
    return [h for h in profile.held_credentials if h.credential_id in held and h.is_verified(today)]


def send_expiry_reminders(days: int = REMIND_DAYS, today: date | None = None) -> int:
    """Email each seeker whose credential expires within ``days``; once per credential and expiry.

    Each reminder is claimed with a conditional update, so two runs at once send it once.
    """
    today = today or utcnow().date()
    due = db.session.scalars(
        select(HeldCredential.id).where(
            HeldCredential.expires_on >= today,
            HeldCredential.expires_on <= today + timedelta(days=days),
            or_(HeldCredential.reminded_for.is_(None), HeldCredential.reminded_for != HeldCredential.expires_on),
        ).order_by(HeldCredential.id)).all()
    sent = 0
    for held_id in due:
        claimed = db.session.execute(
            update(HeldCredential)
            .where(HeldCredential.id == held_id,
                   or_(HeldCredential.reminded_for.is_(None),
                       HeldCredential.reminded_for != HeldCredential.expires_on))
            .values(reminded_for=HeldCredential.expires_on)
            .execution_options(synchronize_session=False))
        # A DML statement returns a CursorResult, which has rowcount; SQLAlchemy 2.0 types it as Result.
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        _queue_reminder(db.session.get_one(HeldCredential, held_id), today)
        commit_and_deliver()
        sent += 1
    return sent


def _queue_reminder(held: HeldCredential, today: date) -> None:
    user = held.seeker.user
    abbreviation = held.credential.abbreviation
    left = (held.expires_on - today).days
    when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    queue_email(
        user.email,
        f"Your {abbreviation} expires on {held.expires_on:%B %d, %Y}",
        f"Hello {user.name or user.email},\n\n"
        f"Your {abbreviation} ({held.credential.name}, member ID {held.member_id}) expires {when}, on "
        f"{held.expires_on:%B %d, %Y}. After that date employers no longer see it as verified on "
        f"your applications.\n\n"
        f"Once you have renewed it with {held.credential.body or 'the credentialing body'}, enter "
        f"the new expiry date and we will check it again:\n{external_url('credentials.index')}\n\n"
        "MedCode Jobs\n",
    )
