"""Every coding job gets in, non-coding ads are flagged for admins, and the posting form suggests
tags from the text: the import policy, the admin queue, and the form's preview, as users meet them."""
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import Specialty
from jobboard.services.accounts import create_admin
from jobboard.services.codes import load_curated_codes
from jobboard.services.postings import parse_decimal
from tests.conftest import PASSWORD, Auth, post_form
from tests.factories import make_posting

BASE = {"city": "Wichita", "state": "KS", "arrangement": "onsite", "employment_type": "full_time",
        "salary_min": "", "salary_max": "", "salary_unit": "year", "cpt_codes": ""}
RA_TEXT = ("Silverline Health Plan reviews Medicare Advantage charts and codes diagnoses to HCCs "
           "with ICD-10-CM. CRC required, CPC preferred.")
PPC_TEXT = ("Run Google Ads campaigns for an outdoor retailer: manage bids, lower CPC and CPA, and "
            "report click-through rates every week.")


@pytest.fixture
def employer(app):
    with app.app_context():
        load_curated_codes()
    client = app.test_client()
    Auth(client).register("employer", company_name="Summit Coding")
    return client


def checked(html, name):
    """Values of the ticked checkboxes named ``name``."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', b).group(1) for b in boxes if "checked" in b]


# --- the form ------------------------------------------------------------------------------------

def test_preview_and_suggest_works_on_an_empty_form(employer):
    response = post_form(employer, "/jobs/new", {**BASE, "title": "", "description": "", "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="suggestions"' in html and "Write a title and a description" in html
    assert "This field is required" not in html


def test_suggestions_are_ticked_by_name_and_roles_read_per_clause(app, employer):
    response = post_form(employer, "/jobs/new", {**BASE, "title": "Risk Adjustment Coder",
                                                 "description": RA_TEXT, "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert checked(html, "specialties") == ["risk-adjustment"]
    assert checked(html, "credentials_required") == ["CRC"]
    assert checked(html, "credentials_preferred") == ["CPC"]
    with app.app_context():
        name = db.session.scalar(select(Specialty.name).where(Specialty.slug == "risk-adjustment"))
    suggestions = html[html.index('id="suggestions"'):html.index("</div>", html.index('id="suggestions"'))]
    assert f"Specialties: {name}" in suggestions and "risk-adjustment" not in suggestions
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Posting.id))) == 0  # a preview saves nothing


def test_a_posting_saved_with_no_tags_gets_the_inferred_ones(app, employer):
    description = ("Code lymph node cases for our surgeons, including add-on CPT 38900 for sentinel "
                   "node mapping. CPC required.")
    response = post_form(employer, "/jobs/new", {**BASE, "title": "Surgical Coder", "description": description,
                                                 "action": "publish"})
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalar(select(Posting))
        assert [c.code for c in posting.cpt_codes] == ["38900"]
        assert [c.abbreviation for c in posting.credentials_required] == ["CPC"]
        assert "hemic-lymphatic" in [s.slug for s in posting.specialties]
        assert posting.coding_related is True


def test_editing_with_the_codes_field_left_out_keeps_the_codes(app, employer):
    form = {**BASE, "title": "Surgical Coder", "description": "Code CPT 38900 and 38792 cases. CPC required.",
            "specialties": ["hemic-lymphatic"], "cpt_codes": "38900", "action": "draft"}
    post_form(employer, "/jobs/new", form)
    with app.app_context():
        posting_id = db.session.scalar(select(Posting.id))
    edit = f"/jobs/{posting_id}/edit"
    without_codes = {k: v for k, v in form.items() if k != "cpt_codes"}
    response = post_form(employer, edit, {**without_codes, "title": "Senior Surgical Coder"})
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.title == "Senior Surgical Coder"
        assert [c.code for c in posting.cpt_codes] == ["38900"]


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "1e-999999", "1e999999", "12abc"])
def test_bad_pay_figures_get_a_message_beside_the_field(app, employer, value):
    form = {**BASE, "title": "Surgical Coder", "description": "Code CPT 38900 cases. CPC required.",
            "salary_min": value, "action": "publish"}
    response = post_form(employer, "/jobs/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    feedback = re.search(r'id="salary_min".*?<div class="invalid-feedback">([^<]*)</div>', html, re.S)
    assert feedback and "Enter an amount such as 52000" in feedback.group(1)
    assert "Code CPT 38900 cases." in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Posting.id))) == 0


def test_parse_decimal_reads_pay_and_refuses_the_rest():
    assert parse_decimal("$52,000") == Decimal("52000.00")
    assert parse_decimal("24.50") == Decimal("24.50")
    assert parse_decimal("") is None and parse_decimal(0) == Decimal("0.00")
    for bad in ("sNaN", "NaN", "-Infinity", "1e-999999", "1e999999", "ten"):
        with pytest.raises(ValueError):
            parse_decimal(bad)


# --- classification and the admins' queue --------------------------------------------------------

def admin_client(app):
    with app.app_context():
        create_admin("admin@example.com", PASSWORD)
    client = app.test_client()
    Auth(client).login("admin@example.com")
    return client


def test_non_coding_postings_are_kept_untagged_and_queued_for_admins(app):
    with app.app_context():
        ad = make_posting(title="Paid Search Manager", description=PPC_TEXT, specialties=[],
                          credentials_required=[])
        coder = make_posting(title="Risk Adjustment Coder", description=RA_TEXT, specialties=[],
                             credentials_required=[])
        assert ad.coding_related is False and ad.specialties == [] and ad.credential_links == []
        assert 'title names other work ("Paid Search")' in ad.coding_evidence
        assert coder.coding_related is True and [s.slug for s in coder.specialties] == ["risk-adjustment"]
        ad_id, coder_id = ad.id, coder.id
    admin = admin_client(app)
    html = admin.get("/admin").get_data(as_text=True)
    queue = html[html.index('id="not-coding"'):]
    assert "Paid Search Manager" in queue and "Risk Adjustment Coder" not in queue
    assert "title names other work" in queue

    assert post_form(admin, f"/admin/postings/{ad_id}/approve-coding", {}, page="/admin").status_code == 303
    with app.app_context():
        ad = db.session.get(Posting, ad_id)
        assert ad.coding_related is True and ad.coding_reviewed_at is not None
        ad.description = PPC_TEXT + " Hybrid."
        from jobboard.services.postings import PostingFields, update_posting
        update_posting(ad, PostingFields(title=ad.title, description=ad.description))
        assert db.session.get(Posting, ad_id).coding_related is True  # the approval stands
    assert 'id="not-coding"' not in admin.get("/admin").get_data(as_text=True)
    assert coder_id


def test_admins_can_unpublish_a_non_coding_posting(app):
    with app.app_context():
        ad_id = make_posting(title="Coding Bootcamp Instructor", specialties=[], credentials_required=[],
                             description="Teach JavaScript coding to adults; grade coding projects.").id
    admin = admin_client(app)
    post_form(admin, f"/admin/postings/{ad_id}/unpublish", {}, page="/admin")
    with app.app_context():
        assert not db.session.get(Posting, ad_id).is_visible
    assert "Every published posting reads as a coding job." in admin.get("/admin").get_data(as_text=True)


def test_only_admins_review_coding_classification(app):
    with app.app_context():
        ad_id = make_posting(title="Paid Search Manager", description=PPC_TEXT, specialties=[],
                             credentials_required=[]).id
    client = app.test_client()
    Auth(client).register("employer")
    response = post_form(client, f"/admin/postings/{ad_id}/approve-coding", {}, page="/")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Posting, ad_id).coding_related is False


def test_import_keeps_every_coding_job_and_flags_the_rest(app, runner, tmp_path):
    with app.app_context():
        load_curated_codes()
    lines = [
        {"title": "Medical Records Technician (Coder)", "company": "Sandhills VA", "external_id": "1",
         "description": "Assign ICD-10-CM, CPT and HCPCS codes to health records and abstract the data. "
                        "You must hold one of CCA, CCS or CPC."},
        {"title": "Entry Level Medical Coder", "company": "Blue Ridge Clinics", "external_id": "2",
         "description": "Learn medical coding with a mentor. CPC-A welcome."},
        {"title": "Paid Search Manager", "company": "Summit Outdoor", "external_id": "3", "description": PPC_TEXT},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(args=["jobs", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 unchanged, 0 failed, 1 not coding jobs (listed for admins)" in result.output
    with app.app_context():
        by_id = {p.external_id: p for p in db.session.scalars(select(Posting))}
        assert by_id["1"].coding_related
        assert {c.abbreviation for c in by_id["1"].credentials_required} == {"CCA", "CCS", "CPC"}
        assert by_id["2"].coding_related and [c.abbreviation for c in by_id["2"].credentials_preferred] == ["CPC-A"]
        assert not by_id["3"].coding_related
        assert by_id["3"].specialties == [] and by_id["3"].credential_links == [] and by_id["3"].cpt_codes == []
        assert by_id["3"].is_visible


# --- re-import -----------------------------------------------------------------------------------

def feed(tmp_path, records, name="feed.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return str(path)


def test_reimporting_a_changed_file_updates_each_posting_and_its_index_document(app, runner, tmp_path):
    with app.app_context():
        load_curated_codes()
    first = [
        {"title": "Surgical Coder", "company": "Peachtree Surgical", "external_id": "S-1",
         "description": "Code lymph node cases with CPT 38900 and 38792. CPC required.", "salary_min": 50000},
        {"title": "Risk Adjustment Coder", "company": "Peachtree Surgical", "external_id": "S-2",
         "description": "Code Medicare Advantage charts to HCCs with ICD-10-CM. CRC required, CPC preferred."},
        {"title": "Paid Search Manager", "company": "Peachtree Surgical", "external_id": "S-3",
         "description": PPC_TEXT},
        {"title": "Emergency Department Coder", "company": "Peachtree Surgical", "external_id": "S-4",
         "description": "Assign E/M levels 99281-99285 for ED visits with ICD-10-CM. CEDC required."},
        # Pay finer than cents once indexed the unrounded figure and drifted on re-import.
        {"title": "Hourly Coder", "company": "Peachtree Surgical", "external_id": "S-5", "salary_unit": "hour",
         "salary_min": 24.555, "salary_max": 26.125,
         "description": "Medical coder for CPT and ICD-10-CM. CPC required."},
    ]
    assert runner.invoke(args=["jobs", "import", feed(tmp_path, first)]).exit_code == 0
    changed = [
        {**first[0], "description": "Code lymph node cases with CPT 38900 only. CGSC required.",
         "salary_min": 56000},
        {**first[1], "title": "Senior Risk Adjustment Coder"},
        first[2],  # unchanged
        {**first[3], "credentials_required": ["CEDC", "CPC"], "specialties": ["emergency-department"]},
        first[4],
    ]
    # The changed file, then the same file again (every line unchanged: nothing is rewritten).
    for expected in ("0 created, 3 updated, 2 unchanged, 0 failed", "0 created, 0 updated, 5 unchanged, 0 failed"):
        result = runner.invoke(args=["jobs", "import", feed(tmp_path, changed, "changed.jsonl")])
        assert result.exit_code == 0 and expected in result.output, result.output
        check = runner.invoke(args=["search", "check"])
        assert check.exit_code == 0, check.output
    with app.app_context():
        by_id = {p.external_id: p for p in db.session.scalars(select(Posting))}
        assert len(by_id) == 5
        assert (by_id["S-5"].salary_min, by_id["S-5"].salary_max) == (Decimal("24.56"), Decimal("26.13"))
        assert [c.code for c in by_id["S-1"].cpt_codes] == ["38900"]
        assert [c.abbreviation for c in by_id["S-1"].credentials_required] == ["CGSC"]
        assert by_id["S-1"].salary_min == Decimal("56000")
        assert by_id["S-2"].title == "Senior Risk Adjustment Coder"
        assert {c.abbreviation for c in by_id["S-4"].credentials_required} == {"CEDC", "CPC"}
    client = app.test_client()
    assert [i["title"] for i in client.get("/api/v1/jobs", query_string={"q": "senior"}).get_json()["items"]] == [
        "Senior Risk Adjustment Coder"]
    items = client.get("/api/v1/jobs", query_string={"q": "CGSC"}).get_json()["items"]
    assert [i["title"] for i in items] == ["Surgical Coder"]
    assert client.get("/api/v1/jobs", query_string={"q": "38792"}).get_json()["total"] == 0
