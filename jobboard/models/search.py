"""The search outbox: postings whose index document must be rewritten or removed."""
from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from jobboard.extensions import db
from jobboard.models.base import utcnow


class SearchOutbox(db.Model):
    """One pending index update, written in the transaction that changed the posting.

    A row outlives a crash between commit and index write; ``flask worker`` (and app start)
    applies what is left. ``posting_id`` is no foreign key: a deleted posting must still leave
    the index. The id orders changes to one posting.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
