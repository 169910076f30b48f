"""Skills checks: short quizzes drawn from the code database, scored on the server.

Every question is built from stored facts (section ranges, add-on flags, global periods, work
RVUs, specialty ranges) and worded here; no AMA descriptor is ever used. An attempt stores its
questions with the right answers when it starts, so a browser can neither choose its questions
nor claim a score, and a submitted attempt is scored exactly once.
"""
import random
import re
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, or_, select, update

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.skills import QuizAttempt
from jobboard.models.taxonomy import CptCode, CptSection, Specialty
from jobboard.models.user import User
from jobboard.services import Conflict, DomainError, NotFound

QUIZ_LENGTH = 10
MIN_CODES = 4  # a specialty whose ranges hold fewer loaded codes has no quiz
MIN_QUESTIONS = 5  # nor one whose sampled codes make fewer questions
CODE_SAMPLE = 40  # codes drawn per attempt; questions are built from these
MIN_RVU_GAP = Decimal("0.50")  # two codes closer than this make no fair "which is more" question

SLUG = re.compile(r"[a-z0-9-]{1,64}", re.ASCII)
GLOBAL_PERIODS = {
    "000": "000 – no follow-up days after the day of the procedure",
    "010": "010 – 10 follow-up days after a minor procedure",
    "090": "090 – 90 follow-up days after major surgery, plus the day before",
    "XXX": "XXX – the global surgery rules do not apply",
    "YYY": "YYY – the payer sets the global period",
    "ZZZ": "ZZZ – an add-on code, inside the primary procedure's global period",
    "MMM": "MMM – maternity care, under its own global rules",
}
ADD_ON_CHOICES = ["Yes, it is an add-on code", "No, it is reported on its own"]


def _in_ranges(ranges):
    return or_(*(CptCode.code.between(start, end) for start, end in ranges))


def _has_quiz(specialty: Specialty) -> bool:
    """A specialty has a quiz when its CPT ranges hold enough loaded codes."""
    return bool(specialty.ranges) and (db.session.scalar(
        select(func.count(CptCode.id)).where(_in_ranges(specialty.ranges))) or 0) >= MIN_CODES


def quiz_specialties() -> list[Specialty]:
    """Specialties with a quiz, in site order."""
    specialties = db.session.scalars(
        select(Specialty).where(Specialty.cpt_ranges != "").order_by(Specialty.position)).all()
    return [s for s in specialties if _has_quiz(s)]


def quiz_specialty(slug: str) -> Specialty:
    """:raise NotFound: no such specialty, or it has no quiz."""
    if not SLUG.fullmatch(slug):  # e.g. a NUL, which PostgreSQL refuses in a query
        raise NotFound("There is no skills check for that specialty.")
    specialty = db.session.scalar(select(Specialty).where(Specialty.slug == slug))
    if specialty is None or not _has_quiz(specialty):
        raise NotFound("There is no skills check for that specialty.")
    return specialty


def _label(section: str, subsection: str) -> str:
    return f"{section} – {subsection}" if subsection else section


def _about(code: CptCode) -> str:
    """The first sentence of our own description, to say what the code is for."""
    first = code.description.split(". ")[0].rstrip(".")
    return f" ({first})" if first else ""


class _Builder:
    """Builds the questions of one attempt from a random sample of the specialty's codes."""

    def __init__(self, specialty: Specialty, rng: random.Random):
        self.specialty, self.rng = specialty, rng
        self.codes = list(db.session.scalars(
            select(CptCode).where(_in_ranges(specialty.ranges)).order_by(func.random())
            .limit(CODE_SAMPLE)))
        self.rng.shuffle(self.codes)
        self.labels = sorted({_label(s.section, s.subsection)
                              for s in db.session.scalars(select(CptSection))})
        self.others = db.session.scalars(
            select(Specialty).where(Specialty.cpt_ranges != "", Specialty.id != specialty.id)).all()

    def _choices(self, right: str, wrong: list[str], count=4):
        choices = [right, *self.rng.sample(wrong, min(count - 1, len(wrong)))]
        self.rng.shuffle(choices)
        return choices, choices.index(right)

    def section(self, code):
        right = _label(code.section, code.subsection)
        # Neighbouring subsections of the same section make the fairer distractors.
        near = [label for label in self.labels if label != right and label.startswith(code.section)]
        far = [label for label in self.labels if label != right and label not in near]
        if not code.section or len(near) + len(far) < 3:
            return None
        wrong = self.rng.sample(near, min(2, len(near)))
        wrong += self.rng.sample(far, 3 - len(wrong))
        choices, answer = self._choices(right, wrong)
        return dict(prompt=f"Which part of the CPT code set holds code {code.code}?",
                    choices=choices, answer=answer,
                    explanation=f"{code.code}{_about(code)} is filed under {right}.")

    def add_on(self, code):
        answer = 0 if code.add_on else 1
        why = ("is an add-on code: it is never reported alone, only with the primary procedure "
               "it extends (its global period is ZZZ)" if code.add_on else
               f"is not an add-on code: it can be reported as a service of its own"
               f" (global period {code.global_days or 'not set'})")
        return dict(prompt=f"Is code {code.code} an add-on code, reported only together with a "
                           "primary procedure?",
                    choices=list(ADD_ON_CHOICES), answer=answer, explanation=f"{code.code} {why}.")

    def global_period(self, code):
        right = GLOBAL_PERIODS.get(code.global_days)
        if right is None:
            return None
        choices, answer = self._choices(right, [p for p in GLOBAL_PERIODS.values() if p != right])
        return dict(prompt=f"What global period does the Medicare fee schedule give code {code.code}?",
                    choices=choices, answer=answer,
                    explanation=f"{code.code}{_about(code)} has global period {right}.")

    def work_rvu(self, code):
        if not code.work_rvu:
            return None
        partners = [c for c in self.codes if c.work_rvu and abs(c.work_rvu - code.work_rvu) >= MIN_RVU_GAP]
        if not partners:
            return None
        other = self.rng.choice(partners)
        pair = [code, other]
        self.rng.shuffle(pair)
        higher = max(pair, key=lambda c: c.work_rvu)
        year = f"CMS {code.year} " if code.year else "CMS "
        return dict(prompt="Which of these two codes carries more work RVUs?",
                    choices=[f"{c.code}{_about(c)}" for c in pair], answer=pair.index(higher),
                    explanation=f"{year}figures: {pair[0].code} carries {pair[0].work_rvu} work RVUs and "
                                f"{pair[1].code} carries {pair[1].work_rvu}.")

    def specialty_range(self, code):
        start, end = next(r for r in self.specialty.ranges if r[0] <= code.code <= r[1])
        wrong = [s.name for s in self.others
                 if not any(a <= code.code <= b for a, b in s.ranges)]
        if len(wrong) < 3:
            return None
        choices, answer = self._choices(self.specialty.name, wrong)
        return dict(prompt=f"Which specialty's code range holds code {code.code}?",
                    choices=choices, answer=answer,
                    explanation=f"{code.code} lies in {start}–{end}, one of the ranges we list for "
                                f"{self.specialty.name}.")

    def questions(self, length: int) -> list[dict]:
        """Up to ``length`` questions, kinds taken in turn, each (kind, code) at most once."""
        kinds = [self.section, self.add_on, self.global_period, self.work_rvu, self.specialty_range]
        self.rng.shuffle(kinds)
        queues = {kind: list(self.codes) for kind in kinds}
        chosen: list[dict] = []
        while len(chosen) < length and any(queues.values()):
            for kind in kinds:
                while queues[kind] and len(chosen) < length:
                    question = kind(queues[kind].pop())
                    if question is not None:
                        chosen.append({"kind": kind.__name__, **question})
                        break
        return chosen


def start_attempt(user: User, specialty: Specialty, rng: random.Random | None = None) -> QuizAttempt:
    """Draw fresh questions for ``user`` and store them with their answers.

    :raise DomainError: the specialty's codes do not make enough questions.
    """
    questions = _Builder(specialty, rng or random.SystemRandom()).questions(QUIZ_LENGTH)
    if len(questions) < MIN_QUESTIONS:
        raise DomainError("There are not enough codes loaded for this skills check yet.")
    attempt = QuizAttempt(user_id=user.id, specialty=specialty, questions=questions)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def get_attempt(attempt_id: int, user: User) -> QuizAttempt:
    """:raise NotFound: no such attempt, or it is another seeker's."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("No such skills check.")
    return attempt


def submit_attempt(attempt: QuizAttempt, answers: list[int]) -> bool:
    """Score ``answers`` (chosen indexes, one per question) against the stored answers.

    Only the first submission counts: a resubmitted or double-submitted attempt keeps its
    first score. Returns whether this call scored it.

    :raise DomainError: the answers do not fit the attempt's questions.
    """
    if len(answers) != attempt.total or not all(
            isinstance(a, int) and 0 <= a < len(q["choices"]) for q, a in zip(attempt.questions, answers,
                                                                              strict=False)):
        raise DomainError("Choose one of the listed answers for every question.")
    score = sum(a == q["answer"] for q, a in zip(attempt.questions, answers, strict=True))
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(answers=list(answers), score=score, submitted_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(attempt)
    # A DML statement returns a CursorResult, which has rowcount; SQLAlchemy 2.0 types it as Result.
    return result.rowcount == 1  # type: ignore[attr-defined]


def best_attempts(user: User) -> dict[int, QuizAttempt]:
    """The seeker's best scored attempt per specialty id (the latest among equal scores)."""
    best: dict[int, QuizAttempt] = {}
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at)).all()
    for attempt in attempts:
        current = best.get(attempt.specialty_id)
        if current is None or attempt.percent >= current.percent:
            best[attempt.specialty_id] = attempt
    return best


def share_attempt(attempt: QuizAttempt, shared: bool) -> None:
    """Show (or stop showing) a scored attempt on the seeker's applications; one per specialty.

    :raise Conflict: the attempt is not scored yet.
    """
    if not attempt.is_scored:
        raise Conflict("Finish the skills check before sharing its score.")
    if shared:
        db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.user_id == attempt.user_id,
                   QuizAttempt.specialty_id == attempt.specialty_id, QuizAttempt.id != attempt.id)
            .values(shared=False).execution_options(synchronize_session=False))
    attempt.shared = shared
    db.session.commit()


def shared_attempts(user_id: int) -> Sequence[QuizAttempt]:
    """Scores a seeker chose to show employers on their applications."""
    return db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.shared.is_(True),
                                  QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())).all()
