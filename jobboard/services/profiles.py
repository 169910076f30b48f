"""Seeker and company profiles."""
from collections.abc import Sequence

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.models.user import User
from jobboard.services import DomainError, NotFound


def all_credentials() -> Sequence[Credential]:
    return db.session.scalars(select(Credential).order_by(Credential.abbreviation)).all()


def all_specialties() -> Sequence[Specialty]:
    return db.session.scalars(select(Specialty).order_by(Specialty.position)).all()


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
