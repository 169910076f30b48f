"""Parser for the CMS Geographic Practice Cost Index files: the GPCIs by Medicare locality
(Addendum E, ``GPCI2025.csv``) and the crosswalk of localities to counties (``25LOCCO1.csv``).

Both files carry title and footnote rows around their data and have been re-saved by
spreadsheets that drop leading zeros ("2102" for MAC 02102, "1" for locality 01): columns are
found by header name, numbers are padded back, and rows whose MAC is not a number are skipped.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from jobboard.cms_rvu import detect_delimiter, read_text

__all__ = ["GpciFormatError", "GpciRow", "CountyRow", "GpciFile", "parse_gpci_file"]

MAX_HEADER_SEARCH_ROWS = 20
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")


class GpciFormatError(ValueError):
    """Neither a GPCI file nor a locality-to-county crosswalk that this parser can read."""


@dataclass(frozen=True)
class GpciRow:
    mac: str
    locality: str
    state: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal


@dataclass(frozen=True)
class CountyRow:
    mac: str
    locality: str
    state_name: str
    area: str
    counties: str


@dataclass(frozen=True)
class GpciFile:
    """What one file held: GPCI rows (with the year) or county rows, never both."""

    kind: str  # "gpci" or "counties"
    year: int | None
    gpci_rows: list[GpciRow]
    county_rows: list[CountyRow]
    skipped: list[tuple[int, str]]


def _find(names: list[str], *needles: str) -> int | None:
    """Index of the first header cell containing every needle (upper-case), else None."""
    for index, name in enumerate(names):
        if all(needle in name for needle in needles):
            return index
    return None


def _padded(raw: str, width: int) -> str:
    text = raw.strip()
    if not text.isdigit() or len(text) > width:
        raise ValueError(f"not a number of at most {width} digits: {raw!r}")
    return text.zfill(width)


def _gpci(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(f"bad GPCI: {raw!r}") from None
    if not value.is_finite() or not 0 < value < 10:
        raise ValueError(f"bad GPCI: {raw!r}")
    return value


def parse_gpci_file(source: str | os.PathLike | IO[str] | IO[bytes]) -> GpciFile:
    """Read a GPCI file or a locality/county crosswalk (told apart by their column names)."""
    text, _ = read_text(source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    above: list[str] = []
    for cells in reader:
        names = [" ".join(c.upper().split()) for c in cells]
        if _find(names, "LOCALITY NUMBER") is not None:
            break
        above.append(" ".join(c for c in cells if c.strip()))
        if len(above) > MAX_HEADER_SEARCH_ROWS:
            raise GpciFormatError("no header row with a Locality Number column found")
    else:
        raise GpciFormatError("no header row with a Locality Number column found")
    columns = {"mac": _find(names, "CONTRACTOR"), "locality": _find(names, "LOCALITY NUMBER"),
               "state": _find(names, "STATE")}
    if _find(names, "COUNTIES") is not None:
        kind = "counties"
        columns |= {"area": _find(names, "FEE SCHEDULE AREA"), "counties": _find(names, "COUNTIES")}
    else:
        kind = "gpci"
        columns |= {"name": _find(names, "LOCALITY NAME"), "work": _find(names, "PW GPCI"),
                    "pe": _find(names, "PE GPCI"), "mp": _find(names, "MP GPCI")}
        if columns["work"] is None:
            columns["work"] = _find(names, "WORK GPCI")
    missing = [name for name, index in columns.items() if index is None]
    if missing:
        raise GpciFormatError("missing column: " + ", ".join(missing))
    found = {name: index for name, index in columns.items() if index is not None}
    in_header = _YEAR_RE.search(names[found["work"]]) if kind == "gpci" else None
    match = in_header or _YEAR_RE.search(" ".join(above))
    year = int(match.group(1)) if match else None

    gpci_rows: list[GpciRow] = []
    county_rows: list[CountyRow] = []
    skipped: list[tuple[int, str]] = []
    state = ""
    for cells in reader:
        line = reader.line_num

        def cell(name: str, cells=cells) -> str:
            index = found[name]
            return cells[index].strip() if index < len(cells) else ""

        if not cell("mac").isdigit():
            if any(c.strip() for c in cells):
                skipped.append((line, "not a locality row"))
            continue
        try:
            mac, locality = _padded(cell("mac"), 5), _padded(cell("locality"), 2)
            if kind == "gpci":
                gpci_rows.append(GpciRow(mac, locality, cell("state").upper(), cell("name"),
                                         _gpci(cell("work")), _gpci(cell("pe")), _gpci(cell("mp"))))
            else:
                state = cell("state") or state  # the crosswalk names a state once per group
                county_rows.append(CountyRow(mac, locality, " ".join(state.split()).title(),
                                             " ".join(cell("area").split()),
                                             " ".join(cell("counties").split())))
        except ValueError as exc:
            skipped.append((line, str(exc)))
    return GpciFile(kind, year, gpci_rows, county_rows, skipped)
