"""How a seeker's profile fits postings: requirements met, shared specialties, recommendations."""
from dataclasses import dataclass

from sqlalchemy import or_, select

from jobboard.extensions import db
from jobboard.models.application import Application
from jobboard.models.posting import Posting, PostingCredential, with_tags
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Specialty


@dataclass
class Fit:
    missing: list[str]
    shared_specialties: list[Specialty]

    @property
    def meets_requirements(self) -> bool:
        return not self.missing


def fit(posting: Posting, profile: SeekerProfile) -> Fit:
    held = {c.abbreviation for c in profile.credentials}
    mine = {s.id for s in profile.specialties}
    return Fit(
        missing=[c.abbreviation for c in posting.credentials_required if c.abbreviation not in held],
        shared_specialties=[s for s in posting.specialties if s.id in mine],
    )


def recommendations(profile: SeekerProfile, limit: int = 10) -> list[tuple[Posting, Fit]]:
    """Open postings the seeker has not applied to, ranked by shared specialties, credentials
    held, arrangement and location."""
    specialty_ids = [s.id for s in profile.specialties]
    credential_ids = [c.id for c in profile.credentials]
    applied = select(Application.posting_id).where(Application.seeker_id == profile.user_id)
    query = Posting.visible().where(or_(
        Posting.specialties.any(Specialty.id.in_(specialty_ids)),
        Posting.credential_links.any(PostingCredential.credential_id.in_(credential_ids)),
    ), Posting.id.not_in(applied)).order_by(Posting.published_at.desc()).limit(200)
    scored = []
    for posting in db.session.scalars(with_tags(query)):
        match = fit(posting, profile)
        score = 3 * len(match.shared_specialties) + (2 if match.meets_requirements else -len(match.missing))
        if profile.preferred_arrangement and posting.arrangement == profile.preferred_arrangement:
            score += 1
        if profile.state and (posting.state == profile.state or posting.arrangement == "remote"):
            score += 1
        scored.append((score, posting.published_at, posting.id, posting, match))
    scored.sort(key=lambda row: (-row[0], -row[1].timestamp(), -row[2]))
    return [(posting, match) for _, _, _, posting, match in scored[:limit]]


