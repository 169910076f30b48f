"""The reference data the project ships: specialties, credentials, CPT ranges and curated codes.

Pure Python (standard library only, no Flask, no database) so that loaders, the search layer and
tests can all share it. The CSV files live in ``jobboard/data/``; see ``data/README.md`` for where
the figures come from. Code descriptions are the project's own wording, never AMA descriptors.

CPT codes are five characters: five digits (``99213``), or four digits followed by ``F``
(Category II), ``T`` (Category III) or ``U`` (Proprietary Laboratory Analyses). Numeric codes
compare as integers among numeric ranges; alphanumeric codes compare as strings among ranges with
the same suffix letter, so ``1234F`` is never inside a ``T`` or numeric range.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

CODE_RE = re.compile(r"^(?:\d{5}|\d{4}[FTU])$")
CODE_FORMATS = ("12345", "1234F", "1234T", "1234U")

Range = tuple[str, str]

__all__ = [
    "CODE_RE",
    "CODE_FORMATS",
    "DATA_DIR",
    "CodeData",
    "CredentialData",
    "SectionRange",
    "SpecialtyData",
    "classify",
    "code_sort_key",
    "get_code",
    "get_specialty",
    "in_ranges",
    "load_codes",
    "load_credentials",
    "load_sections",
    "load_specialties",
    "normalize_code",
    "parse_ranges",
    "specialty_slugs_for_code",
]


# --------------------------------------------------------------------------- code helpers

def normalize_code(text: object) -> str | None:
    """Return the canonical form of a CPT code (spaces removed, suffix upper-cased) or None.

    >>> normalize_code(" 0042t ")
    '0042T'
    >>> normalize_code("9921") is None
    True
    """
    if not isinstance(text, str):
        return None
    code = re.sub(r"\s+", "", text).upper()
    return code if CODE_RE.match(code) else None


def _kind(code: str) -> str:
    """'' for numeric codes, else the suffix letter (F, T or U)."""
    return "" if code.isdigit() else code[-1]


def code_sort_key(code: str) -> tuple[int, str, int]:
    """Sort key putting numeric codes first (by value), then F, T and U codes."""
    kind = _kind(code)
    return (0 if not kind else 1, kind, int(code[:4]) if kind else int(code))


def _width(start: str, end: str) -> int:
    if _kind(start):
        return int(end[:4]) - int(start[:4])
    return int(end) - int(start)


def _holds(start: str, end: str, code: str) -> bool:
    """Whether the (already normalized) code lies in start..end under the comparison rules."""
    kind = _kind(code)
    if kind != _kind(start) or kind != _kind(end):
        return False
    if kind:
        return start <= code <= end  # same length and suffix: string order is numeric order
    return int(start) <= int(code) <= int(end)


def parse_ranges(text: str | None) -> tuple[Range, ...]:
    """Parse ``"38100-38999;96360-96549"`` into ``(("38100", "38999"), ("96360", "96549"))``.

    Raises ValueError for a malformed pair (bad code, mixed kinds, or start after end).
    """
    ranges: list[Range] = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        pieces = part.split("-")
        if len(pieces) != 2:
            raise ValueError(f"bad CPT range {part!r}: expected START-END")
        start, end = normalize_code(pieces[0]), normalize_code(pieces[1])
        if start is None or end is None:
            formats = ", ".join(CODE_FORMATS)
            raise ValueError(f"bad CPT range {part!r}: codes must look like {formats}")
        if _kind(start) != _kind(end):
            raise ValueError(f"bad CPT range {part!r}: start and end are of different kinds")
        if code_sort_key(start) > code_sort_key(end):
            raise ValueError(f"bad CPT range {part!r}: start is after end")
        ranges.append((start, end))
    return tuple(ranges)


def in_ranges(code: str, ranges: Iterable[Range] | str) -> bool:
    """Whether ``code`` lies in any of ``ranges`` (pairs, or a ``;``-separated range string)."""
    norm = normalize_code(code)
    if norm is None:
        return False
    if isinstance(ranges, str):
        ranges = parse_ranges(ranges)
    return any(_holds(start, end, norm) for start, end in ranges)


# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class SpecialtyData:
    slug: str
    name: str
    summary: str
    description: str
    cpt_ranges: tuple[Range, ...]
    credentials: tuple[str, ...]
    synonyms: tuple[str, ...]

    def holds(self, code: str) -> bool:
        return in_ranges(code, self.cpt_ranges)


@dataclass(frozen=True)
class CredentialData:
    abbreviation: str
    name: str
    body: str
    kind: str
    focus: str


@dataclass(frozen=True)
class SectionRange:
    start: str
    end: str
    section: str
    subsection: str  # "" for a whole-section row

    @property
    def width(self) -> int:
        return _width(self.start, self.end)

    def holds(self, code: str) -> bool:
        norm = normalize_code(code)
        return norm is not None and _holds(self.start, self.end, norm)


@dataclass(frozen=True)
class CodeData:
    code: str
    description: str
    work_rvu: Decimal
    nonfacility_pe_rvu: Decimal | None  # None where the CMS file marks the setting NA
    facility_pe_rvu: Decimal | None
    mp_rvu: Decimal
    nonfacility_total: Decimal
    facility_total: Decimal
    global_days: str
    add_on: bool
    year: int
    conversion_factor: Decimal
    status: str = ""
    also_known_as: str = ""

    @property
    def nonfacility_payment(self) -> Decimal:
        """National non-facility payment estimate: total RVU x conversion factor, in dollars."""
        return (self.nonfacility_total * self.conversion_factor).quantize(Decimal("0.01"))

    @property
    def facility_payment(self) -> Decimal:
        """National facility payment estimate: total RVU x conversion factor, in dollars."""
        return (self.facility_total * self.conversion_factor).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- loaders

def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(fh)
        ]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


@cache
def _specialties() -> tuple[SpecialtyData, ...]:
    return tuple(
        SpecialtyData(
            slug=row["slug"],
            name=row["name"],
            summary=row["summary"],
            description=row["description"],
            cpt_ranges=parse_ranges(row["cpt_ranges"]),
            credentials=_split(row["credentials"]),
            synonyms=tuple(s.lower() for s in _split(row["synonyms"])),
        )
        for row in _read_csv("specialties.csv")
    )


@cache
def _credentials() -> tuple[CredentialData, ...]:
    return tuple(
        CredentialData(
            abbreviation=row["abbreviation"],
            name=row["name"],
            body=row["body"],
            kind=row["kind"],
            focus=row["focus"],
        )
        for row in _read_csv("credentials.csv")
    )


@cache
def _sections() -> tuple[SectionRange, ...]:
    sections = []
    for row in _read_csv("cpt_sections.csv"):
        ((start, end),) = parse_ranges(f"{row['start']}-{row['end']}")
        sections.append(SectionRange(start, end, row["section"], row["subsection"]))
    return tuple(sections)


def _rvu_or_na(text: str) -> Decimal | None:
    return None if text == "NA" else Decimal(text)


@cache
def _codes() -> tuple[CodeData, ...]:
    codes = []
    for row in _read_csv("cpt_codes.csv"):
        code = normalize_code(row["code"])
        if code is None:
            raise ValueError(f"cpt_codes.csv: malformed code {row['code']!r}")
        codes.append(
            CodeData(
                code=code,
                description=row["description"],
                work_rvu=Decimal(row["work_rvu"]),
                nonfacility_pe_rvu=_rvu_or_na(row["nonfacility_pe_rvu"]),
                facility_pe_rvu=_rvu_or_na(row["facility_pe_rvu"]),
                mp_rvu=Decimal(row["mp_rvu"]),
                nonfacility_total=Decimal(row["nonfacility_total"]),
                facility_total=Decimal(row["facility_total"]),
                global_days=row["global_days"],
                add_on=row["add_on"] == "1",
                year=int(row["year"]),
                conversion_factor=Decimal(row["conversion_factor"]),
                status=row["status"],
                also_known_as=row["also_known_as"],
            )
        )
    return tuple(codes)


@cache
def _code_index() -> dict[str, CodeData]:
    return {c.code: c for c in _codes()}


@cache
def _specialty_index() -> dict[str, SpecialtyData]:
    return {s.slug: s for s in _specialties()}


def load_specialties() -> list[SpecialtyData]:
    """The 25 specialties in display order."""
    return list(_specialties())


def load_credentials() -> list[CredentialData]:
    return list(_credentials())


def load_sections() -> list[SectionRange]:
    """CPT section and subsection ranges (whole-section rows have an empty subsection)."""
    return list(_sections())


def load_codes() -> list[CodeData]:
    """The curated code set with CMS figures, in code order."""
    return list(_codes())


def get_code(code: str) -> CodeData | None:
    norm = normalize_code(code)
    return _code_index().get(norm) if norm else None


def get_specialty(slug: str) -> SpecialtyData | None:
    return _specialty_index().get(slug)


# --------------------------------------------------------------------------- classification

@lru_cache(maxsize=4096)
def _classify(code: str) -> tuple[str, str] | None:
    best: tuple[tuple[int, int, int], SectionRange] | None = None
    for order, row in enumerate(_sections()):
        if not _holds(row.start, row.end, code):
            continue
        # Narrowest range first; on a tie prefer a subsection row, then the earlier row.
        rank = (row.width, 0 if row.subsection else 1, order)
        if best is None or rank < best[0]:
            best = (rank, row)
    if best is None:
        return None
    return best[1].section, best[1].subsection


def classify(code: str) -> tuple[str, str] | None:
    """``(section, subsection)`` of the narrowest known range holding ``code``.

    The subsection is ``""`` when only a whole-section row holds the code. Returns None for a
    malformed code or one outside every known range.
    """
    norm = normalize_code(code)
    return _classify(norm) if norm else None


def specialty_slugs_for_code(code: str) -> list[str]:
    """Slugs of the specialties whose CPT ranges hold ``code``, in specialty order."""
    norm = normalize_code(code)
    if norm is None:
        return []
    return [s.slug for s in _specialties() if any(_holds(a, b, norm) for a, b in s.cpt_ranges)]
