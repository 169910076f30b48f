"""Work intensity of a posting: how much physician work (CMS work RVU) the codes its coders will
see carry, per specialty and for the codes the posting names, against every payable code.

Counted codes: Medicare pays them under the physician fee schedule (CMS status A, R or T; a code
whose status was not loaded counts) and their work RVU is above 0. The figures per specialty are
computed once per version of the code data and kept per process.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import or_, select

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import CptCode
from jobboard.reference_data import in_ranges, load_specialties
from jobboard.services.codes import PAYABLE_STATUSES
from jobboard.services.data_cache import app_cache, reference_version

EXAMPLES = 3  # codes linked beside each figure: those nearest the median


@dataclass(frozen=True)
class Intensity:
    """The median work RVU of a set of codes and where it stands among all counted codes."""

    label: str  # "General Surgery codes", "Codes named in this posting"
    codes: int
    median: Decimal
    percentile: int  # share of all counted codes with a lower work RVU (ties count half)
    examples: tuple[tuple[str, Decimal], ...]  # (code, work RVU) nearest the median, lowest first


@dataclass(frozen=True)
class _CodeFigures:
    by_code: dict[str, Decimal]
    ordered: list[Decimal]  # every counted work RVU, ascending
    specialties: dict[str, Intensity | None]


def _percentile(ordered: list[Decimal], value: Decimal) -> int:
    below, same = bisect_left(ordered, value), bisect_right(ordered, value) - bisect_left(ordered, value)
    return round(100 * (below + same / 2) / len(ordered))


def _intensity(label: str, figures: dict[str, Decimal], ordered: list[Decimal],
               examples: int = EXAMPLES) -> Intensity | None:
    if not figures or not ordered:
        return None
    middle = Decimal(median(figures.values())).quantize(Decimal("0.01"))
    nearest = sorted(figures.items(), key=lambda item: (abs(item[1] - middle), item[0]))[:examples]
    return Intensity(label, len(figures), middle, _percentile(ordered, middle),
                     tuple(sorted(nearest, key=lambda item: item[1])))


def _compute() -> _CodeFigures:
    rows = db.session.execute(select(CptCode.code, CptCode.work_rvu).where(
        CptCode.work_rvu > 0, or_(CptCode.status.in_(PAYABLE_STATUSES), CptCode.status == ""))).all()
    by_code: dict[str, Decimal] = {code: rvu for code, rvu in rows if rvu is not None}  # None fails work_rvu > 0
    ordered = sorted(by_code.values())
    specialties = {}
    for specialty in load_specialties():
        if specialty.cpt_ranges:
            held = {code: rvu for code, rvu in by_code.items() if in_ranges(code, specialty.cpt_ranges)}
            specialties[specialty.slug] = _intensity(f"{specialty.name} codes", held, ordered)
    return _CodeFigures(by_code, ordered, specialties)


def _figures() -> _CodeFigures:
    return app_cache("work_intensity").get("codes", reference_version(), _compute)


def specialty_intensity(slug: str) -> Intensity | None:
    return _figures().specialties.get(slug)


def posting_work_intensity(posting: Posting) -> list[Intensity]:
    """The figures for each of the posting's CPT-range specialties, then for the codes it names."""
    data = _figures()
    found = [figures for s in posting.specialties if (figures := data.specialties.get(s.slug))]
    named = {c.code: data.by_code[c.code] for c in posting.cpt_codes if c.code in data.by_code}
    own = _intensity("Codes named in this posting", named, data.ordered, examples=len(named))
    return found + ([own] if own else [])

