"""Pay benchmarks: the 25th, 50th and 75th percentile of what open postings pay, overall and by
specialty, credential or state, with the number of postings behind each figure.

How a posting counts: its range's midpoint (a posting with only a minimum or only a maximum
counts that figure), a year's pay, hourly pay × 2,080 hours. Postings without pay are left out.
Percentiles interpolate between the two nearest postings (PostgreSQL's ``percentile_cont``,
Excel's PERCENTILE.INC). A figure backed by fewer postings than ``PAY_MIN_SAMPLE`` is hidden:
a handful of postings is an anecdote, and one posting would reveal an employer's offer.

After a change, the database is read once (one narrow select of the open postings with pay,
one of each dimension's links, never posting objects) into a ``PayTable``; every figure, filter
and breakdown is derived from that table in numpy. Table and answers are kept per process for
one version of the posting data (``postings_version``).
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import Float, String, case, cast, func, select

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


def _posting_ids_by(key, posting_id, links):
    """A row per key of ``links``: the key and the ids of its postings as one comma-separated
    string (a row per link would cost far more to fetch than the query; numpy parses the ids)."""
    return select(key, func.aggregate_strings(cast(posting_id, String), ",")).select_from(links).group_by(key)


@dataclass(frozen=True)
class Dimension:
    """One way to group postings: where a posting's keys come from (a column of the posting, or
    ``links``: a select of (key, posting ids) rows made by ``_posting_ids_by``, for keys a posting
    may have several of) and the keys users may ask for."""

    name: str
    title: str
    choices: Callable  # () -> {key: label}
    column: Any = None  # a Posting column holding the key ("" for none)
    links: Any = None


# The ways pay is broken down, in page order; a new posting field is one more entry here.
DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("specialty", "Specialty", lambda: {s.slug: s.name for s in load_specialties()},
              links=_posting_ids_by(Specialty.slug, posting_specialty.c.posting_id, posting_specialty.join(
                  Specialty, Specialty.id == posting_specialty.c.specialty_id))),
    Dimension("credential", "Required credential",
              lambda: {c.abbreviation: c.abbreviation for c in load_credentials()},
              links=_posting_ids_by(Credential.abbreviation, PostingCredential.posting_id, Credential.__table__.join(
                  PostingCredential, Credential.id == PostingCredential.credential_id))
              .where(PostingCredential.required.is_(True))),
    Dimension("state", "State", lambda: dict(US_STATES), column=Posting.state),
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


def figures(values, minimum: int) -> PayFigures:
    """The quartiles of ``values``, or only their count when there are fewer than ``minimum``.

    The arithmetic is ``statistics.quantiles(method="inclusive")``'s, step for step on the same
    floats, so the figures are the same to the last bit before rounding."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    count = len(data)
    if count < minimum or not count:
        return PayFigures(count)
    last = count - 1
    quartiles = []
    for i in (1, 2, 3):
        j, delta = divmod(i * last, 4)
        quartiles.append(round((float(data[j]) * (4 - delta) + float(data[min(j + 1, last)]) * delta) / 4))
    return PayFigures(count, *quartiles)


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


@dataclass(frozen=True)
class Members:
    """Which postings (rows of ``PayTable.pay``) have which key of one dimension: one pair per
    posting and key, ``codes`` indexing ``keys``."""

    rows: np.ndarray
    codes: np.ndarray
    keys: list[str]

    def having(self, key: str, size: int) -> np.ndarray:
        """A mask over ``size`` rows, true for postings with ``key``."""
        mask = np.zeros(size, dtype=bool)
        if key in self.keys:
            mask[self.rows[self.codes == self.keys.index(key)]] = True
        return mask


@dataclass(frozen=True)
class PayTable:
    """The annual pay of every open posting with pay and its keys in each dimension: read once
    per data version, and every figure and breakdown is derived from it without the database."""

    pay: np.ndarray
    members: dict[str, Members]

    def matching(self, filters: dict[str, str]) -> np.ndarray:
        mask = np.ones(len(self.pay), dtype=bool)
        for name, value in filters.items():
            mask &= self.members[name].having(value, len(self.pay))
        return mask

    def groups(self, name: str, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The pay of the postings in ``mask``, per key of dimension ``name``."""
        members = self.members[name]
        inside = mask[members.rows]
        codes, values = members.codes[inside], self.pay[members.rows[inside]]
        order = np.argsort(codes, kind="stable")
        codes, values = codes[order], values[order]
        starts = np.flatnonzero(np.diff(codes)) + 1
        chunks = zip(np.split(codes, starts), np.split(values, starts), strict=True)
        return {members.keys[chunk[0]]: pay for chunk, pay in chunks if len(chunk)}


def _fetch(query) -> Sequence[tuple]:
    """Plain DB-API rows: SQLAlchemy's per-row work costs more than the query at 100,000 rows."""
    result = db.session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _linked(rows: Sequence[tuple], ids: np.ndarray) -> Members:
    """Memberships from (key, posting ids) rows, of the postings in ``ids`` (sorted) only."""
    per_key = [np.fromstring(posting_ids or "", dtype=np.int64, sep=",") for _, posting_ids in rows]
    posting_ids = np.concatenate([np.zeros(0, dtype=np.int64), *per_key])
    codes = np.repeat(np.arange(len(rows)), [len(found) for found in per_key])
    found = np.searchsorted(ids, posting_ids).clip(0, max(len(ids) - 1, 0))
    keep = ids[found] == posting_ids if len(ids) else np.zeros(len(posting_ids), dtype=bool)
    return Members(found[keep], codes[keep], [key for key, _ in rows])


def read_table(now) -> PayTable:
    """One narrow read of the open postings with pay (id, pay and key columns), and one of the
    links of each linked dimension, joined to the postings here by id."""
    columns = {name: d.column for name, d in DIMENSIONS.items() if d.column is not None}
    rows = _fetch(select(Posting.id, ANNUAL_PAY, *columns.values()).where(Posting.visible_clause(now), HAS_PAY))
    ids = np.fromiter(map(itemgetter(0), rows), np.int64, len(rows))
    order = np.argsort(ids)
    ids, pay = ids[order], np.fromiter(map(itemgetter(1), rows), np.float64, len(rows))[order]
    members = {}
    for place, name in enumerate(columns, start=2):
        index: dict[str, int] = {}
        codes = np.array([index.setdefault(key, len(index)) for key in map(itemgetter(place), rows)],
                         dtype=np.int64)[order]
        given = np.flatnonzero(codes != index[""]) if "" in index else np.arange(len(codes))
        members[name] = Members(given, codes[given], list(index))
    for name, dimension in DIMENSIONS.items():
        if dimension.links is not None:
            members[name] = _linked(_fetch(dimension.links), ids)
    return PayTable(pay, members)


def _cached(key, compute):
    """``compute(table)`` for this data version, the table itself read at most once per version
    (in a cache of its own: many filter combinations filling the answers' cache never drop it).
    The version is read once per request, so every figure of a page comes from the same data."""
    now, version = utcnow(), postings_version()
    return app_cache("pay").get((key, min_sample()), version, lambda: compute(
        app_cache("pay_table").get("table", version, lambda: read_table(now))))


def pay_figures(filters: dict[str, str]) -> PayFigures:
    """Percentiles of the open postings matching every filter (validated keys)."""
    def compute(table):
        return figures(table.pay[table.matching(filters)], min_sample())
    return _cached(("figures", tuple(sorted(filters.items()))), compute)


def pay_breakdown(name: str, filters: dict[str, str] | None = None) -> Breakdown:
    """Percentiles per key of dimension ``name`` among the open postings matching ``filters``."""
    dimension, filters = DIMENSIONS[name], filters or {}

    def compute(table):
        labels, minimum = dimension.choices(), min_sample()
        rows = [PayRow(key, labels.get(key, key), figures(values, minimum))
                for key, values in table.groups(name, table.matching(filters)).items()]
        shown = sorted((r for r in rows if r.figures.shown), key=lambda r: (-r.figures.postings, r.label))
        return Breakdown(dimension, shown, hidden=len(rows) - len(shown))
    return _cached(("breakdown", name, tuple(sorted(filters.items()))), compute)


def pay_report(filters: dict[str, str], breakdown_by: list[str]) -> tuple[PayFigures, list[Breakdown]]:
    """What a page shows: the figures of the postings matching ``filters`` and their breakdowns by
    each dimension in ``breakdown_by``, all read against one data version."""
    return pay_figures(filters), [pay_breakdown(name, filters) for name in breakdown_by]
