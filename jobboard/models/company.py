"""Companies: the employers' organisations, each with a public page."""
import secrets

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import db
from jobboard.models.base import TimestampMixin


def new_join_code() -> str:
    return secrets.token_urlsafe(9)


class Company(TimestampMixin, db.Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(180), unique=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    about: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    # Given by a company's employers to colleagues so they can join it when registering.
    join_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_join_code)

    employers: Mapped[list["User"]] = relationship(back_populates="company")  # noqa: F821

    def __repr__(self):
        return f"<Company {self.slug}>"
