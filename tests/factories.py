"""Test data made through the services, so that tests see what users would create."""
import itertools
from datetime import timedelta
from decimal import Decimal

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company, CompanyJoinRequest
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services.codes import load_curated_codes
from jobboard.services.postings import PostingFields, create_posting
from tests.conftest import PASSWORD

_counter = itertools.count(1)


def make_company(name=None) -> Company:
    n = next(_counter)
    company = Company(name=name or f"Company {n}", slug=f"company-{n}")
    db.session.add(company)
    db.session.commit()
    return company


def make_employer(company=None, email=None) -> User:
    company = company or make_company()
    user = User(email=email or f"employer{next(_counter)}@example.com", password=PASSWORD,
                role="employer", company=company, name="Employer")
    db.session.add(user)
    db.session.commit()
    return user


def approve_join_requests() -> int:
    """Approve every waiting request to join a company, as a colleague does on the team page."""
    waiting = db.session.scalars(db.select(CompanyJoinRequest).where(
        CompanyJoinRequest.status == CompanyJoinRequest.PENDING)).all()
    for join_request in waiting:
        join_request.approve(None)
    db.session.commit()
    return len(waiting)


def posting_fields(**overrides) -> PostingFields:
    values = dict(
        title="Surgical Coder", description="Code general surgery and lymph node procedures.",
        city="Denver", state="CO", arrangement="remote", employment_type="full_time",
        salary_min=Decimal("55000"), salary_max=Decimal("70000"), salary_unit="year",
        specialties=["general-surgery"], credentials_required=["CPC"], credentials_preferred=[],
        cpt_codes=[],
    )
    values.update(overrides)
    return PostingFields(**values)


def make_posting(company=None, author=None, status="published", codes_loaded=True,
                 **overrides) -> Posting:
    """A posting in ``status`` (draft, published, closed, expired)."""
    if overrides.get("cpt_codes") and codes_loaded:
        ensure_codes()
    if author is None:
        author = make_employer(company)
    company = author.company
    posting = create_posting(company, author, posting_fields(**overrides),
                             publish=status != "draft")
    if status == "closed":
        posting.close()
    elif status == "expired":
        posting.expires_at = utcnow() - timedelta(minutes=1)
        posting.expire()
    db.session.commit()
    return posting


def ensure_codes():
    from jobboard.models.taxonomy import CptCode

    if db.session.scalar(db.select(CptCode.id).limit(1)) is None:
        load_curated_codes()
