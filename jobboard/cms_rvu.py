"""Parser for the CMS National Physician Fee Schedule Relative Value (PFS RVU) CSV file.

CMS publishes the file every year (``PPRRVU23_JAN.csv`` and so on) with a preamble of
title and copyright lines, a header split over several rows ("WORK" above "RVU",
"NON-FAC" above "PE RVU") and columns that move between years. This module finds columns
by their joined header names, never by position, and reads values that spreadsheets have
reformatted (``0.4`` for ``0.40``, ``90`` for global ``090``, ``100`` for code ``00100``).

It is pure standard library on purpose: the caller decides how rows reach the database.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

__all__ = [
    "RvuFormatError",
    "RvuRow",
    "SkippedRow",
    "RvuParseResult",
    "read_rvu_file",
    "parse_rvu_file",
    "detect_delimiter",
    "detect_release",
    "detect_year",
    "count_data_lines",
]

Source = str | os.PathLike | IO[str] | IO[bytes]

MAX_HEADER_SEARCH_ROWS = 60
GLOBAL_DAYS_LETTERS = frozenset({"XXX", "YYY", "ZZZ", "MMM"})
_STRICT_ENCODINGS = ("utf-8-sig", "cp1252")
_CODE_RE = re.compile(r"[A-Z0-9]{5}")

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "hcpcs": ("HCPCS", "HCPCS CODE", "CPT/HCPCS", "CPT/HCPCS CODE"),
    "modifier": ("MOD", "MODIFIER"),
    "description": ("DESCRIPTION", "SHORT DESCRIPTION", "DESCRIPTOR"),
    "status": ("STATUS CODE", "STATUS", "STAT CODE"),
    "work_rvu": ("WORK RVU", "WORK RVUS", "WORK"),
    "nonfacility_pe_rvu": (
        "NON-FAC PE RVU", "NON-FACILITY PE RVU", "NON FAC PE RVU", "NONFAC PE RVU",
        "NON-FAC PE RVUS", "NON-FACILITY PE RVUS",
    ),
    "facility_pe_rvu": ("FACILITY PE RVU", "FAC PE RVU", "FACILITY PE RVUS"),
    "mp_rvu": ("MP RVU", "MP RVUS", "MALPRACTICE RVU", "MP"),
    "nonfacility_total": (
        "NON-FACILITY TOTAL", "NON-FAC TOTAL", "NON FACILITY TOTAL", "NONFACILITY TOTAL",
        "TOTAL NON-FACILITY RVUS", "NON-FACILITY TOTAL RVU", "NON-FACILITY TOTAL RVUS",
    ),
    "facility_total": (
        "FACILITY TOTAL", "FAC TOTAL", "TOTAL FACILITY RVUS", "FACILITY TOTAL RVU",
        "FACILITY TOTAL RVUS",
    ),
    "global_days": ("GLOB DAYS", "GLOBAL DAYS", "GLOBAL", "GLOBAL PERIOD"),
    "conversion_factor": ("CONV FACTOR", "CONVERSION FACTOR", "CF"),
    "nonfacility_na": (
        "NON-FAC NA INDICATOR", "NON-FACILITY NA INDICATOR", "NON FAC NA INDICATOR",
        "NONFAC NA INDICATOR",
    ),
    "facility_na": ("FACILITY NA INDICATOR", "FAC NA INDICATOR"),
}
REQUIRED_COLUMNS = (
    "hcpcs", "modifier", "status", "work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu",
    "mp_rvu", "nonfacility_total", "facility_total", "global_days",
)
COLUMN_LABELS = {
    "hcpcs": "HCPCS", "modifier": "MOD", "description": "DESCRIPTION",
    "status": "STATUS CODE", "work_rvu": "WORK RVU", "nonfacility_pe_rvu": "NON-FAC PE RVU",
    "facility_pe_rvu": "FACILITY PE RVU", "mp_rvu": "MP RVU",
    "nonfacility_total": "NON-FACILITY TOTAL", "facility_total": "FACILITY TOTAL",
    "global_days": "GLOB DAYS", "conversion_factor": "CONV FACTOR",
    "nonfacility_na": "NON-FAC NA INDICATOR", "facility_na": "FACILITY NA INDICATOR",
}


def _normalise_name(text: str) -> str:
    """Upper-case a header name and collapse runs of whitespace to single spaces."""
    return " ".join(text.upper().split())


_ALIAS_TO_FIELD = {
    _normalise_name(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases
}


class RvuFormatError(ValueError):
    """The file is not a PFS RVU file this parser can read (no header, missing column)."""


@dataclass(frozen=True)
class RvuRow:
    """One data row: a code's global row (modifier "") or one of its 26/TC/53 rows.

    Numbers keep at least two decimals ("0.4" reads as 0.40). Empty RVU and total cells
    read as ``Decimal("0.00")``, as CMS prints 0.00 where no value is assigned; PE RVUs are
    ``None`` when the file flags that setting "NA" (its PE cell then holds a copy, not a value);
    an empty conversion factor is ``None`` and empty global days are ``""``.
    """

    line: int
    code: str
    modifier: str
    description: str
    status: str
    work_rvu: Decimal
    nonfacility_pe_rvu: Decimal | None
    facility_pe_rvu: Decimal | None
    mp_rvu: Decimal
    nonfacility_total: Decimal
    facility_total: Decimal
    global_days: str
    conversion_factor: Decimal | None

    @property
    def is_global(self) -> bool:
        """True for the code's global (unmodified) row."""
        return self.modifier == ""


@dataclass(frozen=True)
class SkippedRow:
    """A data line that gave no RvuRow; ``is_blank`` marks empty/comma-only lines."""

    line: int
    reason: str
    is_blank: bool = False


@dataclass(frozen=True)
class RvuParseResult:
    """Everything :func:`parse_rvu_file` read: rows, skipped lines and file facts.

    ``conversion_factor`` is the value most rows carry (CMS repeats it on every row);
    ``columns`` maps each recognised field to the joined header name it was found under.
    """

    rows: list[RvuRow]
    skipped: list[SkippedRow]
    year: int | None
    conversion_factor: Decimal | None
    columns: dict[str, str] = field(default_factory=dict)
    release: int = 0

    @property
    def skipped_non_blank(self) -> list[SkippedRow]:
        """Skipped lines that held something, i.e. the ones worth showing to a person."""
        return [s for s in self.skipped if not s.is_blank]


@dataclass(frozen=True)
class _Header:
    """Which column index holds each field, its joined header name, and the preamble text."""

    indexes: dict[str, int]
    names: dict[str, str]
    preamble_text: str


class _BadValue(ValueError):
    """A cell could not be read; the message becomes the SkippedRow reason."""


def read_text(source: Source) -> tuple[str, str | None]:
    """Return the file's text and its name, decoding bytes as UTF-8 (BOM or not), else
    Windows-1252, else Latin-1, since CMS files have been published in each."""
    if isinstance(source, (str, os.PathLike)):
        data: bytes | str = Path(source).read_bytes()
        name: str | None = os.fspath(source)
    else:
        data = source.read()
        name = getattr(source, "name", None)
        name = name if isinstance(name, str) else None
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), name
    for encoding in _STRICT_ENCODINGS:
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), name


_STRIP_CHARS = "".join(chr(c) for c in range(32)) + " \x7f\xa0\ufeff"
"""Whitespace and control characters, e.g. the DOS end-of-file Ctrl-Z CMS files end with."""


class _Unreadable(str):
    """A record the CSV reader refused (an over-long field, say): its reason, in place of cells."""


DELIMITERS = (",", ";", "\t")


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the column-name row (the one naming HCPCS)
    into the most cells; spreadsheets in some locales save "CSV" with semicolons or tabs."""
    for line in text.splitlines()[:MAX_HEADER_SEARCH_ROWS]:
        if "HCPCS" in line.upper():
            return max(DELIMITERS, key=line.count)
    return ","


def _records(text: str) -> Iterator[tuple[int, list[str] | _Unreadable]]:
    """Yield (1-based first line number, stripped cells) for every CSV record in ``text``.

    A record the reader cannot take (a field over ``csv.field_size_limit``) comes out as an
    ``_Unreadable`` reason instead of cells, and reading goes on with the next line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, _Unreadable(f"unreadable row: {exc}")
        else:
            yield start, [c.strip(_STRIP_CHARS) for c in cells]
        start = reader.line_num + 1


def _non_blank(cells: list[str]) -> list[str]:
    """The cells that hold text (cells arrive already stripped)."""
    return [c for c in cells if c]


def _is_preamble(cells: list[str]) -> bool:
    """A title/copyright/release line: one cell of prose (lower case, digits or long).

    Upper header rows hold short upper-case words such as "NON-FAC" or "WORK".
    """
    filled = _non_blank(cells)
    if len(filled) != 1:
        return False
    text = filled[0]
    return len(text) > 24 or any(ch.islower() or ch.isdigit() for ch in text)


def _read_header(records: Iterator[tuple[int, list[str] | _Unreadable]]) -> _Header:
    """Consume records up to the column-name row and map fields to column indexes.

    The column-name row is the first row with a cell reading "HCPCS" (or an alias). Each
    column's full name joins that column's cells from the rows between the last preamble
    line and the column-name row, so "NON-FAC" above "PE RVU" becomes "NON-FAC PE RVU".
    """
    above: list[list[str]] = []
    hcpcs_aliases = {_normalise_name(a) for a in COLUMN_ALIASES["hcpcs"]}
    for line, cells in records:
        if isinstance(cells, _Unreadable):
            raise RvuFormatError(f"line {line}: {cells}")
        if any(_normalise_name(c) in hcpcs_aliases for c in cells):
            return _map_columns(cells, above)
        above.append(cells)
        if len(above) >= MAX_HEADER_SEARCH_ROWS:
            break
    raise RvuFormatError("no header row with an HCPCS column found")


_SELF_NAMED = frozenset({"hcpcs", "modifier", "description"})
"""Fields whose column-name cell is enough on its own, whatever sits above it."""


def _map_columns(names_row: list[str], above: list[list[str]]) -> _Header:
    """Build joined column names from the header rows and match them against the aliases."""
    start = 0
    for i, cells in enumerate(above):
        if _is_preamble(cells):
            start = i + 1
    header_rows = above[start:] + [names_row]
    width = max(len(r) for r in header_rows)
    indexes: dict[str, int] = {}
    names: dict[str, str] = {}
    for col in range(width):
        parts = [r[col] for r in header_rows if col < len(r) and r[col]]
        full = _normalise_name(" ".join(parts))
        name = _ALIAS_TO_FIELD.get(full)
        if name is None and col < len(names_row):
            own = _ALIAS_TO_FIELD.get(_normalise_name(names_row[col]))
            name = own if own in _SELF_NAMED else None
        if name is None:
            continue
        if name in indexes:
            raise RvuFormatError(
                f"duplicate column: {COLUMN_LABELS[name]} "
                f"(columns {indexes[name] + 1} and {col + 1})"
            )
        indexes[name] = col
        names[name] = full
    missing = [COLUMN_LABELS[n] for n in REQUIRED_COLUMNS if n not in indexes]
    if missing:
        raise RvuFormatError("missing column: " + ", ".join(missing))
    preamble = "\n".join(" ".join(_non_blank(r)) for r in above if _non_blank(r))
    return _Header(indexes, names, preamble)


def _normalise_code(raw: str) -> str:
    """Upper-case a HCPCS/CPT code, restoring leading zeros a spreadsheet dropped."""
    code = raw.upper()
    if code.isdigit() and len(code) < 5:
        code = code.zfill(5)
    if not code:
        raise _BadValue("missing HCPCS code")
    if not _CODE_RE.fullmatch(code):
        raise _BadValue(f"bad HCPCS code: {raw!r}")
    return code


MAX_FIGURE = Decimal(1_000_000)
_STATUS = re.compile(r"[A-Z]{0,2}")     # CMS status indicators are one letter
_MODIFIER = re.compile(r"[0-9A-Z]{0,4}")  # 26, TC, 53...


def _decimal(raw: str, label: str, places: int) -> Decimal | None:
    """Read a number, padding to at least ``places`` decimals ("0.4" → 0.40); None if empty."""
    text = raw.replace(",", "")
    if not text:
        return None
    try:
        if not text.isascii():  # Decimal() also reads other scripts' digits
            raise InvalidOperation
        value = Decimal(text)
        # Finite, and within what the database stores (RVUs and factors are far below a million).
        if not value.is_finite() or abs(value) >= MAX_FIGURE:
            raise InvalidOperation
        exponent = value.as_tuple().exponent  # an int for every finite number
        if isinstance(exponent, int) and exponent > -places:
            value = value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise _BadValue(f"bad number in {label}: {raw!r}") from None
    return value


def _global_days(raw: str, label: str) -> str:
    """Normalise global days: "90" → "090", "0" → "000"; letter codes upper-cased."""
    text = raw.upper()
    if not text:
        return ""
    if text in GLOBAL_DAYS_LETTERS:
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _BadValue(f"bad value in {label}: {raw!r}") from None
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number < 1000:
        raise _BadValue(f"bad value in {label}: {raw!r}")
    return f"{int(number):03d}"


def _build_row(line: int, cells: list[str], header: _Header) -> RvuRow:
    """Turn one data record into an RvuRow, raising _BadValue with a readable reason."""

    def cell(name: str) -> str:
        index = header.indexes.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def label(name: str) -> str:
        return header.names.get(name) or COLUMN_LABELS[name]

    def rvu(name: str) -> Decimal:
        value = _decimal(cell(name), label(name), 2)
        return Decimal("0.00") if value is None else value

    def pe_rvu(name: str, na_name: str) -> Decimal | None:
        raw = cell(name)
        if cell(na_name).upper() == "NA" or raw.upper() == "NA":
            return None
        return rvu(name)

    code = _normalise_code(cell("hcpcs"))
    modifier, status = cell("modifier").strip().upper(), cell("status").strip().upper()
    if not _MODIFIER.fullmatch(modifier):
        raise _BadValue(f"bad value in {label('modifier')}: {modifier[:20]!r}")
    if not _STATUS.fullmatch(status):
        raise _BadValue(f"bad value in {label('status')}: {status[:20]!r}")
    return RvuRow(
        line=line,
        code=code,
        modifier=modifier,
        description=" ".join(cell("description").split()),
        status=status,
        work_rvu=rvu("work_rvu"),
        nonfacility_pe_rvu=pe_rvu("nonfacility_pe_rvu", "nonfacility_na"),
        facility_pe_rvu=pe_rvu("facility_pe_rvu", "facility_na"),
        mp_rvu=rvu("mp_rvu"),
        nonfacility_total=rvu("nonfacility_total"),
        facility_total=rvu("facility_total"),
        global_days=_global_days(cell("global_days"), label("global_days")),
        conversion_factor=_decimal(cell("conversion_factor"), label("conversion_factor"), 4),
    )


def _data_rows(
    records: Iterable[tuple[int, list[str] | _Unreadable]], header: _Header
) -> Iterator[RvuRow | SkippedRow]:
    """Yield an RvuRow per good record and a SkippedRow, with its reason, per other one."""
    for line, cells in records:
        if isinstance(cells, _Unreadable):
            yield SkippedRow(line, str(cells))
            continue
        if not _non_blank(cells):
            yield SkippedRow(line, "blank row", is_blank=True)
            continue
        try:
            yield _build_row(line, cells, header)
        except _BadValue as exc:
            yield SkippedRow(line, str(exc))


def _open(source: Source) -> tuple[_Header, Iterator[tuple[int, list[str] | _Unreadable]], str | None]:
    """Decode the source and read its header; return it with the remaining records."""
    text, name = read_text(source)
    records = _records(text)
    return _read_header(records), records, name


def read_rvu_file(
    stream_or_path: Source, *, year: int | None = None
) -> Iterator[RvuRow | SkippedRow]:
    """Read a PFS RVU CSV and return an iterator of RvuRow / SkippedRow, in file order.

    Accepts a path or an open text/binary stream. The header is read straight away, so
    RvuFormatError (no header, missing column) is raised by this call, not by iteration.
    When ``year`` is given and the file's title names another year, RvuFormatError is
    raised to stop a wrong-year import. Rows with modifiers (26, TC, 53) are separate rows.
    """
    header, records, name = _open(stream_or_path)
    _check_year(year, header, name)
    return _data_rows(records, header)


def _check_year(year: int | None, header: _Header, name: str | None) -> int | None:
    """Return the schedule year, refusing a ``year`` that the file's own title contradicts."""
    found = detect_year(name, header.preamble_text)
    if year is not None and found is not None and found != year:
        raise RvuFormatError(f"file is for {found}, expected {year}")
    return year if year is not None else found


_TITLE_YEAR_RE = re.compile(
    r"\b(?:CY\s*)?((?:19|20)\d\d)\s+National\s+Physician\s+Fee\s+Schedule", re.IGNORECASE
)
_NAME_YEAR_RE = re.compile(r"(?:PPRRVU|RVU)((?:20)?\d\d)(?!\d)", re.IGNORECASE)


def detect_year(path_or_name: str | os.PathLike | None, header_text: str | None) -> int | None:
    """Year of the fee schedule: from the title ("2023 National Physician Fee Schedule ...")
    first, else from a CMS file name such as ``PPRRVU23_JAN.csv`` or ``PPRRVU2025_Oct``."""
    match = _TITLE_YEAR_RE.search(header_text or "")
    if match:
        return int(match.group(1))
    if path_or_name:
        match = _NAME_YEAR_RE.search(Path(os.fspath(path_or_name)).name)
        if match:
            digits = match.group(1)
            return int(digits) if len(digits) == 4 else 2000 + int(digits)
    return None


_RELEASES = {"JAN": 1, "APR": 2, "JUL": 3, "OCT": 4}
_TITLE_RELEASE_RE = re.compile(r"\b(JAN|APR|JUL|OCT)[A-Z]*\s+RELEASE\b", re.IGNORECASE)
_NAME_RELEASE_RE = re.compile(r"(?:_|\b)(JAN|APR|JUL|OCT)|RVU\d\d([A-D])(?![A-Z])", re.IGNORECASE)


def detect_release(path_or_name: str | os.PathLike | None, header_text: str | None) -> int:
    """Release within the year, 1 (January) to 4 (October), from the title ("July Release")
    or the file name (``PPRRVU23_JUL``, ``RVU23C``); 0 when neither says."""
    match = _TITLE_RELEASE_RE.search(header_text or "")
    if match:
        return _RELEASES[match.group(1).upper()]
    if path_or_name:
        match = _NAME_RELEASE_RE.search(Path(os.fspath(path_or_name)).name)
        if match and match.group(1):
            return _RELEASES[match.group(1).upper()]
        if match:
            return "ABCD".index(match.group(2).upper()) + 1
    return 0


def parse_rvu_file(path: Source, *, year: int | None = None) -> RvuParseResult:
    """Read a whole PFS RVU file into lists, with its year, conversion factor and columns."""
    header, records, name = _open(path)
    found_year = _check_year(year, header, name)
    rows: list[RvuRow] = []
    skipped: list[SkippedRow] = []
    for item in _data_rows(records, header):
        if isinstance(item, RvuRow):
            rows.append(item)
        else:
            skipped.append(item)
    factors = Counter(r.conversion_factor for r in rows if r.conversion_factor is not None)
    factor = factors.most_common(1)[0][0] if factors else None
    release = detect_release(name, header.preamble_text)
    return RvuParseResult(rows, skipped, found_year, factor, dict(header.names), release)


def count_data_lines(path: Source) -> int:
    """Count non-blank records after the column-name row, to size a progress bar."""
    _, records, _ = _open(path)
    return sum(1 for _, cells in records if isinstance(cells, _Unreadable) or _non_blank(cells))
