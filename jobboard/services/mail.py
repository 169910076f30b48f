"""Email: queue in the caller's transaction, deliver after commit, retry from the worker.

A message is a row in ``outbound_email`` written with the change that causes it, so a
rollback drops it and a crash after commit loses nothing: ``deliver_pending`` (run right
after commit and by ``flask worker``) sends whatever is due. Rows are claimed before
sending so that two senders, on any hosts, never deliver the same message. Each row keeps one
Message-ID for all its attempts, and a failed message waits longer before each retry
(exponential backoff).
"""
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.mail import OutboundEmail

CLAIM_SECONDS = 120
RETRY_FIRST = timedelta(minutes=1)  # wait after the first failure; doubles after each one
RETRY_MAX = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """How long a message that has failed ``attempts`` times waits before the next try."""
    return min(RETRY_FIRST * 2 ** min(max(attempts - 1, 0), 20), RETRY_MAX)


def _single_line(value: str) -> str:
    """Header values must not carry line breaks (no header injection from names or titles)."""
    return " ".join(str(value).split())


def queue_email(recipient: str, subject: str, body: str) -> OutboundEmail:
    """Add a message to the current transaction; it is sent only if that transaction commits."""
    domain = urlsplit(current_app.config["SITE_URL"]).hostname
    message = OutboundEmail(
        message_id=make_msgid(idstring="outbox", domain=domain),
        recipient=_single_line(recipient), subject=_single_line(subject)[:300], body=body,
    )
    db.session.add(message)
    db.session.info.setdefault("queued_emails", []).append(message)
    return message


def commit_and_deliver() -> None:
    """Commit the session, then try to send the messages it queued (failures stay queued)."""
    queued = db.session.info.pop("queued_emails", [])
    db.session.commit()
    ids = [message.id for message in queued]
    if ids:
        deliver_pending(ids)


def _claim_due(ids, limit, now) -> list[int]:
    """Claim up to ``limit`` unsent messages for this sender, in one statement.

    Each message is claimed by exactly one sender across all hosts: on PostgreSQL rows another
    sender is claiming are skipped (``FOR UPDATE SKIP LOCKED``) and re-checked once it commits;
    SQLite runs one writer at a time, so the conditional update alone is enough there.
    """
    due = select(OutboundEmail.id).where(
        OutboundEmail.sent_at.is_(None),
        or_(OutboundEmail.claimed_until.is_(None), OutboundEmail.claimed_until < now),
        or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now),
    )
    if ids is not None:
        due = due.where(OutboundEmail.id.in_(ids))
    due = due.order_by(OutboundEmail.id).limit(limit).with_for_update(skip_locked=True)
    claimed = db.session.scalars(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .returning(OutboundEmail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def build_message(email: OutboundEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    return message


def deliver_pending(ids=None, limit=100, now=None) -> tuple[int, int]:
    """Send due messages (all, or just ``ids``) this sender claims; returns (sent, failed).

    A message is due unless an earlier failure scheduled its next try after ``now``.
    """
    due = _claim_due(ids, limit, now or utcnow())
    sent = failed = 0
    if not due:
        return sent, failed
    config = current_app.config
    if config["MAIL_SERVER"] == "console":
        return _log_instead(due), 0
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    except OSError as exc:
        _record_failure(due, f"SMTP unreachable: {exc}")
        return 0, len(due)
    with smtp:
        for email_id in due:
            email = db.session.get_one(OutboundEmail, email_id)
            try:
                smtp.send_message(build_message(email))
            except (smtplib.SMTPException, OSError) as exc:
                _failed(email, str(exc))
                failed += 1
            else:
                email.attempts += 1
                email.sent_at = utcnow()
                email.last_error = ""
                sent += 1
            db.session.commit()
    return sent, failed


def _log_instead(ids) -> int:
    """Development without a mail server (``MAIL_SERVER = "console"``): log, mark sent."""
    for email_id in ids:
        email = db.session.get_one(OutboundEmail, email_id)
        current_app.logger.warning("Email to %s: %s\n%s", email.recipient, email.subject, email.body)
        email.sent_at = utcnow()
    db.session.commit()
    return len(ids)


def _failed(email: OutboundEmail, error: str) -> None:
    email.attempts += 1
    email.last_error = error[:1000]
    email.next_attempt_at = utcnow() + retry_delay(email.attempts)
    email.claimed_until = None


def _record_failure(ids, error) -> None:
    for email_id in ids:
        _failed(db.session.get_one(OutboundEmail, email_id), error)
    db.session.commit()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session):
    """A rolled-back message row is gone; do not try to send it after a later commit."""
    session.info.pop("queued_emails", None)
