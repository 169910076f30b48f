"""Signed-in devices: one row per sign-in, so signing out ends the session on the server."""
import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import utcnow

if TYPE_CHECKING:  # mapped in both directions: imported for the annotations only
    from jobboard.models.user import User


def secret_digest(secret: str) -> str:
    """What is stored of a session's secret: a leaked table cannot be replayed as cookies."""
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(Model):
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

    user: Mapped["User"] = relationship(back_populates="sessions")

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))
