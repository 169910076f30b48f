"""Tests for the CMS PFS RVU file parser (jobboard.cms_rvu).

The fixtures are written by the tests in the CMS CY2023 layout with invented descriptions;
the real CMS file is only read in place, when it is present.
"""

import csv
import io
import time
from decimal import Decimal
from pathlib import Path

import pytest

from jobboard.cms_rvu import (
    RvuFormatError,
    RvuRow,
    SkippedRow,
    count_data_lines,
    detect_delimiter,
    detect_release,
    detect_year,
    parse_rvu_file,
    read_rvu_file,
)

REAL_FILE = Path(__file__).resolve().parents[2] / "shared/reference/cms/PPRRVU23_JAN.csv"

PREAMBLE = [
    "2023 National Physician Fee Schedule Relative Value File January Release",
    "Invented test data for the MedCode Jobs parser; not a CMS publication.",
    "Descriptions below are made up.",
    " ",
    "RELEASED 01/30/2023",
]

COLUMNS = {
    "hcpcs": ("", "", "", "", "HCPCS"),
    "mod": ("", "", "", "", "MOD"),
    "desc": ("", "", "", "", "DESCRIPTION"),
    "status": ("", "", "", "STATUS", "CODE"),
    "not_used": ("", "NOT USED", "FOR", "MEDICARE ", "PAYMENT"),
    "work": ("", "", "", "WORK", "RVU"),
    "nf_pe": ("", "", "", "NON-FAC", "PE RVU"),
    "nf_na": ("", "", "NON-FAC", "NA", "INDICATOR"),
    "f_pe": ("", "", "", "FACILITY", "PE RVU"),
    "f_na": ("", "", "FACILITY ", "NA", "INDICATOR"),
    "mp": ("", "", "", "MP", "RVU"),
    "nf_total": ("", "", "", "NON-FACILITY", "TOTAL"),
    "f_total": ("", "", "", "FACILITY", "TOTAL"),
    "pctc": ("", "", "", "PCTC", "IND"),
    "glob": ("", "", "", "GLOB", "DAYS"),
    "conv": ("", "", "", "CONV", "FACTOR"),
    "opps_nf": ("NON-FACILITY", "PE USED", "FOR OPPS", "PAYMENT", "AMOUNT"),
    "opps_f": ("FACILITY", "PE USED", "FOR OPPS", "PAYMENT", "AMOUNT"),
}

CF = "33.8872"
DATA = [
    # line 11: reformatted numbers: 0.4, " 1.3 ", global 90
    dict(hcpcs="10004", desc="Test procedure alpha", status="A", work="0.4", nf_pe=" 1.3 ",
         f_pe="0.25", mp="0.05", nf_total="1.75", f_total="0.7", pctc="0", glob="90", conv=CF),
    # lines 12-14: a global row with its TC and 26 rows
    dict(hcpcs="71000", desc="Test imaging beta", status="A", work="0.22", nf_pe="0.80",
         f_pe="0.80", f_na="NA", mp="0.02", nf_total="1.04", f_total="1.04", pctc="1",
         glob="XXX", conv=CF),
    dict(hcpcs="71000", mod="TC", desc="Test imaging beta", status="A", work="0.00",
         nf_pe="0.70", f_pe="0.70", f_na="NA", mp="0.01", nf_total="0.71", f_total="0.71",
         pctc="3", glob="XXX", conv=CF),
    dict(hcpcs="71000", mod="26", desc="Test imaging beta", status="A", work="0.22",
         nf_pe="0.10", f_pe="0.10", mp="0.01", nf_total="0.33", f_total="0.33", pctc="2",
         glob="XXX", conv=CF),
    # line 15: add-on code
    dict(hcpcs="38999", desc="Test add-on gamma", status="A", work="2.10", nf_pe="0.90",
         f_pe="0.90", mp="0.40", nf_total="3.40", f_total="3.40", pctc="0", glob="ZZZ",
         conv=CF),
    # line 16: leading zeros dropped, lower-case global days
    dict(hcpcs="100", desc="Test anesthesia delta", status="J", work="0.00", nf_pe="0.00",
         f_pe="0.00", mp="0.00", nf_total="0.00", f_total="0.00", pctc="9", glob="xxx",
         conv=CF),
    # line 17: lower-case Category III code, non-facility NA, global 0
    dict(hcpcs="0042t", desc="Test emerging epsilon", status="C", work="1.00", nf_pe="2.00",
         nf_na="NA", f_pe="0.50", mp="0.10", nf_total="1.60", f_total="1.60", pctc="0",
         glob="0", conv=CF),
    # line 18: empty work RVU and conversion factor, global 10
    dict(hcpcs="g0008", desc="Test service zeta", status="X", work="", nf_pe="0.30",
         f_pe="0.30", mp="0.00", nf_total="0.30", f_total="0.30", pctc="9", glob="10",
         conv=""),
    # lines 19-22: rows that must be skipped
    dict(hcpcs="20000", desc="Test garbage eta", status="A", work="abc", nf_pe="1.00",
         f_pe="1.00", mp="0.10", nf_total="1.10", f_total="1.10", glob="000", conv=CF),
    dict(hcpcs="", desc="Test no code theta", status="A", work="1.00", nf_pe="1.00",
         f_pe="1.00", mp="0.10", nf_total="2.10", f_total="2.10", glob="000", conv=CF),
    dict(hcpcs="42T", desc="Test short code iota", status="A", work="1.00", nf_pe="1.00",
         f_pe="1.00", mp="0.10", nf_total="2.10", f_total="2.10", glob="000", conv=CF),
    dict(hcpcs="20001", desc="Test bad global kappa", status="A", work="1.00", nf_pe="1.00",
         f_pe="1.00", mp="0.10", nf_total="2.10", f_total="2.10", glob="12x", conv=CF),
    # line 23: the trailing comma-only row
    dict(),
]


def _row(line, code, modifier, description, status, work, nf_pe, f_pe, mp, nf_total,
         f_total, global_days, cf=CF):
    def dec(value):
        return None if value is None else Decimal(value)

    return RvuRow(line, code, modifier, description, status, Decimal(work), dec(nf_pe),
                  dec(f_pe), Decimal(mp), Decimal(nf_total), Decimal(f_total), global_days,
                  dec(cf))


EXPECTED_ROWS = [
    _row(11, "10004", "", "Test procedure alpha", "A", "0.40", "1.30", "0.25", "0.05",
         "1.75", "0.70", "090"),
    _row(12, "71000", "", "Test imaging beta", "A", "0.22", "0.80", None, "0.02", "1.04",
         "1.04", "XXX"),
    _row(13, "71000", "TC", "Test imaging beta", "A", "0.00", "0.70", None, "0.01", "0.71",
         "0.71", "XXX"),
    _row(14, "71000", "26", "Test imaging beta", "A", "0.22", "0.10", "0.10", "0.01", "0.33",
         "0.33", "XXX"),
    _row(15, "38999", "", "Test add-on gamma", "A", "2.10", "0.90", "0.90", "0.40", "3.40",
         "3.40", "ZZZ"),
    _row(16, "00100", "", "Test anesthesia delta", "J", "0.00", "0.00", "0.00", "0.00",
         "0.00", "0.00", "XXX"),
    _row(17, "0042T", "", "Test emerging epsilon", "C", "1.00", None, "0.50", "0.10", "1.60",
         "1.60", "000"),
    _row(18, "G0008", "", "Test service zeta", "X", "0.00", "0.30", "0.30", "0.00", "0.30",
         "0.30", "010", cf=None),
]

EXPECTED_SKIPPED = [
    SkippedRow(19, "bad number in WORK RVU: 'abc'"),
    SkippedRow(20, "missing HCPCS code"),
    SkippedRow(21, "bad HCPCS code: '42T'"),
    SkippedRow(22, "bad value in GLOB DAYS: '12x'"),
    SkippedRow(23, "blank row", is_blank=True),
]


def write_fixture(path, order=None, extra=None, encoding="utf-8", delimiter=","):
    """Write the CMS-shaped fixture with columns in ``order`` plus ``extra`` columns."""
    columns = dict(COLUMNS)
    columns.update(extra or {})
    keys = list(order or columns)
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, lineterminator="\r\n", delimiter=delimiter)
        for text in PREAMBLE:
            writer.writerow(["", "", text] + [""] * (len(keys) - 3))
        for level in range(5):
            writer.writerow([columns[k][level] for k in keys])
        for values in DATA:
            filler = dict.fromkeys(extra or {}, "0.5") if values else {}
            writer.writerow([values.get(k, filler.get(k, "")) for k in keys])
    return path


def split(items):
    items = list(items)
    rows = [i for i in items if isinstance(i, RvuRow)]
    skipped = [i for i in items if isinstance(i, SkippedRow)]
    return rows, skipped


def test_parses_every_value_of_the_2023_layout(tmp_path):
    path = write_fixture(tmp_path / "PPRRVU23_JAN.csv")
    rows, skipped = split(read_rvu_file(path))
    assert rows == EXPECTED_ROWS
    assert skipped == EXPECTED_SKIPPED
    assert str(rows[0].work_rvu) == "0.40"
    assert str(rows[0].nonfacility_pe_rvu) == "1.30"
    assert str(rows[0].conversion_factor) == "33.8872"
    assert [r.modifier for r in rows if r.code == "71000"] == ["", "TC", "26"]
    assert [r.is_global for r in rows if r.code == "71000"] == [True, False, False]


def test_parse_result_reports_year_factor_and_columns(tmp_path):
    path = write_fixture(tmp_path / "rvu.csv")
    result = parse_rvu_file(path)
    assert result.rows == EXPECTED_ROWS
    assert result.skipped == EXPECTED_SKIPPED
    assert result.skipped_non_blank == EXPECTED_SKIPPED[:-1]
    assert result.year == 2023
    assert result.conversion_factor == Decimal("33.8872")
    assert result.columns["nonfacility_pe_rvu"] == "NON-FAC PE RVU"
    assert result.columns["nonfacility_total"] == "NON-FACILITY TOTAL"
    assert result.columns["global_days"] == "GLOB DAYS"
    assert result.columns["conversion_factor"] == "CONV FACTOR"
    assert count_data_lines(path) == len(DATA) - 1


def test_reordered_columns_with_an_unknown_extra_give_the_same_rows(tmp_path):
    extra = {"new": ("", "", "", "EFFICIENCY", "ADJUSTMENT")}
    order = ["desc", "new", "conv", "glob", "hcpcs", "opps_f", "f_total", "nf_total", "mod",
             "mp", "f_na", "f_pe", "status", "nf_na", "nf_pe", "work", "opps_nf", "pctc",
             "not_used"]
    path = write_fixture(tmp_path / "later.csv", order=order, extra=extra)
    rows, skipped = split(read_rvu_file(path))
    assert rows == EXPECTED_ROWS
    assert skipped == EXPECTED_SKIPPED


def test_missing_required_column_raises(tmp_path):
    order = [k for k in COLUMNS if k != "glob"]
    path = write_fixture(tmp_path / "broken.csv", order=order)
    with pytest.raises(RvuFormatError, match="missing column: GLOB DAYS"):
        read_rvu_file(path)


def test_file_without_header_row_raises(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nalpha,1\n", encoding="utf-8")
    with pytest.raises(RvuFormatError, match="HCPCS"):
        read_rvu_file(path)


def test_wrong_year_is_refused(tmp_path):
    path = write_fixture(tmp_path / "rvu.csv")
    with pytest.raises(RvuFormatError, match="file is for 2023, expected 2024"):
        read_rvu_file(path, year=2024)
    assert parse_rvu_file(path, year=2023).year == 2023


def test_reads_bom_latin1_and_streams(tmp_path):
    bom = write_fixture(tmp_path / "bom.csv", encoding="utf-8-sig")
    assert split(read_rvu_file(bom))[0] == EXPECTED_ROWS
    latin = tmp_path / "latin.csv"
    latin.write_bytes(bom.read_bytes()[3:].replace(b"procedure alpha", b"proc\xe9dure alpha"))
    rows, _ = split(read_rvu_file(latin))
    assert rows[0].description == "Test procédure alpha"
    assert split(read_rvu_file(io.BytesIO(bom.read_bytes())))[0] == EXPECTED_ROWS
    text = bom.read_text(encoding="utf-8-sig")
    assert split(read_rvu_file(io.StringIO(text)))[0] == EXPECTED_ROWS


def test_detect_year():
    assert detect_year(None, "2024 National Physician Fee Schedule Relative Value File") == 2024
    assert detect_year("/tmp/PPRRVU23_JAN.csv", "") == 2023
    assert detect_year("PPRRVU2025_Oct.txt", None) == 2025
    assert detect_year("rvu.csv", "RELEASED 01/30/2023") is None


@pytest.mark.skipif(not REAL_FILE.exists(), reason=f"CMS reference file not found: {REAL_FILE}")
def test_real_cms_2023_file():
    started = time.perf_counter()
    result = parse_rvu_file(REAL_FILE)
    elapsed = time.perf_counter() - started
    assert result.skipped_non_blank == []
    assert result.year == 2023
    assert result.conversion_factor == Decimal("33.8872")
    global_rows = {r.code: r for r in result.rows if r.modifier == ""}
    checked = {
        "38792": ("0.65", "2.47", "0.96"),
        "38900": ("2.50", "4.06", "4.06"),
        "38570": ("8.49", "15.35", "15.35"),
        "38564": ("11.38", "20.96", "20.96"),
        "99213": ("1.30", "2.68", "1.95"),
    }
    for code, (work, nonfacility, facility) in checked.items():
        row = global_rows[code]
        assert (row.work_rvu, row.nonfacility_total, row.facility_total) == (
            Decimal(work), Decimal(nonfacility), Decimal(facility)), code
    assert global_rows["38900"].global_days == "ZZZ"
    assert sorted(r.modifier for r in result.rows if r.code == "71046") == ["", "26", "TC"]
    assert count_data_lines(REAL_FILE) == len(result.rows)
    assert elapsed < 30


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_exports_read_the_same(tmp_path, delimiter):
    path = write_fixture(tmp_path / "PPRRVU23_JAN.csv", delimiter=delimiter)
    assert detect_delimiter(path.read_text()) == delimiter
    rows, skipped = split(read_rvu_file(path))
    assert rows == EXPECTED_ROWS
    assert skipped == EXPECTED_SKIPPED


def test_windows_1252_export_decodes_its_accents_and_dashes(tmp_path):
    path = write_fixture(tmp_path / "rvu.csv", delimiter=";")
    data = path.read_text().replace("Test procedure alpha", "Test procédure – alpha")
    path.write_bytes(data.encode("cp1252"))
    rows, _ = split(read_rvu_file(path))
    assert rows[0].description == "Test procédure – alpha"
    assert rows[1:] == EXPECTED_ROWS[1:]


def test_an_over_long_field_is_a_bad_row_with_its_line_number(tmp_path):
    path = write_fixture(tmp_path / "rvu.csv")
    lines = path.read_text().split("\n")
    assert lines[10].startswith("10004,")  # line 11
    lines[10] = lines[10].replace("Test procedure alpha", "x" * (csv.field_size_limit() + 10))
    path.write_text("\n".join(lines))
    result = parse_rvu_file(path)
    assert [r.code for r in result.rows] == [r.code for r in EXPECTED_ROWS[1:]]
    assert result.skipped_non_blank[0].line == 11
    assert "field larger than field limit" in result.skipped_non_blank[0].reason
    assert result.skipped_non_blank[1:] == EXPECTED_SKIPPED[:-1]
    assert count_data_lines(path) == len(DATA) - 1


def test_detect_release():
    assert detect_release(None, "2024 National Physician Fee Schedule Relative Value File July Release") == 3
    assert detect_release("PPRRVU23_JAN.csv", "") == 1
    assert detect_release("PPRRVU2025_Oct.txt", None) == 4
    assert detect_release("RVU24B.csv", None) == 2
    assert detect_release("rvu.csv", "RELEASED 01/30/2023") == 0
