"""Outgoing email, queued in the same transaction as the change that causes it."""
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.extensions import Model
from jobboard.models.base import utcnow


class OutboundEmail(Model):
    __tablename__ = "outbound_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set once when queued and sent with every attempt, so a receiver drops a resend
    # (after a worker crash between sending and recording it) as a duplicate.
    message_id: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender owns the row until claimed_until; lets several workers share the queue.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # None: due now. After a failure the next try waits longer each time (exponential backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
