"""One-time form tokens: each create form carries one, and it can be used once."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.extensions import Model
from jobboard.models.base import utcnow


class FormSubmission(Model):
    """A used token; its primary key makes a second use of the same form fail at insert,
    so two simultaneous sends of one form create one thing, on SQLite and PostgreSQL alike."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Where the first send's result lives, for the second send to go to.
    result_url: Mapped[str | None] = mapped_column(String(500))
