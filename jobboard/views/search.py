"""Job search: ``/jobs``, its Atom feed and ``/api/v1/jobs``, one service behind all three."""
import time
from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from jobboard.models.base import utcnow
from jobboard.models.taxonomy import ARRANGEMENTS, EMPLOYMENT_TYPES
from jobboard.numbers import parse_int
from jobboard.reference_data import load_specialties
from jobboard.search.params import MAX_RESULTS, InvalidParameter, SearchParams, parse_params
from jobboard.search.query import parse
from jobboard.search.service import listing_version, search_postings
from jobboard.search.text import CREDENTIALS
from jobboard.services import saved
from jobboard.services.data_cache import app_cache
from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS
from jobboard.views.api import job_json
from jobboard.views.errors import error_response

bp = Blueprint("search", __name__)

POSTED_WITHIN = {1: "Past day", 3: "Past 3 days", 7: "Past week", 14: "Past 2 weeks",
                 30: "Past month"}
MAX_API_ANSWERS = 256  # distinct anonymous searches kept (some 30 kB each)
MAX_PAGES = 256  # distinct anonymous search pages kept (some 60 kB each)
SORT_LABELS = {"relevance": "Best match", "newest": "Newest", "salary": "Highest pay"}
# Yes-only filters: facet, its heading and the label of its one value.
FLAG_FACETS = {"apprentice": ("Apprentice pathway", "Open to CPC-A / new coders"),
               "pay_posted": ("Pay", "Pay range posted")}


def _page_or_error(default_sort=None):
    try:
        params = parse_params(request.args)
    except InvalidParameter as error:
        return None, error_response(400, error.message, code="invalid_parameter")
    if params.sort is None and default_sort:
        params = replace(params, sort=default_sort)
    return search_postings(params, held_credentials=_held_credentials()), None


def _held_credentials():
    """The signed-in seeker's credentials, for the "jobs I qualify for" filter; None otherwise."""
    if current_user.is_authenticated and current_user.is_seeker and current_user.seeker_profile:
        return [c.abbreviation for c in current_user.seeker_profile.credentials]
    return None


def _url(pairs, endpoint="search.jobs") -> str:
    query = urlencode(pairs)
    return url_for(endpoint) + ("?" + query if query else "")


def _unmatched(words) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each query word no posting matches, with the specialty pages it names (if any)."""
    names = {s.slug: s.name for s in load_specialties()}
    found = []
    for word in words:
        groups = parse(word).groups
        slugs = groups[0][0].specialties if groups else ()
        found.append((word, [(names[s], url_for("codes.specialty", slug=s)) for s in slugs if s in names]))
    return found


def _chips(params: SearchParams, labels: dict) -> list[tuple[str, str]]:
    """(label, URL without it) for each active filter, in the order of the form."""
    chips = []
    if params.q:
        chips.append((f"“{params.q[:60]}”", _url(params.without("q"))))
    for slug in params.specialties:
        chips.append((labels["specialty"].get(slug, slug),
                      _url(params.without("specialties", slug))))
    for abbr in params.credentials:
        chips.append((abbr, _url(params.without("credentials", abbr))))
    for value in params.arrangements:
        chips.append((ARRANGEMENTS[value], _url(params.without("arrangements", value))))
    for value in params.employment_types:
        chips.append((EMPLOYMENT_TYPES[value], _url(params.without("employment_types", value))))
    if params.state:
        chips.append((params.state, _url(params.without("state"))))
    if params.salary_min is not None:
        chips.append((f"${params.salary_min:,}+ a year", _url(params.without("salary_min"))))
    if params.posted_within:
        chips.append((POSTED_WITHIN.get(params.posted_within, f"Past {params.posted_within} days"),
                      _url(params.without("posted_within"))))
    if params.code:
        chips.append((f"CPT {params.code}", _url(params.without("code"))))
    for name, keys in (("settings", SETTINGS), ("code_sets", CODE_SETS), ("encoders", ENCODERS)):
        for value in getattr(params, name):
            chips.append((keys[value], _url(params.without(name, value))))
    for flag, (_, label) in FLAG_FACETS.items():
        if getattr(params, flag):
            chips.append((label, _url(params.without(flag))))
    if params.eligible:
        chips.append(("Jobs I qualify for", _url(params.without("eligible"))))
    return chips


def _lenient_params(args) -> tuple[SearchParams, dict[str, str]]:
    """Parse the page's arguments, leaving out each malformed one with the reason, so the page
    can say what is wrong beside that filter and still show the rest of the search."""
    args, problems = MultiDict(args), dict[str, str]()
    while True:
        try:
            return parse_params(args), problems
        except InvalidParameter as error:
            if error.name in problems or error.name not in args:
                raise
            problems[error.name] = error.message
            args.poplist(error.name)


def _requested_page(args) -> int | None:
    number = parse_int((args.get("page") or "").strip())
    return number if number is not None and 1 < number < 10**9 else None


def _anonymous_key() -> tuple:
    """What an anonymous answer depends on: the arguments, the address it names, and the minute
    when "posted within" makes it move with the clock."""
    minute = int(time.time() // 60) if "posted_within" in request.args else None
    return tuple(sorted(request.args.items(multi=True))), request.host_url, minute


@bp.get("/jobs")
def jobs():
    """The search page: box, filters with counts, active-filter chips, sort, pages.

    A visitor who is not signed in (and has no message waiting to be shown) gets a page that
    holds nothing personal: it is kept per process like the API's anonymous answers, under the
    same versions, so a popular search is served without searching or rendering again.
    """
    if current_user.is_authenticated or session.get("_flashes"):
        return _jobs_page()
    return app_cache("search_pages", MAX_PAGES).get(_anonymous_key(), listing_version(), _jobs_page)


def _jobs_page() -> tuple[str, int]:
    """The page and its status: a malformed filter is a 400 that keeps the search and says why
    beside the filter; a page past the last one is a 404 that says so and links to the last."""
    params, problems = _lenient_params(request.args)
    requested = _requested_page(request.args)
    beyond = None
    if "page" in problems and requested:  # well-formed but past where results stop
        del problems["page"]
        beyond = requested
    result = search_postings(params, held_credentials=_held_credentials())
    last_page = min(result.pages, MAX_RESULTS // result.per_page)
    if beyond is None and result.page > last_page:
        beyond = result.page
    status = 400 if problems else 404 if beyond else 200
    params = result.params
    labels = {"specialty": {s.slug: s.name for s in load_specialties()},
              "credential": {c: c for c in CREDENTIALS.values()},
              "arrangement": ARRANGEMENTS, "employment_type": EMPLOYMENT_TYPES,
              "setting": SETTINGS, "code_set": CODE_SETS, "encoder": ENCODERS}
    field_names = {"specialty": "specialties", "credential": "credentials",
                   "arrangement": "arrangements", "employment_type": "employment_types",
                   "setting": "settings", "code_set": "code_sets", "encoder": "encoders"}
    facets = []
    for flag, (title, label) in FLAG_FACETS.items():
        selected = getattr(params, flag)
        count = result.facets.get(flag, {}).get("1", 0)
        if count or selected:
            facets.append((title, [(label, count, selected, _url(
                params.without(flag) if selected else params.args(page=1, **{flag: True})))]))
    titles = {"specialty": "Specialty", "credential": "Credential",
              "arrangement": "Work arrangement", "employment_type": "Employment type",
              "setting": "Work setting", "code_set": "Code sets", "encoder": "Encoder / EHR"}
    for facet, title in titles.items():
        selected = getattr(params, field_names[facet])
        counts = result.facets.get(facet, {})
        values = sorted(set(counts) | set(selected),
                        key=lambda v: (v not in selected, -counts.get(v, 0), v))
        facets.append((title, [
            (labels[facet].get(v, v), counts.get(v, 0), v in selected,
             _url(params.toggled(field_names[facet], v)))
            for v in values]))
    save_form = None
    seeker = current_user._get_current_object() if current_user.is_authenticated and current_user.is_seeker \
        else None
    if seeker:
        from jobboard.forms.applications import SaveSearchForm

        save_form = SaveSearchForm(formdata=None, query=urlencode(params.args(page=1)))
    return render_template(
        "search/jobs.html", result=result, params=params, facets=facets, problems=problems,
        marks=saved.marks(seeker, (p.id for p in result.postings)),
        typed={name: request.args.get(name, "")[:100] for name in problems}, beyond=beyond,
        last_page=last_page, last_page_url=_url(params.args(page=last_page)),
        unquoted_url=(_url(params.args(q=params.q.replace('"', " ").strip(), page=1))
                      if '"' in params.q and not result.total else None),
        chips=_chips(params, labels), clear_url=_url([]),
        sorts=[(label, _url(params.args(sort=key, page=1)), (params.sort or (
            "relevance" if params.q else "newest")) == key) for key, label in SORT_LABELS.items()],
        suggestion_url=(_url(params.args(q=result.suggestion, page=1))
                        if result.suggestion else None),
        page_url=lambda page: _url(params.args(page=page)),
        feed_url=_url(params.args(page=1), "search.feed"),
        specialties=load_specialties(), posted_within=POSTED_WITHIN, sort_labels=SORT_LABELS,
        save_form=save_form, unmatched=_unmatched(result.unmatched),
        eligible_url=_url(params.without("eligible") if params.eligible else params.args(eligible=True, page=1)),
    ), status


@bp.get("/jobs.atom")
def feed():
    """The same search as an Atom feed (newest first unless another sort is asked for)."""
    result, error = _page_or_error(default_sort="newest")
    if error:
        return error
    updated = max((p.updated_at for p in result.postings), default=None) or utcnow()
    # type="html" summaries carry their markup escaped: plain strings, escaped by the template.
    summaries = {i: str(markup) for i, markup in result.snippets.items()}
    body = render_template("search/jobs.atom.xml", result=result, updated=updated,
                           summaries=summaries,
                           self_url=request.url, page_url=_url(result.params.args(page=1)))
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.get("/api/v1/jobs")
def api_jobs():
    """The contract's search JSON; malformed parameters give a 400 naming the parameter.

    An anonymous answer holds nothing personal, so it is kept per process for one version of the
    data and of this host's index (``listing_version``): a popular search is answered without
    searching or reading postings again until something changes. A "posted within" filter also
    moves with the clock, so its answers are kept for the current minute only.
    """
    if current_user.is_authenticated:  # "jobs I qualify for" depends on who asks
        body, status = _api_answer()
    else:
        body, status = app_cache("search_api", MAX_API_ANSWERS).get(_anonymous_key(), listing_version(),
                                                                    _api_answer)
    return current_app.response_class(body, status, mimetype="application/json")


def _api_answer() -> tuple[bytes, int]:
    """The search JSON (or the error) as bytes and a status: a response object is per request."""
    result, error = _page_or_error()
    if error:
        response, status = error
        return response.get_data(), status
    response = jsonify({
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "items": [job_json(p, str(result.snippets[p.id])) for p in result.postings],
        "facets": result.facets,
        "suggestion": result.suggestion,
        "unmatched": list(result.unmatched),
    })
    return response.get_data(), response.status_code
