"""Accounts: employers, job seekers and admins."""
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from jobboard.extensions import Model
from jobboard.models.base import TimestampMixin, utcnow

if TYPE_CHECKING:  # mapped in both directions: imported for the annotations only
    from jobboard.models.company import Company
    from jobboard.models.seeker import SeekerProfile
    from jobboard.models.user_session import UserSession

ROLES = ("employer", "seeker", "admin")


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: store them stripped and lower-cased."""
    return email.strip().lower()


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('employer', 'seeker', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"))
    last_login_at: Mapped[datetime | None]
    # When the address was shown to be the owner's. Self-registration makes accounts with None (an
    # unconfirmed account cannot sign in) until the emailed link is opened; accounts the operator
    # makes (CLI, demo data, scripts) are confirmed when made, see __init__.
    confirmed_at: Mapped[datetime | None]
    # What an employer's registration asked for, acted on at confirmation, then cleared: the
    # company to create, or the join or invitation code to use.
    signup_company_name: Mapped[str | None] = mapped_column(String(160))
    signup_join_code: Mapped[str | None] = mapped_column(String(32))

    company: Mapped["Company | None"] = relationship(back_populates="employers")
    seeker_profile: Mapped["SeekerProfile | None"] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )
    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    # The signed-in device this request came from (set by the session loader, not stored):
    # its ``<id>.<secret>`` is what Flask-Login keeps in the session and remember-me cookies.
    if TYPE_CHECKING:  # annotated for type checkers only: SQLAlchemy would try to map the annotation
        current_session: UserSession | None
    current_session = None
    session_cookie_id = ""

    def __init__(self, *, email, password, role, **kwargs):
        kwargs.setdefault("confirmed_at", utcnow())  # only registration passes None
        super().__init__(email=normalize_email(email), role=role, **kwargs)
        self.set_password(password)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_cookie_id

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_employer(self) -> bool:
        return self.role == "employer"

    @property
    def is_seeker(self) -> bool:
        return self.role == "seeker"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self):
        return f"<User {self.email} {self.role}>"
