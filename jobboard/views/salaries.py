"""Pay benchmarks: the /salaries page and /api/v1/salaries."""
from flask import Blueprint, jsonify, render_template, request

from jobboard.search.params import InvalidParameter
from jobboard.services.pay import (
    DIMENSIONS,
    METHOD,
    min_sample,
    pay_figures,
    pay_report,
    validate_filters,
)
from jobboard.views.errors import error_response

bp = Blueprint("salaries", __name__)


def _requested_filters() -> dict[str, str]:
    """:raise InvalidParameter: a filter value is unknown."""
    return validate_filters({name: request.args.get(name) for name in DIMENSIONS})


def _words(filters: dict[str, str]) -> str:
    return ", ".join(DIMENSIONS[name].choices()[value] for name, value in filters.items())


@bp.get("/salaries")
def index():
    try:
        filters = _requested_filters()
    except InvalidParameter as error:
        return render_template("salaries/index.html", error=error, filters={}, dimensions=DIMENSIONS,
                               method=METHOD, min_sample=min_sample(), filter_words=""), 400
    overall, breakdowns = pay_report(filters, [name for name in DIMENSIONS if name not in filters])
    return render_template("salaries/index.html", error=None, filters=filters, dimensions=DIMENSIONS,
                           overall=overall, breakdowns=breakdowns, method=METHOD,
                           min_sample=min_sample(), filter_words=_words(filters))


@bp.get("/api/v1/salaries")
def api_salaries():
    try:
        filters = _requested_filters()
    except InvalidParameter as error:
        return error_response(400, error.message, code="invalid_parameter")
    found = pay_figures(filters)
    return jsonify({
        "filters": {name: filters.get(name) for name in DIMENSIONS},
        "postings": found.postings,
        "min_sample": min_sample(),
        "annual_pay": {"p25": found.p25, "median": found.median, "p75": found.p75} if found.shown else None,
        "currency": "USD",
        "method": METHOD,
    })
