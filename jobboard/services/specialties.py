"""Specialty pages: a specialty by its slug, open jobs per specialty."""
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.taxonomy import Specialty
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

