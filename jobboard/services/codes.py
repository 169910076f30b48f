"""CPT codes: the curated set we ship, CMS RVU and GPCI imports, and the figures code pages show.

Figures carry their lineage (file, year, release): an import or a curated load never puts
older figures over newer ones, so a later CMS file stays in force through ``codes load``,
``demo load`` and ``make run``.
"""
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select

from jobboard import reference_data
from jobboard.cms_gpci import parse_gpci_file
from jobboard.cms_rvu import RvuFormatError, RvuRow, SkippedRow, parse_rvu_file
from jobboard.extensions import db
from jobboard.models.taxonomy import (
    US_STATES,
    CptCode,
    CptModifierRvu,
    MedicareLocality,
    Specialty,
)
from jobboard.services import NotFound
from jobboard.services.data_cache import app_cache, reference_version
from jobboard.services.taxonomy import sync_taxonomy

CENT = Decimal("0.01")
CURATED_SOURCE = "cpt_codes.csv (from CMS PPRRVU23_JAN)"
CURATED_RELEASE = 1  # the January release
FIGURES = ("work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu", "mp_rvu", "nonfacility_total",
           "facility_total", "global_days", "add_on", "status", "year", "conversion_factor")

# CMS PFS status indicators in words. Only A, R and T carry a fee-schedule payment.
STATUS_WORDS = {
    "A": "Active: paid under the Medicare physician fee schedule",
    "R": "Restricted coverage: paid under the fee schedule only in special circumstances",
    "T": "Paid under the fee schedule only when no other fee-schedule service is paid the same day",
    "B": "Bundled: Medicare pays for it only as part of another service, never on its own",
    "C": "Carrier priced: each Medicare contractor sets the payment, so there is no national figure",
    "D": "Deleted code",
    "E": "Excluded from the physician fee schedule by regulation",
    "F": "Deleted code, with no grace period",
    "G": "Not valid for Medicare: another code is reported instead",
    "H": "Deleted modifier for this code",
    "I": "Not valid for Medicare: Medicare uses another code for this service",
    "J": "Anesthesia: paid by base and time units, not RVUs",
    "M": "Measurement code: reported for quality data, no payment",
    "N": "Not paid under the Medicare physician fee schedule (not covered)",
    "P": "Bundled or excluded: no separate payment under the fee schedule",
    "Q": "Therapy reporting code: no payment",
    "X": "Not in the physician fee schedule by law (paid under another Medicare schedule, "
         "such as the lab fee schedule, or not at all)",
}
PAYABLE_STATUSES = frozenset("ART")
STANDING_RULE = ("Percentile and median count the section's codes that Medicare pays under the "
                 "fee schedule (status A, R or T) with a work RVU above 0.")
GLOBAL_PERIODS = {
    "000": "a minor procedure: care on the day of the procedure is included, with no follow-up days",
    "010": "a minor procedure: the day of the procedure and 10 days of follow-up care are included",
    "090": "a major procedure: the day before, the day of and 90 days after are included",
    "XXX": "the global surgery rules do not apply to it",
    "YYY": "the Medicare contractor sets its global period",
    "ZZZ": "an add-on code: it falls within the global period of the primary procedure",
    "MMM": "a maternity code: the usual global surgery rules do not apply",
}


def status_words(code: CptCode) -> str:
    return STATUS_WORDS.get(code.status, f"CMS status {code.status}" if code.status else "No CMS status loaded")


def is_payable(code: CptCode) -> bool:
    return code.status in PAYABLE_STATUSES


def _newest_factor() -> Decimal | None:
    """The conversion factor of the newest figures we hold (what a file without one keeps)."""
    return db.session.scalar(
        select(CptCode.conversion_factor).where(CptCode.conversion_factor.is_not(None))
        .order_by(CptCode.year.desc(), CptCode.source_release.desc()).limit(1))


# --- the curated set --------------------------------------------------------------------------

def load_curated_codes() -> dict[str, int]:
    """Load the taxonomy and the shipped code set.

    Our wording (description, also-known-as) is always brought up to date; the shipped CY2023
    figures only fill codes that hold no figures, so an imported later file is never reverted.
    """
    counts = sync_taxonomy()
    existing = {c.code: c for c in db.session.scalars(select(CptCode))}
    added = updated = filled = 0
    for data in reference_data.load_codes():
        code = existing.get(data.code)
        if code is None:
            code = CptCode(code=data.code)
            db.session.add(code)
            added += 1
        else:
            updated += 1
        section, subsection = reference_data.classify(data.code) or ("", "")
        code.section, code.subsection = section, subsection
        code.description, code.also_known_as, code.curated = data.description, data.also_known_as, True
        if not code.has_figures:
            for name in FIGURES:
                setattr(code, name, getattr(data, name))
            code.source_file, code.source_release = CURATED_SOURCE, CURATED_RELEASE
            filled += 1
    db.session.commit()
    return {**counts, "codes_added": added, "codes_updated": updated, "figures_filled": filled,
            "figures_kept": added + updated - filled}


# --- CMS RVU import ----------------------------------------------------------------------------

@dataclass
class ImportSummary:
    source: str = ""
    year: int | None = None
    release: int = 0
    conversion_factor: Decimal | None = None
    factor_from: str = "file"
    added: int = 0
    updated: int = 0
    modifier_rows: int = 0
    kept_newer: list[str] = field(default_factory=list)
    kept_older: list[CptCode] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    bad_rows: list[SkippedRow] = field(default_factory=list)

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = "; ".join(f"{n} {reason}" for reason, n in self.skipped.most_common())
        text = (f"Imported CMS {self.year} file {self.source}: {self.added} added, {self.updated} updated, "
                f"{self.modifier_rows} modifier rows kept apart, {skipped} skipped"
                + (f" ({reasons})" if reasons else "") + ".")
        if self.factor_from != "file":
            text += f" Conversion factor: {self.conversion_factor or 'none'} ({self.factor_from})."
        if self.kept_newer:
            text += (f" {len(self.kept_newer)} codes already hold newer figures and keep them.")
        if self.kept_older:
            text += (f" Partial file: {len(self.kept_older)} codes we hold are not in it and keep "
                     f"their older figures.")
        return text


def _is_cpt(code: str) -> bool:
    return reference_data.normalize_code(code) == code


def _apply_row(code: CptCode, item: RvuRow) -> None:
    code.work_rvu, code.mp_rvu = item.work_rvu, item.mp_rvu
    code.nonfacility_pe_rvu, code.facility_pe_rvu = item.nonfacility_pe_rvu, item.facility_pe_rvu
    code.nonfacility_total, code.facility_total = item.nonfacility_total, item.facility_total
    code.global_days, code.add_on = item.global_days, item.global_days == "ZZZ"
    code.status = item.status


def import_rvu(path, progress=None, *, store_descriptors=False, year=None,
               conversion_factor=None) -> ImportSummary:
    """Import a CMS PFS RVU CSV of any year: global rows update codes, modifier rows stay apart.

    Codes holding figures from a newer file (year, then release) keep them; codes we hold that
    the file lacks keep theirs and are listed. Only CPT-shaped codes inside a known CPT range are
    kept. ``conversion_factor`` overrides the file's; a file without one keeps the current factor.
    ``store_descriptors`` keeps the file's AMA short descriptors: only for licensed operators.
    :raise RvuFormatError: unreadable file, or no year in the file and none given.
    """
    parsed = parse_rvu_file(path, year=year)
    if parsed.year is None:
        raise RvuFormatError("the file does not say its year (no title line, no CMS file name): "
                             "give it with --year")
    factor, factor_from = parsed.conversion_factor, "file"
    if conversion_factor is not None:
        factor, factor_from = Decimal(str(conversion_factor)), "given"
    elif factor is None:
        factor, factor_from = _newest_factor(), "kept: the file has none"
    vintage = (parsed.year, parsed.release)
    summary = ImportSummary(source=Path(getattr(path, "name", None) or str(path)).name[:255],  # the column's width
                            year=parsed.year, release=parsed.release, conversion_factor=factor,
                            factor_from=factor_from, bad_rows=parsed.skipped_non_blank)
    if summary.bad_rows:
        summary.skipped["bad rows"] = len(summary.bad_rows)
    existing = {c.code: c for c in db.session.scalars(select(CptCode))}
    in_file: set[str] = set()
    modifier_rows: list[RvuRow] = []
    for item in parsed.rows:
        if progress:
            progress(1)
        if not _is_cpt(item.code):
            summary.skipped["HCPCS Level II codes (not CPT)"] += 1
            continue
        classified = reference_data.classify(item.code)
        if classified is None:
            summary.skipped["codes outside the known CPT ranges"] += 1
            continue
        if item.modifier:
            modifier_rows.append(item)
            continue
        in_file.add(item.code)
        code = existing.get(item.code)
        if code is None:
            code = existing[item.code] = CptCode(code=item.code)
            db.session.add(code)
            summary.added += 1
        elif code.has_figures and code.vintage > vintage:
            summary.kept_newer.append(code.code)
            continue
        else:
            summary.updated += 1
        code.section, code.subsection = classified
        _apply_row(code, item)
        if factor_from == "file":
            code.conversion_factor = item.conversion_factor or factor
        elif factor_from == "given" or code.conversion_factor is None:
            code.conversion_factor = factor
        code.year, code.source_release, code.source_file = parsed.year, parsed.release, summary.source
        if store_descriptors:
            code.licensed_descriptor = item.description
    summary.kept_older = sorted((c for c in existing.values() if c.code not in in_file and c.has_figures
                                 and c.vintage < vintage), key=lambda c: c.code)
    db.session.flush()
    kept = set(summary.kept_newer)
    known_modifiers = {(m.cpt_code_id, m.modifier): m for m in db.session.scalars(select(CptModifierRvu))}
    for item in modifier_rows:
        code = existing.get(item.code)
        if code is None:
            summary.skipped["modifier rows without a global row"] += 1
            continue
        if item.code in kept:
            continue
        row = known_modifiers.get((code.id, item.modifier))
        if row is None:
            row = known_modifiers[(code.id, item.modifier)] = CptModifierRvu(
                cpt_code_id=code.id, modifier=item.modifier)
            db.session.add(row)
        row.work_rvu, row.year = item.work_rvu, summary.year
        row.nonfacility_total, row.facility_total = item.nonfacility_total, item.facility_total
        summary.modifier_rows += 1
    db.session.commit()
    return summary


# --- CMS GPCI import ---------------------------------------------------------------------------

@dataclass
class GpciSummary:
    year: int | None = None
    localities: int = 0
    with_counties: int = 0
    unmatched: list[str] = field(default_factory=list)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)

    def line(self) -> str:
        parts = []
        if self.localities:
            parts.append(f"{self.localities} localities with {self.year or 'undated'} GPCIs")
        if self.with_counties:
            parts.append(f"counties listed for {self.with_counties} localities")
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} crosswalk localities not in any GPCI file: "
                         + ", ".join(self.unmatched))
        return "Imported " + ("; ".join(parts) or "nothing") + "."


def import_gpci(paths) -> GpciSummary:
    """Import CMS GPCI files and locality-to-county crosswalks (told apart by their columns).

    GPCI rows update localities by MAC + locality number; crosswalk rows then list counties on
    the localities held. :raise GpciFormatError: a file that is neither.
    """
    files = [(Path(str(p)).name, parse_gpci_file(p)) for p in paths]
    summary = GpciSummary()
    held = {(loc.mac, loc.locality): loc for loc in db.session.scalars(select(MedicareLocality))}
    for name, parsed in files:
        summary.skipped += [(name, line, reason) for line, reason in parsed.skipped
                            if reason != "not a locality row"]
        if parsed.kind != "gpci":
            continue
        summary.year = parsed.year
        for row in parsed.gpci_rows:
            locality = held.get((row.mac, row.locality))
            if locality is None:
                locality = held[(row.mac, row.locality)] = MedicareLocality(mac=row.mac, locality=row.locality)
                db.session.add(locality)
            locality.state, locality.name = row.state, row.name.rstrip("*").strip()
            locality.work_gpci, locality.pe_gpci, locality.mp_gpci = row.work_gpci, row.pe_gpci, row.mp_gpci
            locality.year = parsed.year
            summary.localities += 1
    counties: dict[tuple[str, str], list[str]] = {}
    for _, parsed in files:
        for county in parsed.county_rows:
            counties.setdefault((county.mac, county.locality), []).append(
                county.counties if county.counties.upper() != "ALL COUNTIES"
                else f"all counties ({county.state_name})")
    for key, names in counties.items():
        if key in held:
            held[key].counties = "; ".join(names)
            summary.with_counties += 1
        else:
            summary.unmatched.append("-".join(key))
    db.session.commit()
    return summary


def localities_by_state() -> list[tuple[str, list[MedicareLocality]]]:
    """Localities grouped under their state's name, for the picker."""
    groups: dict[str, list[MedicareLocality]] = {}
    for locality in db.session.scalars(select(MedicareLocality).order_by(
            MedicareLocality.state, MedicareLocality.name)):
        groups.setdefault(US_STATES.get(locality.state, locality.state), []).append(locality)
    return sorted(groups.items())


def get_locality(key: str) -> MedicareLocality:
    """:raise NotFound: a key that is not ``MAC-LL`` or names no imported locality."""
    mac, _, number = (key or "").partition("-")
    found = None
    if mac.isdigit() and number.isdigit() and len(mac) <= 5 and len(number) <= 2:
        found = db.session.scalar(select(MedicareLocality).where(
            MedicareLocality.mac == mac.zfill(5), MedicareLocality.locality == number.zfill(2)))
    if found is None:
        raise NotFound(f"No Medicare locality {key[:20]!r}: pick one from the list "
                       "(MAC and locality number, such as 13202-01).", field="locality")
    return found


# --- what code pages show ---------------------------------------------------------------------

def get_code(code: str) -> CptCode:
    found = db.session.scalar(select(CptCode).where(CptCode.code == code))
    if found is None:
        raise NotFound(f"We have no reference page for {code}.")
    return found


def nearest_codes(code: str, limit: int = 6) -> list[CptCode]:
    """Loaded codes closest to ``code`` (for the not-found page)."""
    before = db.session.scalars(
        select(CptCode).where(CptCode.code < code).order_by(CptCode.code.desc()).limit(limit // 2)
    ).all()
    after = db.session.scalars(
        select(CptCode).where(CptCode.code > code).order_by(CptCode.code).limit(limit // 2)
    ).all()
    return list(reversed(before)) + list(after)


def neighbours(code: CptCode, limit: int = 3) -> tuple[list[CptCode], list[CptCode]]:
    same_section = CptCode.section == code.section
    before = db.session.scalars(select(CptCode).where(same_section, CptCode.code < code.code)
                                .order_by(CptCode.code.desc()).limit(limit)).all()
    after = db.session.scalars(select(CptCode).where(same_section, CptCode.code > code.code)
                               .order_by(CptCode.code).limit(limit)).all()
    return list(reversed(before)), list(after)


def conversion_factor(code: CptCode) -> tuple[Decimal | None, int | None]:
    """The conversion factor and year to price with: configuration first, else the code's."""
    config = current_app.config
    factor = config.get("CMS_CONVERSION_FACTOR")
    factor = Decimal(str(factor)) if factor else code.conversion_factor
    return factor, config.get("CMS_YEAR") or code.year


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Payment:
    """What Medicare pays for a code in one place; None where nothing applies (NA or not paid)."""

    nonfacility: Decimal | None
    facility: Decimal | None


def national_payment(code: CptCode, factor: Decimal | None) -> Payment | None:
    """Total RVU × conversion factor, per setting; None when the code is not paid under the
    fee schedule, a setting is None where the file marks its practice expense NA."""
    if not is_payable(code) or factor is None:
        return None
    return Payment(_setting_payment(code.nonfacility_total, code.nonfacility_pe_rvu, factor),
                   _setting_payment(code.facility_total, code.facility_pe_rvu, factor))


def _setting_payment(total: Decimal | None, pe_rvu: Decimal | None, factor: Decimal) -> Decimal | None:
    """Total RVU × conversion factor in cents; None where the file marks the practice expense NA."""
    return _cents(total * factor) if pe_rvu is not None and total is not None else None


def locality_payment(code: CptCode, locality: MedicareLocality, factor: Decimal | None) -> Payment | None:
    """(work RVU × work GPCI + PE RVU × PE GPCI + MP RVU × MP GPCI) × conversion factor."""
    if not is_payable(code) or factor is None:
        return None

    def priced(pe_rvu):
        if pe_rvu is None or code.work_rvu is None or code.mp_rvu is None:
            return None
        return _cents((code.work_rvu * locality.work_gpci + pe_rvu * locality.pe_gpci
                       + code.mp_rvu * locality.mp_gpci) * factor)

    return Payment(priced(code.nonfacility_pe_rvu), priced(code.facility_pe_rvu))


@dataclass(frozen=True)
class Bin:
    low: Decimal
    high: Decimal | None  # None: the open-ended last bin
    count: int


@dataclass(frozen=True)
class Standing:
    """A code's place among its section's payable codes with work RVU > 0 (``STANDING_RULE``)."""

    percentile: float | None  # None: the rule does not apply to this code
    median: Decimal | None
    count: int
    bins: list[Bin]
    code_bin: int | None


@dataclass(frozen=True)
class Distribution:
    """A section's sorted work RVUs (payable codes, work RVU > 0) with its median and histogram."""

    values: tuple[Decimal, ...]
    median: Decimal | None
    width: Decimal | None
    bins: list[Bin]


def _nice_width(span: Decimal, bins: int = 10) -> Decimal:
    """A round bin width (1, 2, 2.5 or 5 × a power of ten) giving about ``bins`` bins."""
    raw = span / bins
    scale = Decimal(10) ** (raw.adjusted())
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
        if step * scale >= raw:
            return step * scale
    return 10 * scale


def _distribution(values: tuple[Decimal, ...]) -> Distribution:
    n = len(values)
    if not n:
        return Distribution(values, None, None, [])
    middle = values[(n - 1) // 2: n // 2 + 1]
    top = values[min(n - 1, int(n * 0.95))]  # bars up to the 95th percentile, the rest in one
    width = _nice_width(top)
    edges = int(top // width) + 1
    counts = [0] * (edges + 1)
    for value in values:
        counts[min(int(value // width), edges)] += 1
    bins = [Bin(i * width, (i + 1) * width, counts[i]) for i in range(edges)]
    if counts[edges]:
        bins.append(Bin(edges * width, None, counts[edges]))
    return Distribution(values, _cents(sum(middle, Decimal(0)) / len(middle)), width, bins)


def section_distribution(section: str) -> Distribution:
    """The section's work-RVU distribution, kept per process for one version of the reference
    data: reading and binning thousands of rows per page view would cost more than the page."""
    def compute() -> Distribution:
        return _distribution(tuple(db.session.scalars(
            select(CptCode.work_rvu).where(CptCode.section == section, CptCode.work_rvu > 0,
                                           CptCode.status.in_(PAYABLE_STATUSES))
            .order_by(CptCode.work_rvu))))

    return app_cache("code_sections").get(section, reference_version(), compute)


def work_rvu_standing(code: CptCode) -> Standing:
    """Percentile (mid-rank: share below plus half of the equal ones), median and histogram of
    the section's work RVUs; the percentile is None for codes outside ``STANDING_RULE``."""
    found = section_distribution(code.section)
    n = len(found.values)
    if not n or found.width is None:  # the width is None only for a section without values
        return Standing(None, None, 0, [], None)
    if not (is_payable(code) and code.work_rvu is not None and code.work_rvu > 0):
        return Standing(None, found.median, n, found.bins, None)
    below = bisect_left(found.values, code.work_rvu)
    same = bisect_right(found.values, code.work_rvu) - below
    code_bin = min(int(code.work_rvu // found.width), len(found.bins) - 1)
    return Standing(round(100 * (below + same / 2) / n, 1), found.median, n, found.bins, code_bin)


def specialties_for_code(code: str) -> Sequence[Specialty]:
    slugs = reference_data.specialty_slugs_for_code(code)
    if not slugs:
        return []
    return db.session.scalars(
        select(Specialty).where(Specialty.slug.in_(slugs)).order_by(Specialty.position)).all()


def faq(code: CptCode, facts: dict) -> list[tuple[str, str]]:
    """Questions coders ask about a code, answered from its figures (our wording)."""
    c, year = code.code, facts["year"]
    standing: Standing = facts["standing"]
    answers = []
    if standing.percentile is not None:
        answers.append((f"What is the work RVU of CPT {c}?",
                        f"{code.work_rvu} work RVUs in the {year} Medicare physician fee schedule: the part of "
                        f"its value for the practitioner's time, skill and effort. That is the "
                        f"{standing.percentile} percentile of payable {code.section} codes "
                        f"(section median {standing.median})."))
    elif code.work_rvu is not None:
        answers.append((f"What is the work RVU of CPT {c}?",
                        f"The {year} file gives it {code.work_rvu} work RVUs. {status_words(code)}, "
                        f"so it is not ranked against payable codes."))
    national = facts["payment"]
    if national is None:
        answers.append((f"What does Medicare pay for CPT {c}?",
                        f"{status_words(code)}. No national fee-schedule payment applies."))
    else:
        parts = [f"${amount:,} {where}" for amount, where in (
            (national.nonfacility, "in an office (non-facility)"), (national.facility, "in a facility"))
            if amount is not None]
        text = (f"About {' and '.join(parts)} nationally, at the {year} conversion factor of "
                f"${facts['factor']}, before geographic adjustment.")
        local, locality = facts.get("local"), facts.get("locality")
        if local is not None and locality is not None:
            local_parts = [f"${amount:,} {where}" for amount, where in (
                (local.nonfacility, "non-facility"), (local.facility, "facility")) if amount is not None]
            text += f" In {locality.name.title()} ({locality.key}): {' and '.join(local_parts)}."
        answers.append((f"What does Medicare pay for CPT {c}?", text))
    names = [s.name for s in facts["specialties"]]
    answers.append((f"Which specialties use CPT {c}?",
                    f"Coders in {', '.join(names)} report it." if names
                    else "None of our specialty tags covers it; jobs may still list it by number."))
    answers.append((f"Is CPT {c} an add-on code?",
                    "Yes: it is reported only together with a primary procedure, never on its own."
                    if code.add_on else "No: it can be reported on its own."))
    if code.global_days in GLOBAL_PERIODS:
        answers.append((f"What does the global period {code.global_days} of CPT {c} mean?",
                        f"It marks {GLOBAL_PERIODS[code.global_days]}."))
    return answers


def faq_json_ld(answers: list[tuple[str, str]]) -> str:
    """schema.org FAQPage for the answers, escaped to sit inside a script element."""
    data = {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": question,
         "acceptedAnswer": {"@type": "Answer", "text": answer}} for question, answer in answers]}
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


# --- finding codes -----------------------------------------------------------------------------

SECTION_PAGE_SIZE = 100


def exact_code(text: str) -> str | None:
    """The code typed in the box when the box holds one well-formed code, else None."""
    return reference_data.normalize_code((text or "").strip())


def search_codes(text: str, limit: int = 100) -> Sequence[CptCode]:
    """Codes by number prefix, or holding every word in our description, also-known-as phrases,
    section or subsection names, or the AMA descriptor where a licensed operator stored it."""
    text = (text or "").strip()
    if not text:
        return []
    normalized = text.upper().replace(" ", "")
    if normalized[:4].isdigit():
        return db.session.scalars(select(CptCode).where(CptCode.code.startswith(normalized))
                                  .order_by(CptCode.code).limit(limit)).all()
    fields = [CptCode.description, CptCode.also_known_as, CptCode.section, CptCode.subsection,
              func.coalesce(CptCode.licensed_descriptor, "")]
    words = [w for w in text.lower().split() if len(w) > 1][:6]
    query = select(CptCode)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(*(func.lower(f).like(f"%{escaped}%", escape="\\") for f in fields)))
    return db.session.scalars(query.order_by(CptCode.curated.desc(), CptCode.code).limit(limit)).all()


def sections_with_counts() -> Sequence[tuple[str, int]]:
    return db.session.execute(
        select(CptCode.section, func.count(CptCode.id)).group_by(CptCode.section)
        .order_by(func.min(CptCode.code))
    ).tuples().all()


@dataclass(frozen=True)
class SectionPage:
    section: str
    subsection: str
    subsections: list[tuple[str, int]]
    codes: Sequence[CptCode]
    page: int
    pages: int
    total: int


def section_page(section: str, subsection: str = "", page: int = 1) -> SectionPage:
    """One page (``SECTION_PAGE_SIZE`` codes) of a section, or of one subsection of it, with the
    subsections for navigation. :raise NotFound: no codes in that section."""
    subsections = db.session.execute(
        select(CptCode.subsection, func.count(CptCode.id)).where(CptCode.section == section)
        .group_by(CptCode.subsection).order_by(func.min(CptCode.code))).all()
    if not subsections:
        raise NotFound(f"No codes in a section called {section[:60]!r}.")
    query = select(CptCode).where(CptCode.section == section)
    if subsection:
        query = query.where(CptCode.subsection == subsection)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // SECTION_PAGE_SIZE))
    page = min(max(page, 1), pages)
    codes = db.session.scalars(query.order_by(CptCode.code).offset((page - 1) * SECTION_PAGE_SIZE)
                               .limit(SECTION_PAGE_SIZE)).all()
    return SectionPage(section, subsection, [tuple(s) for s in subsections], codes, page, pages, total)
