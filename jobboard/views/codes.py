"""Code reference pages (/codes) and specialty pages (/specialties), HTML and JSON."""
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.reference_data import normalize_code
from jobboard.search.service import listing_version
from jobboard.services import NotFound
from jobboard.services.codes import (
    STANDING_RULE,
    conversion_factor,
    exact_code,
    faq,
    faq_json_ld,
    get_code,
    get_locality,
    is_payable,
    localities_by_state,
    locality_payment,
    national_payment,
    nearest_codes,
    neighbours,
    search_codes,
    section_page,
    sections_with_counts,
    specialties_for_code,
    status_words,
    work_rvu_standing,
)
from jobboard.services.data_cache import app_cache, reference_version
from jobboard.services.pay import min_sample, pay_report
from jobboard.services.specialties import open_job_counts, specialty_by_slug
from jobboard.services.work_intensity import specialty_intensity
from jobboard.urls import external_url
from jobboard.views.errors import error_response
from jobboard.views.helpers import page_for_visitors
from jobboard.views.job_lists import job_list

bp = Blueprint("codes", __name__)

CODE_FORMAT = "CPT codes have five characters: 12345, 1234F, 1234T or 1234U."
JOBS_SHOWN = 10
SPECIALTY_JOBS = 20  # newest open jobs listed on a specialty page
MAX_CODE_PAGES = 1024  # reference parts, and visitors' pages, kept per process (20-40 kB each)
MAX_SPECIALTY_PAGES = 128  # visitors' specialty pages kept per process


def code_facts(code, locality_key=None):
    """The reference figures a code page shows, shared by the HTML page and the JSON API.

    A ``locality_key`` naming no locality leaves ``locality_error`` set and prices nothing local.
    """
    factor, year = conversion_factor(code)
    facts = {
        "code": code, "factor": factor, "year": year, "status": status_words(code),
        "payable": is_payable(code), "payment": national_payment(code, factor),
        "standing": work_rvu_standing(code), "standing_rule": STANDING_RULE,
        "specialties": specialties_for_code(code.code),
        "locality": None, "local": None, "locality_error": None,
    }
    if locality_key:
        try:
            facts["locality"] = get_locality(locality_key)
            facts["local"] = locality_payment(code, facts["locality"], factor)
        except NotFound as error:
            facts["locality_error"] = error.message
    return facts


@dataclass(frozen=True)
class ReferencePart:
    """A code page's reference part, rendered: everything on it but the open jobs."""

    code: str
    title: str
    description: str
    json_ld: str
    heading: Markup
    facts: Markup
    aside: Markup
    locality_error: str | None


def _reference_part(code, locality_key: str) -> ReferencePart:
    """Render what the page shows of the code itself (kept per reference-data version)."""
    facts = code_facts(code, locality_key)
    before, after = neighbours(code)
    answers = faq(code, facts)
    macros = current_app.jinja_env.get_template("codes/_reference.html").module
    del facts["code"]
    specialties = facts.pop("specialties")
    return ReferencePart(
        code.code, code.subsection or code.section,
        (code.description or f"{code.subsection} code in the {code.section} section")[:155],
        faq_json_ld(answers), macros.heading(code),  # type: ignore[attr-defined]
        macros.facts(code, localities=localities_by_state(), faq=answers, **facts),  # type: ignore[attr-defined]
        macros.aside(code, specialties, before, after),  # type: ignore[attr-defined]
        facts["locality_error"])


def _lookup(raw):
    """:raise 404: malformed (says the format) or unknown (offers the nearest codes)."""
    normalized = normalize_code(raw)
    if normalized is None:
        abort(make_response(error_response(404, f"“{raw[:20]}” is not a CPT code. {CODE_FORMAT}",
                                           code="malformed_code")))
    if normalized != raw:
        return None, normalized
    try:
        return get_code(normalized), normalized
    except NotFound:
        if request.path.startswith("/api/"):
            abort(make_response(error_response(404, f"We have no reference page for {normalized}.",
                                               code="unknown_code")))
        abort(make_response(render_template("codes/unknown.html", code=normalized,
                                            nearest=nearest_codes(normalized)), 404))


def _arg(name: str, limit: int) -> str:
    """A query-string value, trimmed, cut to ``limit`` and without NUL (PostgreSQL refuses it)."""
    return request.args.get(name, "").replace("\x00", "").strip()[:limit]


def _page_number():
    page = _arg("page", 7)
    return int(page) if page.isascii() and page.isdigit() else 1


@bp.get("/codes")
def index():
    q = _arg("q", 100)
    exact = exact_code(q)
    if exact:  # one code typed in the box: its page (or the nearest codes when we lack it)
        return redirect(url_for("codes.code", code=exact))
    section = _arg("section", 120)
    listing = None
    if section and not q:
        try:
            listing = section_page(section, _arg("subsection", 200), _page_number())
        except NotFound as error:
            return error_response(404, error.message)
    return render_template(
        "codes/index.html", q=q, sections=sections_with_counts(), listing=listing,
        results=search_codes(q) if q else None,
    )


@bp.get("/codes/<code>")
def code(code):
    normalized = normalize_code(code)
    if normalized is not None and normalized != code:  # "38900 " or "0042t": one canonical address
        return redirect(url_for("codes.code", code=normalized), 301)
    locality = _arg("locality", 40)
    return page_for_visitors("visitor_code_pages", (code, locality),
                             (reference_version(), listing_version()),
                             lambda: _code_page(code, locality), MAX_CODE_PAGES)


def _code_page(code: str, locality: str) -> tuple[str, int]:
    found, _ = _lookup(code)
    # The reference part is the same for everyone until any host changes the reference data; the
    # newest open jobs needing the code (tagged with it, or with a specialty whose ranges hold
    # it) come from the index, cached apart under the posting data's version.
    page = app_cache("code_pages", MAX_CODE_PAGES).get(
        (found.code, locality), reference_version(), lambda: _reference_part(found, locality))
    jobs = job_list(JOBS_SHOWN, code=found.code)
    html = render_template("codes/code.html", page=page, jobs=jobs, job_count=jobs.total)
    return html, 400 if page.locality_error else 200


@bp.get("/specialties")
def specialties():
    all_specialties = db.session.scalars(select(Specialty).order_by(Specialty.position)).all()
    return render_template("codes/specialties.html", specialties=all_specialties, counts=open_job_counts())


@bp.get("/specialties/<slug>")
def specialty(slug):
    return page_for_visitors("visitor_specialty_pages", slug, (reference_version(), listing_version()),
                             lambda: _specialty_page(slug), MAX_SPECIALTY_PAGES)


def _specialty_page(slug: str) -> str:
    found = specialty_by_slug(slug)
    jobs = job_list(SPECIALTY_JOBS, specialty=found.slug, pay_range=True)
    pay, (pay_by_credential,) = pay_report({"specialty": found.slug}, ["credential"])
    credentials = db.session.scalars(
        select(Credential).where(Credential.abbreviation.in_(found.credential_list))).all()
    return render_template("codes/specialty.html", specialty=found, jobs=jobs, job_count=jobs.total,
                           pay_range=jobs.pay_range, credentials=credentials,
                           pay=pay, pay_by_credential=pay_by_credential,
                           pay_min_sample=min_sample(), intensity=specialty_intensity(found.slug))


# --- JSON ---------------------------------------------------------------------------------------

def _number(value):
    return float(value) if value is not None else None


@bp.get("/api/v1/codes/<code>")
def api_code(code):
    found, _ = _lookup(normalize_code(code) or code)
    facts = code_facts(found, _arg("locality", 40))
    if facts["locality_error"]:
        return error_response(400, facts["locality_error"], code="unknown_locality")
    job_count = job_list(JOBS_SHOWN, code=found.code).total
    payment, standing = facts["payment"], facts["standing"]
    body = {
        "code": found.code, "section": found.section, "subsection": found.subsection,
        "description": found.description, "work_rvu": _number(found.work_rvu),
        "nonfacility_total_rvu": _number(found.nonfacility_total),
        "facility_total_rvu": _number(found.facility_total), "global_days": found.global_days,
        "conversion_factor": _number(facts["factor"]), "year": facts["year"],
        "source": {"file": found.source_file, "year": found.year, "release": found.source_release},
        "status": facts["status"], "status_code": found.status, "payable": facts["payable"],
        "payment": {"nonfacility": _number(payment.nonfacility), "facility": _number(payment.facility)}
        if payment else None,
        "work_rvu_percentile": standing.percentile,
        "section_median_work_rvu": _number(standing.median),
        "percentile_rule": STANDING_RULE,
        "specialties": [s.slug for s in facts["specialties"]],
        "open_jobs": job_count,
        "url": external_url("codes.code", code=found.code),
    }
    if facts["locality"] is not None:
        local = facts["local"]
        body["locality_payment"] = {
            "locality": facts["locality"].key,
            "nonfacility": _number(local.nonfacility) if local else None,
            "facility": _number(local.facility) if local else None,
            "gpci_year": facts["locality"].year,
        }
    return jsonify(body)


@bp.get("/api/v1/specialties")
def api_specialties():
    counts = open_job_counts()
    return jsonify([
        {"slug": s.slug, "name": s.name, "ranges": [f"{a}-{b}" for a, b in s.ranges],
         "open_jobs": counts.get(s.slug, 0),
         "url": external_url("codes.specialty", slug=s.slug)}
        for s in db.session.scalars(select(Specialty).order_by(Specialty.position))
    ])
