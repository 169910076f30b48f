"""A credential a seeker holds, with its member ID, expiry and an admin's verification.

The badge is computed from the expiry date on every read, so it cannot go stale: a verified
credential whose expiry has passed simply stops being verified.
"""
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import TimestampMixin, utcnow
from jobboard.models.taxonomy import Credential
from jobboard.models.user import User

if TYPE_CHECKING:  # mapped in both directions: imported for the annotations only
    from jobboard.models.seeker import SeekerProfile

CHECK_METHODS = {
    "aapc_directory": "AAPC member directory",
    "ahima_verification": "AHIMA credential verification",
    "certificate_seen": "Certificate seen",
    "other": "Other (see note)",
}


class IllegalCheck(Exception):
    """A verification step the credential's state does not allow."""


class HeldCredential(TimestampMixin, Model):
    """Details of one profile credential; removed with it (the foreign key cascades)."""

    __tablename__ = "held_credential"
    __table_args__ = (
        UniqueConstraint("seeker_id", "credential_id"),
        ForeignKeyConstraint(["seeker_id", "credential_id"],
                             ["seeker_credential.seeker_id", "seeker_credential.credential_id"],
                             ondelete="CASCADE", name="fk_held_credential_seeker_credential"),
        CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seeker_profile.id", ondelete="CASCADE"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None]
    check_method: Mapped[str] = mapped_column(String(30), default="")
    check_note: Mapped[str] = mapped_column(Text, default="")
    # The expiry date the renewal reminder was sent for: one reminder per credential and expiry.
    reminded_for: Mapped[date | None] = mapped_column(Date)

    credential: Mapped[Credential] = relationship()
    checked_by: Mapped[User | None] = relationship()
    seeker: Mapped["SeekerProfile"] = relationship(back_populates="held_credentials")

    def is_expired(self, today: date | None = None) -> bool:
        return self.expires_on < (today or utcnow().date())

    def is_verified(self, today: date | None = None) -> bool:
        """Verified by an admin and not yet expired: what earns the badge."""
        return self.status == "verified" and not self.is_expired(today)

    @property
    def method_label(self) -> str:
        return CHECK_METHODS.get(self.check_method, "")

    def change_details(self, member_id: str, expires_on: date) -> bool:
        """New details need a new check: a change clears the verification. True if changed."""
        if (member_id, expires_on) == (self.member_id, self.expires_on):
            return False
        self.member_id, self.expires_on = member_id, expires_on
        self.status = "pending"
        self.checked_by, self.checked_at, self.check_method, self.check_note = None, None, "", ""
        return True

    def record_check(self, admin: User, verified: bool, method: str, note: str) -> None:
        """An admin's outcome for a pending credential: who, when, how."""
        if self.status != "pending":
            raise IllegalCheck(f"This credential was already checked ({self.status}).")
        self.status = "verified" if verified else "rejected"
        self.checked_by, self.checked_at = admin, utcnow()
        self.check_method, self.check_note = method, note
