"""Applying on the site: résumés, applications with a stage pipeline, private notes."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import db
from jobboard.models.base import TimestampMixin, utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User

STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
# Employers move applications forward one step at a time, or reject them before the end.
EMPLOYER_MOVES = {
    "applied": ("screening", "rejected"),
    "screening": ("interview", "rejected"),
    "interview": ("offer", "rejected"),
    "offer": ("hired", "rejected"),
    "hired": (),
    "rejected": (),
    "withdrawn": (),
}
SEEKER_CAN_WITHDRAW = ("applied", "screening", "interview", "offer")


class Resume(db.Model):
    """A seeker's uploaded résumé; the file lives under UPLOAD_DIR with a random name."""

    __tablename__ = "resume"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Application(TimestampMixin, db.Model):
    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("posting_id", "seeker_id"),
        CheckConstraint(
            "stage IN ('applied', 'screening', 'interview', 'offer', 'hired', 'rejected', "
            "'withdrawn')", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    resume_id: Mapped[int | None] = mapped_column(ForeignKey("resume.id", ondelete="SET NULL"))
    cover_note: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(12), default="applied")
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    posting: Mapped[Posting] = relationship()
    seeker: Mapped[User] = relationship()
    resume: Mapped[Resume | None] = relationship()
    notes: Mapped[list["ApplicationNote"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ApplicationNote.created_at")


class ApplicationNote(db.Model):
    """An employer's private note on an application; the seeker never sees it."""

    __tablename__ = "application_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"),
                                                index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()
