"""Companies: the employers' organisations, each with a public page."""
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import TimestampMixin, utcnow

if TYPE_CHECKING:  # mapped in both directions: imported for the annotations only
    from jobboard.models.user import User


def new_join_code() -> str:
    return secrets.token_urlsafe(9)


class Company(TimestampMixin, Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(180), unique=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    about: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    # Given by a company's employers to colleagues: registering with it asks to join the company,
    # and an employer of the company approves or declines. Employers can rotate it.
    join_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_join_code)

    employers: Mapped[list["User"]] = relationship(back_populates="company")

    def rotate_join_code(self) -> None:
        """A new join code; the old one stops working (requests made with it stay)."""
        self.join_code = new_join_code()

    def remove_member(self, user) -> None:
        if user.company_id != self.id and user.company is not self:
            raise IllegalMembershipChange("This person is not a member of the company.")
        user.company = None

    def __repr__(self):
        return f"<Company {self.slug}>"


class IllegalMembershipChange(Exception):
    """A change to a join request or an invitation that its state does not allow."""


class CompanyJoinRequest(Model):
    """An employer account asking to join a company (it registered with the company's join
    code). Until an employer of that company approves it, the account sees no company data."""

    __tablename__ = "company_join_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'declined', 'withdrawn')", name="status"),
    )

    PENDING, APPROVED, DECLINED, WITHDRAWN = "pending", "approved", "declined", "withdrawn"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship()
    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])

    def __init__(self, **kwargs):
        kwargs.setdefault("status", self.PENDING)  # column defaults only arrive at flush
        super().__init__(**kwargs)

    def _decide(self, to: str, by) -> None:
        if self.status != self.PENDING:
            raise IllegalMembershipChange(f"This request was already {self.status}.")
        self.status, self.decided_at, self.decided_by = to, utcnow(), by

    def approve(self, by) -> None:
        """Make the requester a member of the company."""
        self._decide(self.APPROVED, by)
        self.user.company = self.company

    def decline(self, by) -> None:
        self._decide(self.DECLINED, by)

    def withdraw(self) -> None:
        """The requester asked to join another company instead."""
        self._decide(self.WITHDRAWN, None)


class CompanyInvitation(Model):
    """An employer's emailed invitation for one address: its single-use token, entered as the
    join code at registration (or on the waiting page), makes that address a member at once.
    Only a hash of the token is stored."""

    __tablename__ = "company_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    invited_by: Mapped["User | None"] = relationship()

    def is_open(self, now=None) -> bool:
        return self.accepted_at is None and (now or utcnow()) < self.expires_at

    def accept(self, user) -> None:
        """Use the invitation: ``user`` (holding the invited address) joins the company."""
        if not self.is_open():
            raise IllegalMembershipChange("This invitation was already used or has expired.")
        self.accepted_at = utcnow()
        user.company = self.company
