"""Code reference pages, specialty pages, their JSON, and the CMS RVU importer."""
from decimal import Decimal
from pathlib import Path

import pytest

from jobboard.extensions import db
from jobboard.models.taxonomy import CptCode, CptModifierRvu
from jobboard.services.codes import import_rvu, load_curated_codes
from tests.conftest import Auth
from tests.factories import make_posting

CMS_FILE = Path(__file__).resolve().parents[2] / "shared/reference/cms/PPRRVU23_JAN.csv"

# (work, non-facility total, facility total), from the CY2023 CMS file.
CHECKED = {
    "38792": ("0.65", "2.47", "0.96"), "38900": ("2.50", "4.06", "4.06"),
    "38570": ("8.49", "15.35", "15.35"), "38564": ("11.38", "20.96", "20.96"),
    "99213": ("1.30", "2.68", "1.95"),
}
NO_NONFACILITY = {"38564", "38570"}


@pytest.fixture
def codes_app(app):
    with app.app_context():
        load_curated_codes()
    return app


def test_curated_load_is_idempotent(codes_app):
    with codes_app.app_context():
        count = db.session.scalar(db.select(db.func.count(CptCode.id)))
        assert count >= 150
        again = load_curated_codes()
        assert again["codes_added"] == 0 and again["codes_updated"] == count
        assert db.session.scalar(db.select(db.func.count(CptCode.id))) == count


@pytest.mark.parametrize("code", sorted(CHECKED))
def test_seed_code_pages_show_rvus_and_payments(codes_app, code):
    work, nonfacility, facility = CHECKED[code]
    html = codes_app.test_client().get(f"/codes/{code}").get_data(as_text=True)
    assert f"<td>{work}</td>" in html and f"<td>{facility}</td>" in html
    assert "Relative value units (2023)" in html and "PPRRVU23_JAN" in html
    factor = Decimal("33.8872")
    nf = (Decimal(nonfacility) * factor).quantize(Decimal("0.01"))
    f = (Decimal(facility) * factor).quantize(Decimal("0.01"))
    if code in NO_NONFACILITY:  # the CMS file marks their non-facility PE NA
        assert "Non-facility <span class=\"text-muted\">none</span>" in html
        assert "No non-facility payment: the CMS file marks the non-facility practice expense NA" in html
    else:
        assert f"<td>{nonfacility}</td>" in html
        assert f"Non-facility <strong>${nf:,}</strong>" in html
    assert f"Facility <strong>${f:,}</strong>" in html and "33.8872, 2023" in html


def test_38900_page_reads_as_a_reference(codes_app):
    html = codes_app.test_client().get("/codes/38900").get_data(as_text=True)
    assert "Add-on code" in html and "Global ZZZ" in html
    assert "Surgery" in html and "Lymph Nodes" in html  # breadcrumb
    assert "sentinel" in html.lower()
    assert 'href="/specialties/hemic-lymphatic"' in html
    for neighbour in ("38792",):
        assert f'href="/codes/{neighbour}"' in html


def test_code_api_figures(codes_app):
    body = codes_app.test_client().get("/api/v1/codes/38570").get_json()
    assert body["work_rvu"] == 8.49 and body["facility_total_rvu"] == 15.35
    assert body["payment"] == {"nonfacility": None, "facility": 520.17}  # non-facility PE is NA
    assert body["status"].startswith("Active") and body["status_code"] == "A" and body["payable"]
    assert body["source"] == {"file": "cpt_codes.csv (from CMS PPRRVU23_JAN)", "year": 2023, "release": 1}
    assert body["year"] == 2023 and body["conversion_factor"] == 33.8872
    assert body["global_days"] == "010" and "hemic-lymphatic" in body["specialties"]
    assert 0 < body["work_rvu_percentile"] <= 100


def test_percentile_and_median_count_payable_codes_with_work_rvus(codes_app):
    from jobboard.services.codes import PAYABLE_STATUSES, work_rvu_standing

    with codes_app.app_context():
        code = db.session.scalar(db.select(CptCode).where(CptCode.code == "38564"))
        rows = db.session.execute(db.select(CptCode.work_rvu, CptCode.status).where(
            CptCode.section == code.section)).all()
        values = sorted(w for w, status in rows if status in PAYABLE_STATUSES and w > 0)
        assert len(values) < len(rows)  # zero-work and non-payable codes are left out
        standing = work_rvu_standing(code)
        below = sum(v < code.work_rvu for v in values)
        same = sum(v == code.work_rvu for v in values)
        assert standing.percentile == round(100 * (below + same / 2) / len(values), 1)
        n = len(values)
        expected = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        assert standing.median == Decimal(expected).quantize(Decimal("0.01"))
        assert standing.count == n == sum(b.count for b in standing.bins)
        hit = standing.bins[standing.code_bin]
        assert hit.low <= code.work_rvu and (hit.high is None or code.work_rvu < hit.high)


def test_configured_conversion_factor_wins(codes_app):
    codes_app.config.update(CMS_CONVERSION_FACTOR="32.7442", CMS_YEAR=2025)
    body = codes_app.test_client().get("/api/v1/codes/99213").get_json()
    assert body["conversion_factor"] == 32.7442 and body["year"] == 2025
    assert body["payment"]["nonfacility"] == round(2.68 * 32.7442, 2)


def test_unknown_and_malformed_codes(codes_app):
    client = codes_app.test_client()
    unknown = client.get("/codes/38901")
    assert unknown.status_code == 404
    html = unknown.get_data(as_text=True)
    assert "We have no reference page for 38901" in html and 'href="/codes/38900"' in html
    malformed = client.get("/codes/3890x")
    assert malformed.status_code == 404
    assert "12345, 1234F, 1234T or 1234U" in malformed.get_data(as_text=True)
    assert client.get("/codes/0042t").headers["Location"].endswith("/codes/0042T")
    assert client.get("/api/v1/codes/zzz").get_json()["error"]["code"] == "malformed_code"


def test_code_and_specialty_pages_list_the_open_jobs_that_need_them(codes_app):
    with codes_app.app_context():
        tagged = make_posting(title="Sentinel node coder", specialties=["general-surgery"],
                              cpt_codes=["38900"]).id
        by_range = make_posting(title="Lymphatic coder", specialties=["hemic-lymphatic"]).id
        closed = make_posting(title="Closed coder", cpt_codes=["38900"], status="closed").id
        other = make_posting(title="Radiology reader", specialties=["radiology"],
                             salary_unit="hour", salary_min=30, salary_max=40).id
    client = codes_app.test_client()
    html = client.get("/codes/38900").get_data(as_text=True)
    assert f'href="/jobs/{tagged}"' in html and f'href="/jobs/{by_range}"' in html
    assert f'href="/jobs/{closed}"' not in html and f'href="/jobs/{other}"' not in html
    assert client.get("/api/v1/codes/38900").get_json()["open_jobs"] == 2

    page = client.get("/specialties/radiology").get_data(as_text=True)
    assert f'href="/jobs/{other}"' in page and "$62,400–$83,200 a year" in page
    specialties = {s["slug"]: s for s in client.get("/api/v1/specialties").get_json()}
    assert len(specialties) == 25 and specialties["radiology"]["open_jobs"] == 1
    assert specialties["hemic-lymphatic"]["ranges"] == ["38100-38999"]
    posting_page = client.get(f"/jobs/{tagged}").get_data(as_text=True)
    assert 'href="/codes/38900"' in posting_page and 'href="/specialties/general-surgery"' in posting_page


def test_codes_index_searches_by_number_and_words(codes_app):
    client = codes_app.test_client()
    assert 'href="/codes/38900"' in client.get("/codes?q=389").get_data(as_text=True)
    assert 'href="/codes/38900"' in client.get("/codes?q=sentinel lymph").get_data(as_text=True)
    assert "No codes match." in client.get("/codes?q=%25%25_%27").get_data(as_text=True)


# --- CMS importer ---------------------------------------------------------------------------------

FIXTURE = """\
,,2031 National Physician Fee Schedule Relative Value File January Release,,,,,,,,,,,,,
,,Invented test rows; no licensed text,,,,,,,,,,,,,
,,,,NOT USED,,,,,,,,,,,
,,,,FOR,,,NON-FAC,,FACILITY ,,,,,,
,,,STATUS,MEDICARE ,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,CONV
HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,FACTOR
38900,,Test node mapping,A,,2.6,1.1,,1.1,,0.4,4.1,4.1,0,ZZZ,35.0000
77777,,Made-up imaging,A,,0.50,3.00,,0.20,,0.05,3.55,0.75,1,XXX,35.0000
77777,26,Made-up imaging prof,A,,0.50,0.20,,0.20,,0.05,0.75,0.75,1,XXX,35.0000
77777,TC,Made-up imaging tech,A,,0.00,2.80,,0.00,,0.00,2.80,0.00,1,XXX,35.0000
A9999,,Supply thing,I,,0,0,,0,,0,0,0,9,XXX,35.0000
12001,,Repair,A,,0.84,abc,,1,,0.1,1,1,0,10,35.0000
12002,,Repair more,A,,1.14,2.2,,0.5,,0.2,3.54,1.84,0,10,35.0000
,,,,,,,,,,,,,,,
"""


def test_importer_on_a_cms_shaped_fixture(codes_app, tmp_path):
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    with codes_app.app_context():
        summary = import_rvu(str(path))
        assert (summary.added, summary.updated, summary.modifier_rows) == (2, 1, 2)
        assert summary.year == 2031 and summary.conversion_factor == Decimal("35.0000")
        assert summary.skipped["HCPCS Level II codes (not CPT)"] == 1
        assert [(r.line, r.reason) for r in summary.bad_rows] == [
            (12, "bad number in NON-FAC PE RVU: 'abc'")]
        code = db.session.scalar(db.select(CptCode).where(CptCode.code == "38900"))
        assert code.work_rvu == Decimal("2.60") and code.year == 2031 and code.add_on
        assert code.description.startswith("Add-on code")  # our wording survives the import
        assert db.session.scalar(db.select(CptCode.global_days).where(CptCode.code == "12002")) == "010"
        imaging = db.session.scalar(db.select(CptCode).where(CptCode.code == "77777"))
        assert imaging.section == "Radiology" and imaging.nonfacility_total == Decimal("3.55")
        assert [(m.modifier, m.facility_total) for m in imaging.modifiers] == [
            ("26", Decimal("0.75")), ("TC", Decimal("0.00"))]
        again = import_rvu(str(path))
        assert (again.added, again.updated) == (0, 3)
        assert db.session.scalar(db.select(db.func.count(CptModifierRvu.id))) == 2


def test_import_rvu_command_reports_bad_rows_and_a_summary(codes_app, tmp_path):
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    result = codes_app.test_cli_runner().invoke(args=["codes", "import-rvu", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 12: bad number in NON-FAC PE RVU: 'abc'" in result.output
    assert "2 added, 1 updated, 2 modifier rows kept apart, 2 skipped" in result.output
    missing = tmp_path / "broken.csv"
    missing.write_text("HCPCS,MOD,DESCRIPTION\n38900,,x\n")
    result = codes_app.test_cli_runner().invoke(args=["codes", "import-rvu", str(missing)])
    assert result.exit_code == 1 and "missing column" in result.output


@pytest.mark.skipif(not CMS_FILE.exists(), reason=f"the CMS CY2023 file is not at {CMS_FILE}")
def test_importer_on_the_real_cms_file(codes_app):
    with codes_app.app_context():
        summary = import_rvu(str(CMS_FILE))
        assert summary.bad_rows == [] and summary.year == 2023
        assert summary.added + summary.updated > 10000
        for code, (work, nonfacility, facility) in CHECKED.items():
            row = db.session.scalar(db.select(CptCode).where(CptCode.code == code))
            assert (str(row.work_rvu), str(row.nonfacility_total), str(row.facility_total)) == (
                work, nonfacility, facility)
        assert db.session.scalar(db.select(CptCode.global_days).where(CptCode.code == "38900")) == "ZZZ"
        chest = db.session.scalar(db.select(CptCode).where(CptCode.code == "71046"))
        assert {m.modifier for m in chest.modifiers} == {"26", "TC"}


# --- lineage: later figures stay --------------------------------------------------------------

def code_row(code):
    return db.session.scalar(db.select(CptCode).where(CptCode.code == code))


def test_a_later_fixture_survives_codes_load(codes_app, tmp_path):
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    with codes_app.app_context():
        import_rvu(str(path))
        counts = load_curated_codes()
        assert counts["figures_filled"] == 0 and counts["figures_kept"] == counts["codes_updated"]
        code = code_row("38900")
        assert (code.work_rvu, code.year, code.source_file) == (Decimal("2.60"), 2031, "PPRRVU31_JAN.csv")
        assert code.description.startswith("Add-on code")  # our wording is still ours


LATER_HEADER = ["HCPCS Code", "Modifier", "Status", "Work RVUs", "Non-Facility PE RVUs", "Facility PE RVUs",
                "MP RVUs", "Non-Facility Total RVUs", "Facility Total RVUs", "Global Days"]
LATER_CODES = ("38900", "99213", "38564", "71046")


def later_file(path, rows):
    """A later-year export in another layout: semicolons, Windows-1252, one header row, no title,
    no conversion factor, columns in another order and under other names."""
    lines = [";".join(LATER_HEADER)]
    for r in rows:
        def bump(value, by="0.11"):
            return "NA" if value is None else str(value + Decimal(by))
        lines.append(";".join([r.code, r.modifier, r.status, bump(r.work_rvu), bump(r.nonfacility_pe_rvu),
                               bump(r.facility_pe_rvu), str(r.mp_rvu), bump(r.nonfacility_total, "0.22"),
                               bump(r.facility_total, "0.22"), r.global_days]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


@pytest.mark.skipif(not CMS_FILE.exists(), reason=f"the CMS CY2023 file is not at {CMS_FILE}")
def test_cy2023_then_a_later_file_then_codes_load_and_demo_load_keep_the_later_figures(codes_app, tmp_path):
    from jobboard.cms_rvu import parse_rvu_file

    runner = codes_app.test_cli_runner()
    result = runner.invoke(args=["codes", "import-rvu", str(CMS_FILE)])
    assert result.exit_code == 0, result.output
    rows = [r for r in parse_rvu_file(CMS_FILE).rows if r.code in LATER_CODES]
    path = later_file(tmp_path / "rvu-export.csv", rows)

    result = runner.invoke(args=["codes", "import-rvu", str(path)])
    assert result.exit_code == 1 and "give it with --year" in result.output
    result = runner.invoke(args=["codes", "import-rvu", str(path), "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert "Imported CMS 2025 file rvu-export.csv: 0 added, 4 updated, 2 modifier rows kept apart" in result.output
    assert "Conversion factor: 33.8872 (kept: the file has none)" in result.output
    with codes_app.app_context():
        held = db.session.scalar(db.select(db.func.count(CptCode.id)))
    assert f"Partial file: {held - 4} codes we hold are not in it and keep their older figures." in result.output
    assert "Codes keeping older figures: 0001F (2023), 0005F (2023), 00100 (2023), " in result.output
    assert f" and {held - 4 - 50} more." in result.output

    assert runner.invoke(args=["codes", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    with codes_app.app_context():
        for code in LATER_CODES:
            row = code_row(code)
            assert (row.year, row.source_file, row.conversion_factor) == (2025, "rvu-export.csv", Decimal("33.8872"))
        assert code_row("38900").work_rvu == Decimal("2.61")
        assert code_row("99213").nonfacility_total == Decimal("2.90")
        assert code_row("38564").nonfacility_pe_rvu is None  # NA stays NA
        assert code_row("38570").year == 2023  # not in the later file
        assert {m.modifier: m.year for m in code_row("71046").modifiers} == {"26": 2025, "TC": 2025}
        summary = import_rvu(str(CMS_FILE))  # the older file again
        assert sorted(summary.kept_newer) == sorted(LATER_CODES)
        assert code_row("38900").work_rvu == Decimal("2.61") and code_row("38900").year == 2025
        assert code_row("38900").licensed_descriptor is None  # no descriptors without --with-descriptors
    html = codes_app.test_client().get("/codes/38900").get_data(as_text=True)
    assert "Relative value units (2025)" in html and "<td>2.61</td>" in html
    assert "Figures of 2025 from rvu-export.csv" in html


def test_conversion_factor_option_and_descriptors_flag(codes_app, tmp_path):
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    result = codes_app.test_cli_runner().invoke(args=[
        "codes", "import-rvu", str(path), "--conversion-factor", "36.5", "--with-descriptors"])
    assert result.exit_code == 0, result.output
    assert "Conversion factor: 36.5 (given)" in result.output
    with codes_app.app_context():
        code = code_row("38900")
        assert code.conversion_factor == Decimal("36.5000") and code.licensed_descriptor == "Test node mapping"
    client = codes_app.test_client()
    assert 'href="/codes/38900"' in client.get("/codes?q=test node mapping").get_data(as_text=True)
    assert "CMS short descriptor: Test node mapping" in client.get("/codes/38900").get_data(as_text=True)


def test_a_file_without_a_factor_keeps_the_current_one(codes_app, tmp_path):
    # No title line (year and release come from the name) and no CONV FACTOR column.
    lines = [line.rsplit(",", 1)[0] for line in FIXTURE.splitlines()[2:9]]
    path = tmp_path / "PPRRVU31_JUL.csv"
    path.write_text("\n".join(lines) + "\n")
    with codes_app.app_context():
        summary = import_rvu(str(path))
        assert (summary.year, summary.release, summary.factor_from) == (2031, 3, "kept: the file has none")
        assert code_row("38900").conversion_factor == Decimal("33.8872")
        assert code_row("77777").conversion_factor == Decimal("33.8872")  # new code: the newest factor held
    body = codes_app.test_client().get("/api/v1/codes/38900").get_json()
    assert body["conversion_factor"] == 33.8872 and body["year"] == 2031
    assert body["payment"]["nonfacility"] == float((Decimal("4.10") * Decimal("33.8872")).quantize(Decimal("0.01")))


# --- status classes ------------------------------------------------------------------------------

STATUS_FIXTURE_ROWS = {  # code: status (CMS status indicators; figures invented)
    "38500": "C", "38505": "T", "38525": "R", "38745": "E", "38746": "P", "38760": "M",
}


@pytest.fixture
def status_app(codes_app, tmp_path):
    head = "\n".join(FIXTURE.splitlines()[:6])
    rows = [f"{code},,Made-up row,{status},,1.50,2.00,,1.00,,0.10,3.60,2.60,0,090,35.0000"
            for code, status in STATUS_FIXTURE_ROWS.items()]
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(head + "\n" + "\n".join(rows) + "\n")
    with codes_app.app_context():
        import_rvu(str(path))
    return codes_app


@pytest.mark.parametrize("code,status,words", [
    ("99213", "A", "Active: paid under the Medicare physician fee schedule"),
    ("38525", "R", "Restricted coverage"),
    ("38505", "T", "only when no other fee-schedule service is paid the same day"),
    ("99100", "B", "Bundled: Medicare pays for it only as part of another service"),
    ("38500", "C", "Carrier priced: each Medicare contractor sets the payment"),
    ("38745", "E", "Excluded from the physician fee schedule by regulation"),
    ("99242", "I", "Not valid for Medicare: Medicare uses another code"),
    ("00142", "J", "Anesthesia: paid by base and time units, not RVUs"),
    ("38760", "M", "Measurement code"),
    ("99381", "N", "Not paid under the Medicare physician fee schedule"),
    ("38746", "P", "Bundled or excluded"),
    ("80053", "X", "Not in the physician fee schedule by law"),
])
def test_each_status_class_shows_its_words_and_pays_only_when_payable(status_app, code, status, words):
    client = status_app.test_client()
    html = client.get(f"/codes/{code}").get_data(as_text=True)
    body = client.get(f"/api/v1/codes/{code}").get_json()
    assert words in html and words in body["status"] and body["status_code"] == status
    if status in "ART":
        assert body["payable"] and body["payment"]["facility"] > 0
        assert body["work_rvu_percentile"] is not None and 'id="standing">Work RVU percentile' in html
    else:
        assert body["payable"] is False and body["payment"] is None
        assert body["work_rvu_percentile"] is None and "No fee-schedule payment" in html
        assert "$" not in html.split('id="payment"')[1].split("</p>")[0]
        assert "No percentile: it is not paid under the fee schedule" in html
    assert body["percentile_rule"].startswith("Percentile and median count the section's codes that Medicare pays")


def test_no_facility_payment_where_the_facility_pe_is_na(codes_app):
    client = codes_app.test_client()
    body = client.get("/api/v1/codes/71046").get_json()
    assert body["payment"] == {"nonfacility": round(1.01 * 33.8872, 2), "facility": None}  # total 1.01
    html = client.get("/codes/71046").get_data(as_text=True)
    assert "No facility payment: the CMS file marks the facility practice expense NA" in html


# --- locality payments ---------------------------------------------------------------------------

GPCI_FILE = CMS_FILE.parent / "GPCI2025.csv"
COUNTY_FILE = CMS_FILE.parent / "25LOCCO1.csv"
# Rows of the CMS CY2025 GPCI file, re-saved the way a spreadsheet does (leading zeros dropped).
SMALL_GPCI = """ADDENDUM E. CY 2025 GPCIs BY STATE AND MEDICARE LOCALITY,,,,,,
,,,,,,
Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,\
2025 PW GPCI (with 1.0 Floor),2025 PE GPCI,2025 MP GPCI
13202,NY,1,MANHATTAN,1.065,1.166,1.656
2102,AK,1,ALASKA*,1.5,1.081,0.592
"MAC Assignments as of November 22, 2023",,,,,,
"""
SMALL_COUNTIES = """COUNTIES INCLUDED IN 2025 LOCALITIES,,,,
Medicare Adminstrative Contractor,Locality Number,State ,Fee Schedule Area ,Counties
13202,1,NEW YORK ,MANHATTAN,NEW YORK
2102,1,ALASKA ,STATEWIDE ,ALL COUNTIES
"""


def money(value):
    from decimal import ROUND_HALF_UP
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def gpci_app(codes_app, tmp_path):
    (tmp_path / "gpci.csv").write_text(SMALL_GPCI)
    (tmp_path / "counties.csv").write_text(SMALL_COUNTIES)
    result = codes_app.test_cli_runner().invoke(args=[
        "codes", "import-gpci", str(tmp_path / "gpci.csv"), str(tmp_path / "counties.csv")])
    assert result.exit_code == 0, result.output
    assert "Imported 2 localities with 2025 GPCIs; counties listed for 2 localities." in result.output
    return codes_app


def test_manhattan_payment_follows_the_gpci_formula(gpci_app):
    # 99213 as shipped (CY2023 file): work 1.30, PE 1.28 non-facility / 0.55 facility, MP 0.10.
    # Manhattan 2025 GPCIs: work 1.065, PE 1.166, MP 1.656.
    # The issue's $101.06 / $71.64 use CY2025 RVUs, which the repository does not hold.
    client = gpci_app.test_client()
    body = client.get("/api/v1/codes/99213?locality=13202-01").get_json()
    nonfacility = (Decimal("1.30") * Decimal("1.065") + Decimal("1.28") * Decimal("1.166")
                   + Decimal("0.10") * Decimal("1.656")) * Decimal("33.8872")
    facility = (Decimal("1.30") * Decimal("1.065") + Decimal("0.55") * Decimal("1.166")
                + Decimal("0.10") * Decimal("1.656")) * Decimal("33.8872")
    assert body["locality_payment"] == {"locality": "13202-01", "nonfacility": money(nonfacility),
                                        "facility": money(facility), "gpci_year": 2025}
    assert body["locality_payment"]["nonfacility"] == 103.10 and body["locality_payment"]["facility"] == 74.26
    gpci_app.config.update(CMS_CONVERSION_FACTOR="32.3465", CMS_YEAR=2025)  # the CY2025 factor
    body = client.get("/api/v1/codes/99213?locality=13202-1").get_json()
    assert (body["locality_payment"]["nonfacility"], body["locality_payment"]["facility"]) == (98.42, 70.88)


def test_locality_picker_works_without_script(gpci_app):
    client = gpci_app.test_client()
    html = client.get("/codes/99213").get_data(as_text=True)
    form = html.split('id="locality"')[1].split("</form>")[0]
    assert 'method="get"' in form and 'name="locality"' in form and "<script" not in form
    assert '<optgroup label="New York">' in form and 'value="13202-01"' in form
    assert '<label class="form-label" for="locality-pick">' in form
    html = client.get("/codes/99213?locality=13202-01").get_data(as_text=True)
    assert 'value="13202-01" selected' in html
    assert 'Manhattan (13202-01): non-facility <strong>$103.10</strong> · facility <strong>$74.26</strong>' in html
    assert "RVUs of 2023 × GPCIs of 2025" in html and "Counties: New York" in html
    assert "In Manhattan (13202-01): $103.10 non-facility and $74.26 facility." in html  # the FAQ
    bad = client.get("/codes/99213?locality=99999-99")
    assert bad.status_code == 400
    assert 'id="locality-error">No Medicare locality' in bad.get_data(as_text=True)
    api = client.get("/api/v1/codes/99213?locality=zzz")
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "unknown_locality"
    assert client.get("/api/v1/codes/99381?locality=13202-01").get_json()["locality_payment"] == {
        "locality": "13202-01", "nonfacility": None, "facility": None, "gpci_year": 2025}


@pytest.mark.skipif(not (GPCI_FILE.exists() and COUNTY_FILE.exists()),
                    reason=f"the CMS CY2025 GPCI files are not in {GPCI_FILE.parent}")
def test_import_of_the_real_gpci_files(codes_app):
    from jobboard.models.taxonomy import MedicareLocality

    result = codes_app.test_cli_runner().invoke(args=["codes", "import-gpci", str(GPCI_FILE), str(COUNTY_FILE)])
    assert result.exit_code == 0, result.output
    assert "Imported 109 localities with 2025 GPCIs; counties listed for 109 localities." in result.output
    with codes_app.app_context():
        manhattan = db.session.scalar(db.select(MedicareLocality).where(MedicareLocality.mac == "13202",
                                                                        MedicareLocality.locality == "01"))
        assert (manhattan.state, manhattan.name, manhattan.counties) == ("NY", "MANHATTAN", "NEW YORK")
        assert (manhattan.work_gpci, manhattan.pe_gpci, manhattan.mp_gpci) == (
            Decimal("1.065"), Decimal("1.166"), Decimal("1.656"))
        suburbs = db.session.scalar(db.select(MedicareLocality).where(MedicareLocality.mac == "13202",
                                                                      MedicareLocality.locality == "02"))
        assert "KINGS" in suburbs.counties
        assert db.session.scalar(db.select(MedicareLocality.name).where(MedicareLocality.mac == "02102")) == "ALASKA"


# --- finding codes -------------------------------------------------------------------------------

def test_an_exact_code_in_the_box_opens_its_page(codes_app):
    client = codes_app.test_client()
    assert client.get("/codes?q=38900").headers["Location"].endswith("/codes/38900")
    assert client.get("/codes?q=+0042t+").headers["Location"].endswith("/codes/0042T")
    unknown = client.get("/codes?q=38901", follow_redirects=True)
    assert unknown.status_code == 404
    html = unknown.get_data(as_text=True)
    assert 'href="/codes/38900"' in html and "Add-on code for finding the sentinel lymph node" in html


def test_words_find_descriptions_aliases_and_section_names(codes_app, tmp_path):
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    with codes_app.app_context():
        import_rvu(str(path))  # 77777 arrives bare: no description of ours
    client = codes_app.test_client()
    assert 'href="/codes/47562"' in client.get("/codes?q=lap chole").get_data(as_text=True)
    assert 'href="/codes/99213"' in client.get("/codes?q=level 3 established").get_data(as_text=True)
    radiology = client.get("/codes?q=radiology").get_data(as_text=True)
    assert 'href="/codes/77777"' in radiology
    assert "No codes match." in client.get("/codes?q=test node mapping").get_data(as_text=True)


def test_section_listing_pages_by_100_with_subsections(codes_app):
    client = codes_app.test_client()
    with codes_app.app_context():
        surgery = db.session.scalars(db.select(CptCode.code).where(CptCode.section == "Surgery")
                                     .order_by(CptCode.code)).all()
    assert 100 < len(surgery) <= 200
    first = client.get("/codes?section=Surgery").get_data(as_text=True)
    assert f"({len(surgery)} codes, page 1 of 2)" in first
    assert first.count('class="code-badge" href="/codes/') == 100
    assert f'href="/codes/{surgery[99]}"' in first and f'href="/codes/{surgery[100]}"' not in first
    assert 'href="/codes?section=Surgery&amp;page=2"' in first
    assert 'href="/codes?section=Surgery&amp;subsection=Hemic+and+Lymphatic+Systems' in first
    second = client.get("/codes?section=Surgery&page=2").get_data(as_text=True)
    assert second.count('class="code-badge" href="/codes/') == len(surgery) - 100
    assert client.get("/codes?section=Surgery&page=999").get_data(as_text=True).count(
        'class="code-badge" href="/codes/') == len(surgery) - 100
    assert client.get("/codes?section=Surgery&page=abc").status_code == 200
    sub = client.get("/codes?section=Surgery&subsection=Hemic+and+Lymphatic+Systems+%3E+Lymph+Nodes+"
                     "and+Lymphatic+Channels").get_data(as_text=True)
    assert 'href="/codes/38900"' in sub and 'href="/codes/19301"' not in sub
    assert client.get("/codes?section=Nothing").status_code == 404


# --- pictures, answers, jobs ---------------------------------------------------------------------

def test_code_page_draws_two_accessible_svg_pictures_without_styles(codes_app):
    html = codes_app.test_client().get("/codes/38900").get_data(as_text=True)
    assert html.count('<svg ') == 2 and html.count('role="img"') == 2
    assert '<title id="hist-title">Work RVUs of payable Surgery codes</title>' in html
    assert 'aria-labelledby="mix-title mix-desc"' in html
    desc = html.split('<desc id="hist-desc">')[1].split("</desc>")[0]
    assert "38900 (2.50) is in the bin" in desc and "the section median is" in desc
    assert "Work 2.50 RVU (62%), Practice expense 0.98 RVU (24%), Malpractice 0.58 RVU (14%)" in html
    assert 'fill="#b02a37"' in html and 'stroke-dasharray="4 3"' in html  # the code's bar, the median
    assert "The distribution as a table" in html
    assert "style=" not in html.split("<main")[1]


def test_faq_with_json_ld_built_from_the_figures(codes_app):
    import json
    import re

    html = codes_app.test_client().get("/codes/38900").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "FAQPage"
    questions = {q["name"]: q["acceptedAnswer"]["text"] for q in data["mainEntity"]}
    assert questions["Is CPT 38900 an add-on code?"].startswith("Yes")
    assert "2.50 work RVUs in the 2023" in questions["What is the work RVU of CPT 38900?"]
    assert "$137.58 in an office (non-facility)" in questions["What does Medicare pay for CPT 38900?"]
    assert "an add-on code" in questions["What does the global period ZZZ of CPT 38900 mean?"]
    assert "Hemic and Lymphatic" in questions["Which specialties use CPT 38900?"]
    assert "sentinel node mapping add-on" in html  # also known as
    non_payable = codes_app.test_client().get("/codes/99381").get_data(as_text=True)
    assert "Not paid under the Medicare physician fee schedule (not covered). No national" in non_payable


def test_code_page_shows_ten_jobs_and_links_to_all(codes_app):
    from tests.factories import make_employer

    with codes_app.app_context():
        author = make_employer()
        ids = [make_posting(author=author, title=f"Node coder {i}", cpt_codes=["38900"]).id for i in range(11)]
    client = codes_app.test_client()
    html = client.get("/codes/38900").get_data(as_text=True)
    assert "Open jobs that need 38900 (11)" in html
    assert sum(f'href="/jobs/{i}"' in html for i in ids) == 10 and f'href="/jobs/{ids[0]}"' not in html
    assert '<a id="all-jobs" href="/jobs?code=38900">See all 11 jobs</a>' in html


@pytest.mark.parametrize("url", [
    "/codes?q=%00lymph", "/codes?section=Surgery%00", "/codes?section=Surgery&subsection=%00&page=%C2%B2",
    "/codes?q=" + "9" * 5000, "/codes/99213?locality=%00", "/codes/99213?locality=%D9%A1%D9%A3-01",
    "/api/v1/codes/99213?locality=13202-01%00",
])
def test_odd_query_values_never_give_a_500(codes_app, url):
    assert codes_app.test_client().get(url).status_code in (200, 302, 400, 404)


def test_section_figures_follow_an_import_made_by_another_host(app):
    """The per-process distribution is keyed to the reference-data version, not kept for a while."""
    from sqlalchemy import update

    from jobboard.services.codes import section_distribution

    with app.app_context():
        load_curated_codes()
        before = section_distribution("Surgery")
        assert Decimal("99.00") not in before.values
        # Another host's import changes a figure; nothing tells this process's cache.
        db.session.execute(update(CptCode).where(CptCode.code == "38900").values(work_rvu=Decimal("99.00")))
        db.session.commit()
        assert Decimal("99.00") in section_distribution("Surgery").values
        assert section_distribution("Surgery") is section_distribution("Surgery")  # reused while unchanged


def test_manhattan_figures_of_the_issue_from_a_cy2025_row_through_the_importer(gpci_app, tmp_path):
    """An operator imports a CY2025 row for 99213 (a file of the later layout, its factor given on
    the command line), then asks for Manhattan. The row's RVUs (work 1.30, PE 1.35 non-facility /
    0.57 facility, MP 0.10) are the ones that reproduce the issue's CY2025 check; the repository
    holds no CY2025 CMS file to confirm them, so this checks our path from file to payment, not CMS."""
    path = tmp_path / "rvu25.csv"
    path.write_bytes(("\r\n".join([";".join(LATER_HEADER),
                                   "99213;;A;1.30;1.35;0.57;0.10;2.75;1.97;XXX"]) + "\r\n").encode("cp1252"))
    result = gpci_app.test_cli_runner().invoke(args=[
        "codes", "import-rvu", str(path), "--year", "2025", "--conversion-factor", "32.3465"])
    assert result.exit_code == 0, result.output
    body = gpci_app.test_client().get("/api/v1/codes/99213?locality=13202-01").get_json()
    assert body["year"] == 2025
    assert body["locality_payment"] == {"locality": "13202-01", "nonfacility": 101.06, "facility": 71.64,
                                        "gpci_year": 2025}


@pytest.fixture
def second_host(codes_app, tmp_path):
    """Another app on the same database, with its own per-process caches."""
    from jobboard import create_app
    from tests.conftest import base_config

    other = create_app(base_config(codes_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "host-b", 25))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_code_page_shows_a_figures_import_at_once_on_every_host(codes_app, second_host, tmp_path):
    hosts = [codes_app.test_client(), second_host.test_client()]
    for client in hosts:  # now cached on both
        html = client.get("/codes/38900").get_data(as_text=True)
        assert "<td>2.50</td>" in html and "Relative value units (2023)" in html
    path = tmp_path / "PPRRVU31_JAN.csv"
    path.write_text(FIXTURE)
    with codes_app.app_context():
        import_rvu(str(path))  # on the first host: 38900 gets work 2.60 of 2031
    for client in hosts:
        html = client.get("/codes/38900").get_data(as_text=True)
        assert "<td>2.60</td>" in html and "Relative value units (2031)" in html
        assert "<td>2.50</td>" not in html


def test_a_code_page_shows_a_gpci_import_at_once_on_every_host(gpci_app, second_host, tmp_path):
    """Localities carry no timestamps: the shared reference version still moves with them."""
    hosts = [gpci_app.test_client(), second_host.test_client()]
    for client in hosts:
        assert "work 1.065," in client.get("/codes/99213?locality=13202-01").get_data(as_text=True)
    (tmp_path / "gpci.csv").write_text(SMALL_GPCI.replace("1.065", "1.250"))
    result = gpci_app.test_cli_runner().invoke(args=["codes", "import-gpci", str(tmp_path / "gpci.csv")])
    assert result.exit_code == 0, result.output
    for client in hosts:
        html = client.get("/codes/99213?locality=13202-01").get_data(as_text=True)
        assert "work 1.250," in html and "work 1.065," not in html


def test_a_code_page_seen_again_reads_two_rows(codes_app):
    """The reference version and the posting version: the rest is kept per process."""
    from tests.test_job_lists import Statements

    client = codes_app.test_client()
    with codes_app.app_context():
        make_posting(title="Lymph Node Coder", cpt_codes=["38900"])
        first = client.get("/codes/38900?locality=").get_data(as_text=True)
        with Statements() as statements:
            again = client.get("/codes/38900?locality=").get_data(as_text=True)
    assert again == first and "Lymph Node Coder" in again
    assert statements.count == 2


def test_a_visitors_code_page_is_kept_only_while_codes_and_postings_are_unchanged(codes_app):
    client, seeker = codes_app.test_client(), codes_app.test_client()
    email, _ = Auth(seeker).register("seeker")
    first = client.get("/codes/38900").get_data(as_text=True)
    assert "Sentinel Coder" not in first and email not in first
    with codes_app.app_context():
        make_posting(title="Sentinel Coder", cpt_codes=["38900"])  # moves the posting version
    assert "Sentinel Coder" in client.get("/codes/38900").get_data(as_text=True)
    with codes_app.app_context():
        code = db.session.scalar(db.select(CptCode).where(CptCode.code == "38900"))
        code.description = "Our own wording of the sentinel node biopsy."
        db.session.commit()  # moves the reference version
    assert "Our own wording of the sentinel" in client.get("/codes/38900").get_data(as_text=True)
    mine = seeker.get("/codes/38900").get_data(as_text=True)  # never a visitor's page
    assert f"Account ({email})" in mine and "Our own wording of the sentinel" in mine
    assert f"Account ({email})" not in client.get("/codes/38900").get_data(as_text=True)


def test_the_reference_version_moves_with_reference_rows_only(codes_app):
    """Every change to codes, localities or the taxonomy moves it, in the same transaction; a
    posting tagged with codes and specialties does not (postings are written all day)."""
    from sqlalchemy import update

    from jobboard.services.data_cache import reference_version

    with codes_app.app_context():
        start = reference_version()
        make_posting(title="Tagged Coder", cpt_codes=["38900"], specialties=["general-surgery"])
        assert reference_version() == start
        code = db.session.scalar(db.select(CptCode).where(CptCode.code == "38900"))
        code.description = "Our new wording."
        db.session.rollback()
        assert reference_version() == start  # nothing committed, nothing moved
        code.description = "Our new wording."
        db.session.commit()
        assert reference_version() == start + 1
        db.session.execute(update(CptModifierRvu).values(year=2031))  # a bulk statement too
        db.session.commit()
        assert reference_version() == start + 2
