"""What seekers keep and what visitors do: saved jobs and searches, reports, posting figures."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User

REPORT_REASONS = {
    "spam": "Spam or scam",
    "not_coding": "Not a medical coding job",
    "misleading": "Misleading pay or details",
    "discriminatory": "Discriminatory content",
    "filled": "The job is filled or closed",
    "other": "Something else",
}


class SavedJob(Model):
    __tablename__ = "saved_job"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    posting: Mapped[Posting] = relationship()


class SavedSearch(Model):
    """A /jobs search a seeker keeps, with email alerts of postings new since the last one."""

    __tablename__ = "saved_search"
    __table_args__ = (CheckConstraint("frequency IN ('daily', 'weekly')", name="frequency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)  # the /jobs query string, without page
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    alerts: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Postings published after this moment are "new" for the next alert.
    last_alert_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Report(Model):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution: Mapped[str] = mapped_column(String(40), default="")

    posting: Mapped[Posting] = relationship()


class PostingStats(Model):
    """Counters per posting, apart from the posting row so a view never touches the index."""

    __tablename__ = "posting_stats"

    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"),
                                            primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    unique_views: Mapped[int] = mapped_column(Integer, default=0)
    apply_clicks: Mapped[int] = mapped_column(Integer, default=0)


class PostingVisitor(Model):
    """One row per posting and visitor (a keyed hash), so unique views count once."""

    __tablename__ = "posting_visitor"

    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"),
                                            primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64), primary_key=True)
