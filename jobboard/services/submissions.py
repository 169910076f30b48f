"""One-time form tokens: the second send of a create form leads to the first one's result.

``claim`` runs at the start of the create's transaction (it only flushes): the service that
follows commits the token with what it creates, or a rollback frees the token for a retry.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.submission import FormSubmission
from jobboard.services import Conflict

ALREADY_SENT = "This form was already sent; it was not sent again."


class AlreadySubmitted(Conflict):
    """The token was used; ``result_url`` is where the first send's result is, when known."""

    def __init__(self, result_url: str | None):
        super().__init__(ALREADY_SENT)
        self.result_url = result_url


def claim(token: str) -> None:
    """Mark ``token`` used inside the current transaction.

    A concurrent claim of the same token waits for this transaction (row lock on PostgreSQL,
    the write lock on SQLite) and then fails on the primary key.

    :raise AlreadySubmitted: the token was used by a committed send.
    """
    db.session.add(FormSubmission(token=token))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        used = db.session.get(FormSubmission, token)
        raise AlreadySubmitted(used.result_url if used else None) from None


def record_result(token: str, url: str) -> None:
    """Remember where the first send's result is (after its service committed)."""
    used = db.session.get(FormSubmission, token)
    if used is not None:
        used.result_url = url[:500]
        db.session.commit()


def prune(now=None) -> int:
    """Delete tokens used longer than ``FORM_SUBMISSION_RETENTION`` seconds ago; returns how many.

    A form sent again after that is treated as new, so keep it longer than anyone leaves a form open.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["FORM_SUBMISSION_RETENTION"])
    # A DML statement returns a CursorResult, which has rowcount; SQLAlchemy 2.0 types it as Result.
    removed = db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < cutoff)).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return removed
