"""Signed-in devices: one row per sign-in, so signing out ends the session on the server."""
import hashlib
import hmac
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import db
from jobboard.models.base import utcnow


def secret_digest(secret: str) -> str:
    """What is stored of a session's secret: a leaked table cannot be replayed as cookies."""
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    """A signed-in device. The session and remember-me cookies carry ``<id>.<secret>``;
    deleting the row signs that device out, whatever cookies it kept."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(120), default="")  # e.g. "Firefox on Windows"
    ip: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped["User"] = relationship(back_populates="sessions")  # noqa: F821

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))
