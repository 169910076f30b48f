"""Specialty pages: open jobs per specialty and their pay range."""
from typing import NamedTuple

from sqlalchemy import case, func, select

from jobboard.extensions import db
from jobboard.models.posting import HOURS_PER_YEAR, Posting, PostingCredential
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.search.service import newest_postings
from jobboard.services import NotFound


def specialty_by_slug(slug: str) -> Specialty:
    found = db.session.scalar(select(Specialty).where(Specialty.slug == slug))
    if found is None:
        raise NotFound("No such specialty.")
    return found


def open_job_counts() -> dict[str, int]:
    """Open jobs per specialty slug (facet counts of the index, for tiles and the API)."""
    return newest_postings(limit=0).specialty_counts


def specialty_jobs(specialty: Specialty, limit: int = 20):
    """Newest visible postings tagged with the specialty, their count and annual pay range."""
    listing = newest_postings(limit, specialty=specialty.slug, pay_range=True)
    return listing.postings, listing.total, listing.pay_range


def _annual(column):
    return case((Posting.salary_unit == "hour", column * HOURS_PER_YEAR), else_=column)


class CredentialPay(NamedTuple):
    credential: str
    postings: int
    low: int
    high: int


def pay_by_credential(specialty: Specialty) -> list[CredentialPay]:
    """Annual pay range (hourly pay × 2,080) of the open postings in the specialty that require
    each credential, for the specialty page's chart; most postings first."""
    ids = (Posting.visible().where(Posting.specialties.any(Specialty.id == specialty.id))
           .with_only_columns(Posting.id).subquery())
    low = func.min(_annual(func.coalesce(Posting.salary_min, Posting.salary_max)))
    high = func.max(_annual(func.coalesce(Posting.salary_max, Posting.salary_min)))
    rows = db.session.execute(
        select(Credential.abbreviation, func.count(Posting.id), low, high)
        .join(PostingCredential, PostingCredential.credential_id == Credential.id)
        .join(Posting, Posting.id == PostingCredential.posting_id)
        .where(PostingCredential.required.is_(True), Posting.id.in_(select(ids.c.id)),
               (Posting.salary_min.is_not(None)) | (Posting.salary_max.is_not(None)))
        .group_by(Credential.abbreviation)
    ).all()
    return sorted((CredentialPay(abbr, n, int(lo), int(hi)) for abbr, n, lo, hi in rows),
                  key=lambda row: (-row.postings, row.credential))
