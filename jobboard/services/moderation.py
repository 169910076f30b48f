"""Moderation: reports of postings, the admins' queue, unpublishing postings, suspensions, and
the review of postings that do not look like coding jobs."""
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.activity import REPORT_REASONS, Report
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.search.sync import reindex_postings
from jobboard.services import Conflict, DomainError
from jobboard.services.companies import end_membership_for_suspension
from jobboard.services.sessions import end_other_sessions

MAX_NOTE_LENGTH = 2000


@dataclass
class QueueEntry:
    """A posting with open reports, as the admins' queue shows it."""

    posting: Posting
    reports: list[Report] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reports)


def report_posting(posting: Posting, reporter: User | None, reason: str, note: str = "") -> Report:
    """File a report on a visible posting; a user has at most one open report per posting.

    :raise DomainError: unknown reason or a note over 2000 characters.
    :raise Conflict: this user already has an open report on the posting.
    """
    note = (note or "").strip()
    if reason not in REPORT_REASONS:
        raise DomainError("Choose a reason from the list.", field="reason")
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(f"Write at most {MAX_NOTE_LENGTH} characters.", field="note")
    if reporter is not None and db.session.scalar(
        select(Report.id).where(Report.posting_id == posting.id, Report.reporter_id == reporter.id,
                                Report.resolved_at.is_(None))
    ) is not None:
        raise Conflict("You already reported this posting. An admin will look at it.")
    report = Report(posting=posting, reporter_id=reporter.id if reporter else None,
                    reason=reason, note=note)
    db.session.add(report)
    db.session.commit()
    return report


def open_reports() -> list[QueueEntry]:
    """Postings with open reports, most reported first, then the longest waiting."""
    entries: dict[int, QueueEntry] = {}
    for report in db.session.scalars(
        select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at, Report.id)
    ):
        entries.setdefault(report.posting_id, QueueEntry(report.posting)).reports.append(report)
    return sorted(entries.values(), key=lambda e: (-e.count, e.reports[0].created_at))


def _resolve_reports(posting_ids, resolution: str) -> int:
    reports = db.session.scalars(select(Report).where(
        Report.posting_id.in_(posting_ids), Report.resolved_at.is_(None))).all()
    now = utcnow()
    for report in reports:
        report.resolved_at, report.resolution = now, resolution
    return len(reports)


def dismiss(posting: Posting) -> int:
    """Close the posting's open reports without action; returns how many."""
    count = _resolve_reports([posting.id], "dismissed")
    db.session.commit()
    return count


def unpublish_posting(posting: Posting) -> None:
    """Hide the posting whatever its status, and resolve its reports."""
    if posting.suspended_at is None:
        posting.suspended_at = utcnow()
    _resolve_reports([posting.id], "unpublished")
    db.session.commit()


def postings_needing_coding_review() -> Sequence[Posting]:
    """Visible postings the classifier says are not coding jobs, oldest first."""
    return db.session.scalars(
        Posting.needs_coding_review().order_by(Posting.published_at, Posting.id)).all()


def approve_as_coding(posting: Posting) -> None:
    """An admin confirms a doubted posting is a coding-related job; it ranks like one again."""
    posting.approve_as_coding()
    db.session.commit()


def suspended_users() -> Sequence[User]:
    return db.session.scalars(select(User).where(User.active.is_(False)).order_by(User.email)).all()


def _reindex_postings_of(user: User) -> Sequence[Posting]:
    """The user's postings change visibility without a change to their rows: queue them."""
    postings = db.session.scalars(select(Posting).where(Posting.created_by_id == user.id)).all()
    reindex_postings([p.id for p in postings])
    return postings


def suspend_user(user: User) -> None:
    """Block the account: no sign-in, every session ends, its postings leave public pages, and
    an employer leaves its company (whose join code is replaced: the user knew it).
    Unsuspending does not restore the membership: a colleague must approve a new request.

    :raise Conflict: the account is an admin's.
    """
    if user.is_admin:
        raise Conflict("Admin accounts cannot be suspended here.")
    user.active = False
    end_other_sessions(user)
    end_membership_for_suspension(user)
    postings = _reindex_postings_of(user)
    _resolve_reports([p.id for p in postings], "author suspended")
    db.session.commit()


def unsuspend_user(user: User) -> None:
    """Let the account sign in again; its postings are public again where otherwise visible."""
    user.active = True
    _reindex_postings_of(user)
    db.session.commit()
