"""Pay benchmarks: the 25th, 50th and 75th percentile of what open postings pay, overall and by
specialty, credential or state, with the number of postings behind each figure.

How a posting counts: its range's midpoint (a posting with only a minimum or only a maximum
counts that figure), a year's pay, hourly pay × 2,080 hours. Postings without pay are left out.
Percentiles interpolate between the two nearest postings (PostgreSQL's ``percentile_cont``,
Excel's PERCENTILE.INC). A figure backed by fewer postings than ``PAY_MIN_SAMPLE`` is hidden:
a handful of postings is an anecdote, and one posting would reveal an employer's offer.

The database returns one narrow column of pay figures per question, never posting objects; the
answers are kept per process for one version of the posting data (``postings_version``).
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import quantiles

from flask import current_app
from sqlalchemy import Float, and_, case, cast, exists, func, select

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import HOURS_PER_YEAR, Posting, PostingCredential, posting_specialty
from jobboard.models.taxonomy import US_STATES, Credential, Specialty
from jobboard.reference_data import load_credentials, load_specialties
from jobboard.search.params import InvalidParameter
from jobboard.services.data_cache import app_cache, postings_version

METHOD = ("Each open posting with pay counts once, at the midpoint of its range (or its one figure "
          "when only a minimum or maximum is given), as a year's pay: hourly pay × 2,080 hours.")


def _annual_midpoint():
    """(low + high) / 2 a year, multiplied rather than divided (SQLite divides integers whole),
    as a float: turning 100,000 rows into Decimals would cost more than the query."""
    low = func.coalesce(Posting.salary_min, Posting.salary_max)
    high = func.coalesce(Posting.salary_max, Posting.salary_min)
    return cast((low + high) * case((Posting.salary_unit == "hour", HOURS_PER_YEAR // 2), else_=0.5), Float)


ANNUAL_PAY = _annual_midpoint().label("annual_pay")
HAS_PAY = (Posting.salary_min.is_not(None)) | (Posting.salary_max.is_not(None))


@dataclass(frozen=True)
class Dimension:
    """One way to group postings: the key column a posting is counted under (a join may give it
    several keys), the clause filtering postings to one key, and the keys users may ask for."""

    name: str
    title: str
    key: Callable  # select(...) -> select of (key, annual pay) rows
    matches: Callable  # key -> clause on Posting
    choices: Callable  # () -> {key: label}


def _by_specialty(query):
    return (query.add_columns(Specialty.slug)
            .join(posting_specialty, posting_specialty.c.posting_id == Posting.id)
            .join(Specialty, Specialty.id == posting_specialty.c.specialty_id))


def _by_credential(query):
    return (query.add_columns(Credential.abbreviation)
            .join(PostingCredential, and_(PostingCredential.posting_id == Posting.id,
                                          PostingCredential.required.is_(True)))
            .join(Credential, Credential.id == PostingCredential.credential_id))


def _by_state(query):
    return query.add_columns(Posting.state).where(Posting.state != "")


def _requires_credential(abbreviation):
    return exists().where(PostingCredential.posting_id == Posting.id, PostingCredential.required.is_(True),
                          PostingCredential.credential_id == Credential.id,
                          Credential.abbreviation == abbreviation)


# The ways pay is broken down, in page order; a new posting field is one more entry here.
DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("specialty", "Specialty", _by_specialty,
              lambda slug: Posting.specialties.any(Specialty.slug == slug),
              lambda: {s.slug: s.name for s in load_specialties()}),
    Dimension("credential", "Required credential", _by_credential, _requires_credential,
              lambda: {c.abbreviation: c.abbreviation for c in load_credentials()}),
    Dimension("state", "State", _by_state, lambda state: Posting.state == state,
              lambda: dict(US_STATES)),
)}


@dataclass(frozen=True)
class PayFigures:
    """Percentiles of annual pay over ``postings`` postings; None when the sample is too small."""

    postings: int
    p25: int | None = None
    median: int | None = None
    p75: int | None = None

    @property
    def shown(self) -> bool:
        return self.median is not None


@dataclass(frozen=True)
class PayRow:
    key: str
    label: str
    figures: PayFigures


@dataclass(frozen=True)
class Breakdown:
    dimension: Dimension
    rows: list[PayRow] = field(default_factory=list)  # shown rows, most postings first
    hidden: int = 0  # groups with too few postings to show


def min_sample() -> int:
    return max(1, int(current_app.config["PAY_MIN_SAMPLE"]))


def figures(values: list[float], minimum: int) -> PayFigures:
    """The quartiles of ``values``, or only their count when there are fewer than ``minimum``."""
    if len(values) < minimum or not values:
        return PayFigures(len(values))
    if len(values) == 1:
        return PayFigures(1, *(round(values[0]),) * 3)
    p25, median, p75 = quantiles(values, n=4, method="inclusive")
    return PayFigures(len(values), round(p25), round(median), round(p75))


def validate_filters(raw: dict[str, str | None]) -> dict[str, str]:
    """The non-empty filters, each checked against its dimension's keys.

    :raise InvalidParameter: naming the parameter and saying what it accepts.
    """
    filters = {}
    for name, value in raw.items():
        value = (value or "").strip()
        if not value:
            continue
        choices = DIMENSIONS[name].choices()
        if value not in choices:
            examples = ", ".join(list(choices)[:3])
            raise InvalidParameter(name, f"unknown {DIMENSIONS[name].title.lower()} {value[:40]!r} "
                                      f"(for example {examples}).")
        filters[name] = value
    return filters


def _open_with_pay(filters: dict[str, str], now):
    query = select(ANNUAL_PAY).where(Posting.visible_clause(now), HAS_PAY)
    for name, value in sorted(filters.items()):
        query = query.where(DIMENSIONS[name].matches(value))
    return query


def _rows(query):
    """Plain rows through the session's connection: the ORM's per-row work is skipped."""
    return db.session.connection().execute(query)


def _snapshot() -> tuple:
    """The time and data version the answers of one page are read against."""
    now = utcnow()
    return now, postings_version()


def _cached(key, compute, snapshot: tuple | None = None):
    now, version = snapshot or _snapshot()
    return app_cache("pay").get((key, min_sample()), version, lambda: compute(now))


def pay_figures(filters: dict[str, str], snapshot: tuple | None = None) -> PayFigures:
    """Percentiles of the open postings matching every filter (validated keys)."""
    def compute(now):
        values = _rows(_open_with_pay(filters, now)).scalars().all()
        return figures(values, min_sample())
    return _cached(("figures", tuple(sorted(filters.items()))), compute, snapshot)


def pay_breakdown(name: str, filters: dict[str, str] | None = None,
                  snapshot: tuple | None = None) -> Breakdown:
    """Percentiles per key of dimension ``name`` among the open postings matching ``filters``."""
    dimension, filters = DIMENSIONS[name], filters or {}

    def compute(now):
        grouped = defaultdict(list)
        for value, key in _rows(dimension.key(_open_with_pay(filters, now))):
            grouped[key].append(value)
        return _breakdown(dimension, grouped)
    return _cached(("breakdown", name, tuple(sorted(filters.items()))), compute, snapshot)


def pay_report(filters: dict[str, str], breakdown_by: list[str]) -> tuple[PayFigures, list[Breakdown]]:
    """What a page shows: the figures of the postings matching ``filters`` and their breakdowns by
    each dimension in ``breakdown_by``, all read against one data version."""
    snapshot = _snapshot()
    return pay_figures(filters, snapshot), [pay_breakdown(name, filters, snapshot) for name in breakdown_by]


def _breakdown(dimension: Dimension, grouped: dict[str, list[float]]) -> Breakdown:
    labels, minimum = dimension.choices(), min_sample()
    rows = [PayRow(key, labels.get(key, key), figures(values, minimum)) for key, values in grouped.items()]
    shown = sorted((r for r in rows if r.figures.shown), key=lambda r: (-r.figures.postings, r.label))
    return Breakdown(dimension, shown, hidden=len(rows) - len(shown))


def specialty_pay(slug: str) -> tuple[PayFigures, Breakdown]:
    """A specialty page's pay: ``pay_figures({"specialty": slug})`` and
    ``pay_breakdown("credential", {"specialty": slug})``, worked out for every specialty at once.

    Two grouped passes over the open postings per data version instead of two per specialty page
    (each a pass of its own): at 100,000 postings, seconds of work after every change.
    """
    def compute(now):
        overall: dict[str, list[float]] = defaultdict(list)
        by_credential: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        by_specialty = DIMENSIONS["specialty"].key(_open_with_pay({}, now))
        for value, specialty in _rows(by_specialty):
            overall[specialty].append(value)
        for value, specialty, credential in _rows(DIMENSIONS["credential"].key(by_specialty)):
            by_credential[specialty][credential].append(value)
        minimum = min_sample()
        return {key: (figures(overall[key], minimum), _breakdown(DIMENSIONS["credential"], by_credential[key]))
                for key in DIMENSIONS["specialty"].choices()}
    pages = _cached(("specialty pages",), compute)
    return pages.get(slug) or (figures([], min_sample()), Breakdown(DIMENSIONS["credential"]))
