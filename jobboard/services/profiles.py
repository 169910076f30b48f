"""Seeker and company profiles."""
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.models.user import User
from jobboard.services import DomainError, NotFound
from jobboard.services.data_cache import app_cache, reference_version


def all_credentials() -> Sequence[Credential]:
    return db.session.scalars(select(Credential).order_by(Credential.abbreviation)).all()


def all_specialties() -> Sequence[Specialty]:
    return db.session.scalars(select(Specialty).order_by(Specialty.position)).all()


@dataclass(frozen=True)
class TagChoices:
    """The specialty and credential checkboxes of the posting and seeker profile forms."""

    specialties: tuple[tuple[str, str], ...]  # (slug, name) in the taxonomy's order
    credentials: tuple[tuple[str, str], ...]  # (abbreviation, "CPC – Certified ...")


def tag_choices() -> TagChoices:
    """Every specialty and credential as form choices, read once per reference data version: every
    posting save validates against them, and they change only with the reference data."""
    def read() -> TagChoices:
        return TagChoices(tuple((s.slug, s.name) for s in all_specialties()),
                          tuple((c.abbreviation, f"{c.abbreviation} – {c.name}") for c in all_credentials()))

    return app_cache("tag_choices", 1).get("choices", reference_version(), read)


def seeker_profile(user: User) -> SeekerProfile:
    """The user's profile, created on first use (accounts made before profiles existed)."""
    if user.seeker_profile is None:
        user.seeker_profile = SeekerProfile()
        db.session.commit()
    return user.seeker_profile


def update_seeker_profile(user: User, *, credentials=(), specialties=(), **fields) -> SeekerProfile:
    """Replace the profile's fields; unknown credentials or specialties are refused."""
    profile = seeker_profile(user)
    chosen_credentials = db.session.scalars(
        select(Credential).where(Credential.abbreviation.in_(list(credentials)))
    ).all()
    chosen_specialties = db.session.scalars(
        select(Specialty).where(Specialty.slug.in_(list(specialties)))
    ).all()
    if len(chosen_credentials) != len(set(credentials)):
        raise DomainError("Choose credentials from the list.", field="credentials")
    if len(chosen_specialties) != len(set(specialties)):
        raise DomainError("Choose specialties from the list.", field="specialties")
    for key in ("headline", "city", "state", "preferred_arrangement"):
        setattr(profile, key, (fields.get(key) or "").strip())
    profile.years_experience = fields.get("years_experience")
    profile.desired_salary = fields.get("desired_salary")
    profile.credentials = list(chosen_credentials)
    profile.specialties = list(chosen_specialties)
    db.session.commit()
    return profile


def company_by_slug(slug: str) -> Company:
    company = db.session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise NotFound("No such company.")
    return company


def update_company(company: Company, **fields) -> Company:
    if not (fields.get("name") or "").strip():
        raise DomainError("The company needs a name.", field="name")
    for key in ("name", "website", "city", "state", "about"):
        setattr(company, key, (fields.get(key) or "").strip())
    db.session.commit()
    return company
