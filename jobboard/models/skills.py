"""Skills checks: a seeker's quiz attempt on one specialty, with its questions and answers kept
on the server so the score never depends on what the browser sends back."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import utcnow
from jobboard.models.taxonomy import Specialty


class QuizAttempt(Model):
    """One attempt: drawn when started, scored once when submitted.

    ``questions`` is a list of ``{"kind", "prompt", "choices", "answer", "explanation"}`` where
    ``answer`` is the index of the right choice; ``answers`` holds the seeker's chosen indexes.
    """

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialty.id", ondelete="CASCADE"))
    questions: Mapped[list] = mapped_column(JSON)
    answers: Mapped[list | None] = mapped_column(JSON)
    score: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The seeker chose to show this score on their applications (one per specialty).
    shared: Mapped[bool] = mapped_column(default=False)

    specialty: Mapped[Specialty] = relationship()

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def is_scored(self) -> bool:
        return self.submitted_at is not None

    @property
    def percent(self) -> int:
        return round(100 * (self.score or 0) / self.total) if self.total else 0

    def marked(self):
        """(question, chosen index, right?) for the result page."""
        chosen = self.answers or [None] * self.total
        return [(q, c, c == q["answer"]) for q, c in zip(self.questions, chosen, strict=True)]
