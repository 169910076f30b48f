"""Job-seeker profiles: credentials held, specialties, experience, location, preferences."""
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model, db
from jobboard.models.base import TimestampMixin
from jobboard.models.taxonomy import Credential, Specialty

if TYPE_CHECKING:  # mapped in both directions: imported for the annotations only
    from jobboard.models.credentials import HeldCredential
    from jobboard.models.user import User

seeker_credential = Table(
    "seeker_credential",
    db.metadata,
    Column("seeker_id", ForeignKey("seeker_profile.id", ondelete="CASCADE"), primary_key=True),
    Column("credential_id", ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True),
)
seeker_specialty = Table(
    "seeker_specialty",
    db.metadata,
    Column("seeker_id", ForeignKey("seeker_profile.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_id", ForeignKey("specialty.id", ondelete="CASCADE"), primary_key=True),
)


class SeekerProfile(TimestampMixin, Model):
    __tablename__ = "seeker_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    headline: Mapped[str] = mapped_column(String(160), default="")
    years_experience: Mapped[int | None]
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    # remote / hybrid / onsite, or "" for no preference.
    preferred_arrangement: Mapped[str] = mapped_column(String(10), default="")
    # Desired pay, annual USD (hourly figures are converted at 2080 hours).
    desired_salary: Mapped[int | None]

    user: Mapped["User"] = relationship(back_populates="seeker_profile")
    credentials: Mapped[list[Credential]] = relationship(
        secondary=seeker_credential, order_by=Credential.abbreviation
    )
    specialties: Mapped[list[Specialty]] = relationship(
        secondary=seeker_specialty, order_by=Specialty.position
    )
    # Member ID, expiry and verification of the credentials above (jobboard.models.credentials).
    held_credentials: Mapped[list["HeldCredential"]] = relationship(
        back_populates="seeker", cascade="all, delete-orphan", passive_deletes=True
    )
