"""Applying on the site: résumés, applications with a stage pipeline, private notes."""
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import TimestampMixin, utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User

STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
# The open stages in pipeline order. An employer may move an open application to any other open
# stage (forward, skipping steps, or back), hire it from an offer, or reject it; a decision
# (hired, rejected) can be taken back to the last open stage; a withdrawal belongs to the seeker.
PIPELINE = ("applied", "screening", "interview", "offer")
EMPLOYER_MOVES = {
    **{stage: tuple(s for s in PIPELINE if s != stage) + (("hired",) if stage == "offer" else ())
       + ("rejected",) for stage in PIPELINE},
    "hired": ("offer",),
    "rejected": PIPELINE,
    "withdrawn": (),
}
SEEKER_CAN_WITHDRAW = PIPELINE
# How long a seeker can take a withdrawal back.
UNDO_WITHDRAW_WITHIN = timedelta(days=7)


class IllegalMove(Exception):
    """A stage change the application pipeline does not allow."""


class Resume(Model):
    """A seeker's uploaded résumé; the file lives under UPLOAD_DIR with a random name."""

    __tablename__ = "resume"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What reading the file's text gave (read, scanned, encrypted, unreadable; None for files
    # uploaded before résumés were read), and the profile fields it suggests until the seeker
    # accepts or dismisses them. The text itself is not kept: the file is the record.
    reading: Mapped[str | None] = mapped_column(String(12))
    proposals: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    user: Mapped[User] = relationship()


class Application(TimestampMixin, Model):
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
    # The stage a withdrawal came from, so the seeker can take it back.
    withdrawn_from: Mapped[str | None] = mapped_column(String(12))

    posting: Mapped[Posting] = relationship()
    seeker: Mapped[User] = relationship()
    resume: Mapped[Resume | None] = relationship()
    notes: Mapped[list["ApplicationNote"]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ApplicationNote.created_at")

    def _set_stage(self, stage: str, now=None) -> None:
        self.stage = stage
        self.stage_changed_at = now or utcnow()

    def move_to(self, stage: str, now=None) -> None:
        """An employer's move: any open stage, hire from an offer, reject, or undo a decision.

        :raise IllegalMove: the pipeline does not allow it from the current stage.
        """
        if stage not in EMPLOYER_MOVES.get(self.stage, ()):
            raise IllegalMove(f"An application at the stage {self.stage} cannot move to {stage}.")
        self._set_stage(stage, now)

    def reject(self, now=None) -> None:
        self.move_to("rejected", now)

    def withdraw(self, now=None) -> None:
        """The seeker takes the application back before a decision.

        :raise IllegalMove: the application is already decided or withdrawn.
        """
        if self.stage not in SEEKER_CAN_WITHDRAW:
            raise IllegalMove("This application can no longer be withdrawn.")
        self.withdrawn_from = self.stage
        self._set_stage("withdrawn", now)

    def can_undo_withdraw(self, now=None) -> bool:
        return (self.stage == "withdrawn" and self.withdrawn_from is not None
                and (now or utcnow()) - self.stage_changed_at <= UNDO_WITHDRAW_WITHIN)

    def undo_withdraw(self, now=None) -> None:
        """Back to the stage the withdrawal came from, within ``UNDO_WITHDRAW_WITHIN``.

        :raise IllegalMove: not withdrawn, or withdrawn too long ago.
        """
        previous = self.withdrawn_from
        if previous is None or not self.can_undo_withdraw(now):
            raise IllegalMove("This withdrawal can no longer be taken back.")
        self._set_stage(previous, now)
        self.withdrawn_from = None


class ApplicationNote(Model):
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
