"""CPT codes: the curated set we ship, CMS RVU imports, and the figures code pages show."""
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, or_, select

from jobboard import reference_data
from jobboard.cms_rvu import RvuRow, SkippedRow, parse_rvu_file
from jobboard.extensions import db
from jobboard.models.posting import Posting, with_tags
from jobboard.models.taxonomy import CptCode, CptModifierRvu, Specialty
from jobboard.services import NotFound
from jobboard.services.taxonomy import sync_taxonomy

CENT = Decimal("0.01")


def load_curated_codes() -> dict[str, int]:
    """Load the taxonomy and the shipped code set; existing rows are updated, never duplicated."""
    counts = sync_taxonomy()
    existing = {c.code: c for c in db.session.scalars(select(CptCode))}
    added = updated = 0
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
        code.description, code.curated = data.description, True
        for name in ("work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu", "mp_rvu",
                     "nonfacility_total", "facility_total", "global_days", "add_on", "year",
                     "conversion_factor"):
            setattr(code, name, getattr(data, name))
    db.session.commit()
    return {**counts, "codes_added": added, "codes_updated": updated}


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    modifier_rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    bad_rows: list[SkippedRow] = field(default_factory=list)
    year: int | None = None
    conversion_factor: Decimal | None = None

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = "; ".join(f"{n} {reason}" for reason, n in self.skipped.most_common())
        return (f"Imported CMS {self.year or 'RVU'} file: {self.added} added, {self.updated} updated, "
                f"{self.modifier_rows} modifier rows kept apart, {skipped} skipped"
                + (f" ({reasons})" if reasons else "") + ".")


def _is_cpt(code: str) -> bool:
    return reference_data.normalize_code(code) == code


def import_rvu(path, progress=None, store_descriptors=True) -> ImportSummary:
    """Import a CMS PFS RVU CSV of any year: global rows update codes, modifier rows stay apart.

    Only CPT-shaped codes inside a known CPT range are kept (HCPCS Level II rows are skipped
    with that reason). ``store_descriptors`` keeps the file's AMA short descriptor in
    ``licensed_descriptor``: the operator who imports the file holds its licence.
    """
    parsed = parse_rvu_file(path)
    summary = ImportSummary(year=parsed.year, conversion_factor=parsed.conversion_factor,
                            bad_rows=parsed.skipped_non_blank)
    if summary.bad_rows:
        summary.skipped["bad rows"] = len(summary.bad_rows)
    existing = {c.code: c for c in db.session.scalars(select(CptCode))}
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
        code = existing.get(item.code)
        if code is None:
            code = existing[item.code] = CptCode(code=item.code)
            db.session.add(code)
            summary.added += 1
        else:
            summary.updated += 1
        code.section, code.subsection = classified
        code.work_rvu, code.mp_rvu = item.work_rvu, item.mp_rvu
        code.nonfacility_pe_rvu, code.facility_pe_rvu = item.nonfacility_pe_rvu, item.facility_pe_rvu
        code.nonfacility_total, code.facility_total = item.nonfacility_total, item.facility_total
        code.global_days, code.add_on = item.global_days, item.global_days == "ZZZ"
        code.status = item.status
        code.conversion_factor = item.conversion_factor or parsed.conversion_factor
        code.year = summary.year
        if store_descriptors:
            code.licensed_descriptor = item.description
    db.session.flush()
    known_modifiers = {(m.cpt_code_id, m.modifier): m for m in db.session.scalars(select(CptModifierRvu))}
    for item in modifier_rows:
        code = existing.get(item.code)
        if code is None:
            summary.skipped["modifier rows without a global row"] += 1
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


def payment(total: Decimal | None, factor: Decimal | None) -> Decimal | None:
    if total is None or factor is None:
        return None
    return (total * factor).quantize(CENT)


def work_rvu_standing(code: CptCode) -> tuple[float | None, Decimal | None]:
    """The code's work-RVU percentile and the median work RVU within its section.

    Percentile = share of the section's loaded codes with a lower work RVU, plus half of
    those with the same value (the usual mid-rank definition).
    """
    in_section = select(CptCode.work_rvu).where(
        CptCode.section == code.section, CptCode.work_rvu.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(in_section.subquery()))
    if not total or code.work_rvu is None:
        return None, None
    below = db.session.scalar(select(func.count()).select_from(
        in_section.where(CptCode.work_rvu < code.work_rvu).subquery()))
    same = db.session.scalar(select(func.count()).select_from(
        in_section.where(CptCode.work_rvu == code.work_rvu).subquery()))
    ordered = in_section.order_by(CptCode.work_rvu)
    middle = db.session.scalars(ordered.offset((total - 1) // 2).limit(2 - total % 2)).all()
    median = (sum(middle) / len(middle)).quantize(CENT)
    return round(100 * (below + same / 2) / total, 1), median


def specialties_for_code(code: str) -> list[Specialty]:
    slugs = reference_data.specialty_slugs_for_code(code)
    if not slugs:
        return []
    return db.session.scalars(
        select(Specialty).where(Specialty.slug.in_(slugs)).order_by(Specialty.position)).all()


def open_jobs_for_code(code: CptCode, limit: int = 20) -> tuple[list[Posting], int]:
    """Visible postings tagged with the code, or with a specialty whose ranges hold it."""
    slugs = reference_data.specialty_slugs_for_code(code.code)
    needs = or_(Posting.cpt_codes.any(CptCode.id == code.id),
                Posting.specialties.any(Specialty.slug.in_(slugs)))
    query = Posting.visible().where(needs)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    jobs = db.session.scalars(with_tags(query.order_by(Posting.published_at.desc(), Posting.id.desc())
                                        .limit(limit))).all()
    return jobs, count


def search_codes(text: str, limit: int = 50) -> list[CptCode]:
    """Codes by number prefix, or by every word appearing in our description."""
    text = (text or "").strip()
    if not text:
        return []
    normalized = text.upper().replace(" ", "")
    if normalized[:4].isdigit():
        return db.session.scalars(select(CptCode).where(CptCode.code.startswith(normalized))
                                  .order_by(CptCode.code).limit(limit)).all()
    words = [w for w in text.lower().split() if len(w) > 1][:6]
    query = select(CptCode)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(CptCode.description).like(f"%{escaped}%", escape="\\"))
    return db.session.scalars(query.order_by(CptCode.code).limit(limit)).all()


def sections_with_counts() -> list[tuple[str, int]]:
    return db.session.execute(
        select(CptCode.section, func.count(CptCode.id)).group_by(CptCode.section)
        .order_by(func.min(CptCode.code))
    ).all()


def codes_in_section(section: str) -> list[CptCode]:
    return db.session.scalars(select(CptCode).where(CptCode.section == section)
                              .order_by(CptCode.code)).all()
