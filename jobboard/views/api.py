"""The JSON API (``/api/v1``): one serializer per resource, the contract's error body."""
from flask import Blueprint, abort, jsonify, url_for

from jobboard.markup import render_description
from jobboard.models.posting import Posting
from jobboard.services import NotFound
from jobboard.services.postings import visible_posting

bp = Blueprint("api", __name__, url_prefix="/api")


def iso(value):
    return value.isoformat() if value else None


def salary_json(posting: Posting):
    if posting.salary_min is None and posting.salary_max is None:
        return None
    number = float if posting.salary_unit == "hour" else int
    return {
        "min": number(posting.salary_min) if posting.salary_min is not None else None,
        "max": number(posting.salary_max) if posting.salary_max is not None else None,
        "unit": posting.salary_unit,
        "currency": "USD",
    }


def job_json(posting: Posting, snippet: str | None = None) -> dict:
    """A posting in the contract's ``job`` shape; used by every list and detail endpoint."""
    return {
        "id": posting.id,
        "url": url_for("postings.detail", posting_id=posting.id, _external=True),
        "title": posting.title,
        "company": {
            "name": posting.company.name,
            "slug": posting.company.slug,
            "url": url_for("public.company", slug=posting.company.slug, _external=True),
        },
        "city": posting.city,
        "state": posting.state,
        "arrangement": posting.arrangement,
        "employment_type": posting.employment_type,
        "salary": salary_json(posting),
        "specialties": [
            {"slug": s.slug, "name": s.name,
             "url": url_for("codes.specialty", slug=s.slug, _external=True)}
            for s in posting.specialties
        ],
        "credentials": {
            "required": [c.abbreviation for c in posting.credentials_required],
            "preferred": [c.abbreviation for c in posting.credentials_preferred],
        },
        "cpt_codes": [
            {"code": c.code, "url": url_for("codes.code", code=c.code, _external=True)}
            for c in posting.cpt_codes
        ],
        "posted_at": iso(posting.published_at),
        "expires_at": iso(posting.expires_at),
        "snippet": snippet,
    }


@bp.get("/v1/jobs/<int:posting_id>")
def job(posting_id):
    try:
        posting = visible_posting(posting_id)
    except NotFound:
        abort(404)
    body = job_json(posting)
    body["description_html"] = str(render_description(
        posting.description, lambda code: url_for("codes.code", code=code, _external=True)))
    return jsonify(body)
