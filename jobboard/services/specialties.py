"""Specialty pages: open jobs per specialty and their pay range."""
from sqlalchemy import case, func, select

from jobboard.extensions import db
from jobboard.models.posting import HOURS_PER_YEAR, Posting, posting_specialty, with_tags
from jobboard.models.taxonomy import Specialty
from jobboard.services import NotFound


def specialty_by_slug(slug: str) -> Specialty:
    found = db.session.scalar(select(Specialty).where(Specialty.slug == slug))
    if found is None:
        raise NotFound("No such specialty.")
    return found


def open_job_counts() -> dict[str, int]:
    """Visible postings per specialty slug (one grouped query, for tiles and the API)."""
    visible = Posting.visible().with_only_columns(Posting.id).subquery()
    rows = db.session.execute(
        select(Specialty.slug, func.count(posting_specialty.c.posting_id))
        .join(posting_specialty, posting_specialty.c.specialty_id == Specialty.id)
        .where(posting_specialty.c.posting_id.in_(select(visible.c.id)))
        .group_by(Specialty.slug)
    ).all()
    return dict(rows)


def _annual(column):
    return case((Posting.salary_unit == "hour", column * HOURS_PER_YEAR), else_=column)


def specialty_jobs(specialty: Specialty, limit: int = 20):
    """Newest visible postings tagged with the specialty, their count and annual pay range."""
    query = Posting.visible().where(Posting.specialties.any(Specialty.id == specialty.id))
    ids = query.with_only_columns(Posting.id).subquery()
    count, low, high = db.session.execute(
        select(func.count(Posting.id), func.min(_annual(Posting.salary_min)),
               func.max(_annual(Posting.salary_max))).where(Posting.id.in_(select(ids.c.id)))
    ).one()
    jobs = db.session.scalars(with_tags(query.order_by(Posting.published_at.desc(), Posting.id.desc())
                                        .limit(limit))).all()
    pay_range = (int(low), int(high)) if low is not None and high is not None else None
    return jobs, count, pay_range

