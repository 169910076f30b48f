"""Public pages: home, company pages, robots.txt."""
from flask import Blueprint, abort, render_template
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import Specialty
from jobboard.services import NotFound
from jobboard.services.profiles import company_by_slug
from jobboard.services.specialties import open_job_counts

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    specialties = db.session.scalars(select(Specialty).order_by(Specialty.position)).all()
    newest = db.session.scalars(
        Posting.visible().order_by(Posting.published_at.desc(), Posting.id.desc()).limit(10)).all()
    companies = db.session.scalars(select(Company).order_by(Company.name).limit(12)).all()
    return render_template("public/home.html", specialties=specialties, counts=open_job_counts(),
                           newest=newest, companies=companies)


@bp.get("/companies/<slug>")
def company(slug):
    try:
        company = company_by_slug(slug)
    except NotFound:
        abort(404)
    jobs = db.session.scalars(Posting.visible().where(Posting.company_id == company.id)
                              .order_by(Posting.published_at.desc())).all()
    return render_template("public/company.html", company=company, jobs=jobs)
