"""Public pages: home, company pages, the site's own pages (about, privacy...), robots.txt."""
from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import CptCode, Specialty
from jobboard.reference_data import load_credentials
from jobboard.search.service import listing_version
from jobboard.services.data_cache import companies_version, reference_version
from jobboard.services.matching import APPRENTICE_CREDENTIALS, new_coder_jobs
from jobboard.services.profiles import company_by_slug
from jobboard.urls import external_url
from jobboard.views.helpers import page_for_visitors
from jobboard.views.job_lists import job_list

bp = Blueprint("public", __name__)
COMPANY_JOBS = 50  # newest open jobs listed on a company page


@bp.get("/")
def home():
    return page_for_visitors("visitor_home", "home",
                             (reference_version(), listing_version(), companies_version()), _home_page, 4)


def _home_page() -> str:
    specialties = db.session.scalars(select(Specialty).order_by(Specialty.position)).all()
    newest = job_list(10)
    companies = db.session.scalars(select(Company).order_by(Company.name).limit(12)).all()
    return render_template("public/home.html", specialties=specialties,
                           counts=newest.specialty_counts, newest=newest, companies=companies)


@bp.get("/new-coders")
def new_coders():
    """The apprentice pathway: open jobs for CPC-A coders and new graduates, and what they accept."""
    postings, accepted = new_coder_jobs()
    names = {c.abbreviation: c.name for c in load_credentials()}
    entry = [(a, names[a]) for a in APPRENTICE_CREDENTIALS if a in names]
    return render_template("public/new_coders.html", postings=postings, accepted=accepted, names=names,
                           entry=entry)


# Signed-in areas, account pages and actions: nothing there for a search engine.
ROBOTS_DISALLOW = ("/admin", "/employer", "/seeker", "/account", "/login", "/logout", "/register",
                   "/confirm-email", "/reset-password", "/jobs/new", "/api/v1/")


@bp.get("/robots.txt")
def robots():
    body = "\n".join([
        "User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
        f"Sitemap: {external_url('public.sitemap')}", "",
    ])
    return Response(body, mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon():
    """Browsers and crawlers ask for /favicon.ico whatever the page links to."""
    return current_app.send_static_file("img/favicon.ico")


@bp.get("/<any(about, privacy, terms, contact):name>")
def page(name):
    """The site's own short pages, linked from the footer."""
    return render_template(f"public/{name}.html")


@bp.get("/sitemap.xml")
def sitemap():
    """Open postings, specialty and code pages, companies with open jobs."""
    jobs = db.session.execute(Posting.visible().with_only_columns(Posting.id, Posting.updated_at)
                              .order_by(Posting.id.desc()).limit(40000)).all()
    slugs = db.session.scalars(select(Specialty.slug).order_by(Specialty.position)).all()
    codes = db.session.scalars(select(CptCode.code).where(CptCode.curated.is_(True))
                               .order_by(CptCode.code)).all()
    companies = db.session.scalars(select(Company.slug).where(
        Company.id.in_(Posting.visible().with_only_columns(Posting.company_id)))).all()
    xml = render_template("public/sitemap.xml", jobs=jobs, slugs=slugs, codes=codes,
                          companies=companies)
    return Response(xml, mimetype="application/xml")


@bp.get("/companies/<slug>")
def company(slug):
    company = company_by_slug(slug)
    return render_template("public/company.html", company=company,
                           jobs=job_list(COMPANY_JOBS, company_id=company.id))
