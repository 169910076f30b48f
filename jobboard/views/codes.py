"""Code reference pages (/codes) and specialty pages (/specialties), HTML and JSON."""
from flask import Blueprint, abort, jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.reference_data import normalize_code
from jobboard.services import NotFound
from jobboard.services.codes import (
    codes_in_section,
    conversion_factor,
    get_code,
    nearest_codes,
    neighbours,
    open_jobs_for_code,
    payment,
    search_codes,
    sections_with_counts,
    specialties_for_code,
    work_rvu_standing,
)
from jobboard.services.pay import min_sample, pay_breakdown, pay_figures
from jobboard.services.specialties import open_job_counts, specialty_by_slug, specialty_jobs
from jobboard.services.work_intensity import specialty_intensity
from jobboard.views.errors import error_response

bp = Blueprint("codes", __name__)

CODE_FORMAT = "CPT codes have five characters: 12345, 1234F, 1234T or 1234U."


def code_facts(code):
    """Everything a code page shows, shared by the HTML page and the JSON API."""
    factor, year = conversion_factor(code)
    percentile, median = work_rvu_standing(code)
    jobs, job_count = open_jobs_for_code(code)
    return {
        "code": code, "factor": factor, "year": year,
        "payment_nonfacility": payment(code.nonfacility_total, factor),
        "payment_facility": payment(code.facility_total, factor),
        "percentile": percentile, "median": median,
        "specialties": specialties_for_code(code.code),
        "jobs": jobs, "job_count": job_count,
    }


def _lookup(raw):
    """:raise 404: malformed (says the format) or unknown (offers the nearest codes)."""
    normalized = normalize_code(raw)
    if normalized is None:
        abort(make_response(error_response(404, f"“{raw[:20]}” is not a CPT code. {CODE_FORMAT}", code="malformed_code")))
    if normalized != raw:
        return None, normalized
    try:
        return get_code(normalized), normalized
    except NotFound:
        nearest = nearest_codes(normalized)
        if request.path.startswith("/api/"):
            abort(make_response(error_response(404, f"We have no reference page for {normalized}.", code="unknown_code")))
        abort(make_response(render_template("codes/unknown.html", code=normalized, nearest=nearest), 404))


@bp.get("/codes")
def index():
    q = request.args.get("q", "").strip()[:100]
    section = request.args.get("section", "")
    return render_template(
        "codes/index.html", q=q, section=section, sections=sections_with_counts(),
        results=search_codes(q) if q else None,
        section_codes=codes_in_section(section) if section and not q else None,
    )


@bp.get("/codes/<code>")
def code(code):
    found, normalized = _lookup(code)
    if found is None:  # "38900 " or "0042t": one canonical address
        return redirect(url_for("codes.code", code=normalized), 301)
    before, after = neighbours(found)
    return render_template("codes/code.html", before=before, after=after, **code_facts(found))


@bp.get("/specialties")
def specialties():
    all_specialties = db.session.scalars(select(Specialty).order_by(Specialty.position)).all()
    return render_template("codes/specialties.html", specialties=all_specialties, counts=open_job_counts())


@bp.get("/specialties/<slug>")
def specialty(slug):
    try:
        found = specialty_by_slug(slug)
    except NotFound:
        abort(404)
    jobs, count, pay_range = specialty_jobs(found)
    credentials = db.session.scalars(
        select(Credential).where(Credential.abbreviation.in_(found.credential_list))).all()
    return render_template("codes/specialty.html", specialty=found, jobs=jobs, job_count=count,
                           pay_range=pay_range, credentials=credentials,
                           pay=pay_figures({"specialty": found.slug}),
                           pay_by_credential=pay_breakdown("credential", {"specialty": found.slug}),
                           pay_min_sample=min_sample(), intensity=specialty_intensity(found.slug))


# --- JSON ---------------------------------------------------------------------------------------

def _number(value):
    return float(value) if value is not None else None


@bp.get("/api/v1/codes/<code>")
def api_code(code):
    found, _ = _lookup(normalize_code(code) or code)
    facts = code_facts(found)
    return jsonify({
        "code": found.code, "section": found.section, "subsection": found.subsection,
        "description": found.description, "work_rvu": _number(found.work_rvu),
        "nonfacility_total_rvu": _number(found.nonfacility_total),
        "facility_total_rvu": _number(found.facility_total), "global_days": found.global_days,
        "conversion_factor": _number(facts["factor"]), "year": facts["year"],
        "payment": {"nonfacility": _number(facts["payment_nonfacility"]),
                    "facility": _number(facts["payment_facility"])},
        "work_rvu_percentile": facts["percentile"],
        "specialties": [s.slug for s in facts["specialties"]],
        "open_jobs": facts["job_count"],
        "url": url_for("codes.code", code=found.code, _external=True),
    })


@bp.get("/api/v1/specialties")
def api_specialties():
    counts = open_job_counts()
    return jsonify([
        {"slug": s.slug, "name": s.name, "ranges": [f"{a}-{b}" for a, b in s.ranges],
         "open_jobs": counts.get(s.slug, 0),
         "url": url_for("codes.specialty", slug=s.slug, _external=True)}
        for s in db.session.scalars(select(Specialty).order_by(Specialty.position))
    ])
