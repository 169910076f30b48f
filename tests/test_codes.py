"""Code reference pages, specialty pages, their JSON, and the CMS RVU importer."""
from decimal import Decimal
from pathlib import Path

import pytest

from jobboard.extensions import db
from jobboard.models.taxonomy import CptCode, CptModifierRvu
from jobboard.services.codes import import_rvu, load_curated_codes
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
