"""Hostile CMS files: every data line of a fuzzed RVU file is imported or reported with its line
number, never a traceback, through the parser and through ``flask codes import-rvu``."""
import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobboard.cms_rvu import RvuRow, parse_rvu_file
from tests.test_cms_rvu import COLUMNS, DATA, PREAMBLE

FIELDS = [key for key in COLUMNS if key != "not_used"]
FIRST_DATA_LINE = len(PREAMBLE) + len(next(iter(COLUMNS.values()))) + 1

# Cells a spreadsheet, a careless export or an attacker could leave behind.
hostile_cell = st.one_of(
    st.text(max_size=40),  # any Unicode, NUL and lone surrogates included
    st.sampled_from(["NaN", "sNaN", "Infinity", "-0", "1e-999999", "1e999999", "9" * 400, "٣٫٥",
                     "²", "\x00", "\r", "\n", "\"", "NA", "na", "  ", ";", "\t"]),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
fuzzed_line = st.dictionaries(st.sampled_from(FIELDS), hostile_cell, max_size=5)


def fuzzed_file(changes: list[dict]) -> bytes:
    """The CMS-shaped fixture with fuzzed cells on its data lines (as bytes: surrogates and NUL
    go in as the encoder's replacement, the way a damaged export arrives)."""
    keys = list(COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for text in PREAMBLE:
        writer.writerow(["", "", text] + [""] * (len(keys) - 3))
    for level in range(5):
        writer.writerow([COLUMNS[k][level] for k in keys])
    rows = [dict(values) for values in DATA[:-1]]
    for i, change in enumerate(changes):
        base = dict(rows[i % len(rows)])
        base.update(change)
        rows.append(base)
    for values in rows:
        writer.writerow([values.get(k, "") for k in keys])
    return out.getvalue().encode("utf-8", errors="replace")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(fuzzed_line, min_size=1, max_size=12))
def test_every_fuzzed_line_is_a_row_or_a_reported_line(tmp_path, changes):
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(fuzzed_file(changes))
    result = parse_rvu_file(path, year=2023)
    lines_seen = sorted([r.line for r in result.rows] + [s.line for s in result.skipped])
    # One outcome per record; a quoted cell holding a line break makes its record span two file
    # lines, so line numbers are unique and rising but not always consecutive.
    assert len(lines_seen) == len(DATA) - 1 + len(changes)
    assert len(set(lines_seen)) == len(lines_seen) and lines_seen[0] == FIRST_DATA_LINE
    assert all(isinstance(r, RvuRow) and r.code for r in result.rows)
    assert all(s.reason for s in result.skipped)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(fuzzed_line, min_size=1, max_size=6))
def test_the_import_command_reports_fuzzed_lines_and_never_fails_with_a_traceback(app, runner, tmp_path, changes):
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(fuzzed_file(changes))
    result = runner.invoke(args=["codes", "import-rvu", str(path), "--year", "2023"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert "Imported CMS 2023 file" in result.output, result.output
