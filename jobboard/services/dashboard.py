"""The employer dashboard's posting list: filtered by status, sorted, paged, with applicants
counted by stage in one grouped query."""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from jobboard.extensions import db
from jobboard.models.application import Application
from jobboard.models.company import Company
from jobboard.models.posting import Posting

PER_PAGE = 20
STATUSES = (Posting.DRAFT, Posting.PUBLISHED, Posting.CLOSED, Posting.EXPIRED)
# Sort key -> (label, ORDER BY); ties fall back to the newest id so pages never overlap.
APPLICANTS = select(func.count(Application.id)).where(
    Application.posting_id == Posting.id).correlate(Posting).scalar_subquery()
SORTS: dict[str, tuple[str, ColumnElement[Any]]] = {
    "updated": ("Last changed", Posting.updated_at.desc()),
    "posted": ("Posted", Posting.published_at.desc().nulls_last()),
    "closes": ("Closing soonest", Posting.expires_at.asc().nulls_last()),
    "title": ("Title", func.lower(Posting.title).asc()),
    "applicants": ("Most applications", APPLICANTS.desc()),
}


@dataclass
class DashboardPage:
    postings: Sequence[Posting]
    stage_counts: dict[int, dict[str, int]]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]


def counts_by_stage(posting_ids) -> dict[int, dict[str, int]]:
    """{posting id: {stage: n}} in one grouped query."""
    rows = db.session.execute(
        select(Application.posting_id, Application.stage, func.count(Application.id))
        .where(Application.posting_id.in_(list(posting_ids)))
        .group_by(Application.posting_id, Application.stage)).all()
    counts: dict[int, dict[str, int]] = {}
    for posting_id, stage, n in rows:
        counts.setdefault(posting_id, {})[stage] = n
    return counts


def dashboard_page(company: Company, status: str | None = None, sort: str = "updated",
                   page: int = 1) -> DashboardPage:
    """One page of the company's postings; an unknown status or sort falls back to all / updated,
    a page past the end gives an empty list (the view says so)."""
    where = [Posting.company_id == company.id]
    if status in STATUSES:
        where.append(Posting.status == status)
    status_counts = dict(db.session.execute(
        select(Posting.status, func.count(Posting.id)).where(Posting.company_id == company.id)
        .group_by(Posting.status)).tuples().all())
    total = db.session.scalar(select(func.count(Posting.id)).where(*where)) or 0
    order = SORTS.get(sort, SORTS["updated"])[1]
    page = max(page, 1)
    postings = db.session.scalars(
        select(Posting).where(*where).order_by(order, Posting.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return DashboardPage(postings=postings, stage_counts=counts_by_stage(p.id for p in postings),
                         total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
                         status_counts=status_counts)
