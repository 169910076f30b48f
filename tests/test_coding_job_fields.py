"""Coding job fields and the apprentice pathway through the site: inferred on save, edited on the
form, shown on the posting, filtered and faceted on /jobs and the API, in JSON-LD, the page for
new coders, and CPC-A seekers' recommendations."""
import json
import re
from decimal import Decimal

from jobboard.extensions import db
from jobboard.models.posting import Posting
from tests.conftest import Auth, post_form
from tests.factories import make_employer, make_posting

INPATIENT = ("Inpatient Coder\nAssign ICD-10-CM, ICD-10-PCS and MS-DRGs for acute stays in Epic with the 3M "
             "encoder. Standard: 2.5 inpatient charts per hour and 95% coding accuracy. CCS required; "
             "3 years of inpatient coding required.")
APPRENTICE = ("Outpatient Coder I\nCPC-A welcome: we train new coders to code clinic visits with CPT and "
              "ICD-10-CM in our physician practices on athenahealth.")
PLAIN = "Billing Specialist\nWork denials and post payments for a clinic. CPB preferred."


def _postings(app):
    with app.app_context():
        author = make_employer()
        return {
            "inpatient": make_posting(author=author, title="Inpatient Coder", description=INPATIENT,
                                      specialties=["inpatient-facility"], credentials_required=["CCS"]).id,
            "apprentice": make_posting(author=author, title="Outpatient Coder I", description=APPRENTICE,
                                       specialties=["outpatient-facility"], credentials_required=[],
                                       credentials_preferred=["CPC-A", "CCA"]).id,
            "plain": make_posting(author=author, title="Billing Specialist", description=PLAIN,
                                  specialties=["billing-rcm"], credentials_required=[],
                                  credentials_preferred=["CPB"]).id,
        }


def test_fields_left_empty_are_read_from_the_text(app):
    ids = _postings(app)
    with app.app_context():
        inpatient = db.session.get(Posting, ids["inpatient"])
        assert (inpatient.apprentice, inpatient.work_setting, inpatient.code_set_list, inpatient.encoder_list) == (
            False, "inpatient", ["icd10cm", "icd10pcs", "drg"], ["epic", "3m"])
        assert (inpatient.productivity, inpatient.productivity_per, inpatient.chart_type, inpatient.accuracy_pct) \
            == (Decimal("2.5"), "hour", "inpatient", Decimal("95"))
        apprentice = db.session.get(Posting, ids["apprentice"])
        assert apprentice.apprentice and apprentice.work_setting == "outpatient"   # the title says so
        assert apprentice.encoder_list == ["athenahealth"]
        plain = db.session.get(Posting, ids["plain"])
        assert (plain.apprentice, plain.work_setting, plain.code_sets, plain.productivity) == (False, None, "", None)


def test_spelled_figures_and_a_later_apprentice_removal_are_read_on_save(app):
    with app.app_context():
        posting = make_posting(
            title="Outpatient Coder I", specialties=["outpatient-facility"], credentials_required=[],
            description="Outpatient Coder I\nHospital outpatient clinic coding with CPT and ICD-10-CM. CPC-A is "
                        "fine, provided the apprentice status is removed within two years of hire. Three charts "
                        "per hour; accuracy of ninety-six percent.")
        assert (posting.apprentice, posting.work_setting) == (True, "outpatient")
        assert (posting.productivity, posting.productivity_per, posting.accuracy_pct) == (3, "hour", 96)


def test_what_the_employer_sets_stands_over_the_text(app):
    with app.app_context():
        posting = make_posting(description=APPRENTICE, apprentice=False, work_setting="outpatient",
                               code_sets=["hcpcs"], encoders=["cerner"], productivity=Decimal(30),
                               productivity_per="day", chart_type="clinic", accuracy_pct=Decimal("96.5"))
        assert (posting.apprentice, posting.work_setting, posting.code_sets, posting.encoders) == (
            False, "outpatient", "hcpcs", "cerner")
        assert (posting.productivity, posting.productivity_per, posting.accuracy_pct) == (30, "day", Decimal("96.5"))


FORM = {"title": "Inpatient Coder", "description": INPATIENT, "city": "Austin", "state": "TX",
        "arrangement": "onsite", "employment_type": "full_time", "salary_min": "", "salary_max": "",
        "salary_unit": "year", "cpt_codes": "", "specialties": ["inpatient-facility"],
        "credentials_required": ["CCS"]}


def _selected(html, name):
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)


def test_posting_form_infers_edits_and_shows_the_fields(app):
    client = app.test_client()
    Auth(client).register("employer", company_name="Lakeshore Health")
    preview = post_form(client, "/jobs/new", {**FORM, "action": "preview"}).get_data(as_text=True)
    assert "Work setting: Inpatient facility" in preview
    assert re.search(r'value="inpatient"\s+selected|selected\s+value="inpatient"', preview)
    assert re.search(r'checked[^>]*value="icd10pcs"|value="icd10pcs"[^>]*checked', preview)
    assert post_form(client, "/jobs/new", {**FORM, "action": "publish"}).status_code == 302
    with app.app_context():
        posting = db.session.scalar(db.select(Posting))
        assert (posting.work_setting, posting.accuracy_pct) == ("inpatient", 95)
    edit = f"/jobs/{posting.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert re.search(r'value="2.5\d*"', page) and 'value="inpatient"' in page
    assert re.search(r'<option selected value="no">|<option value="no" selected>', page)
    changed = {**FORM, "apprentice": "yes", "work_setting": "payer", "code_sets": ["icd10cm"],
               "encoders": ["optum"], "productivity": "20", "productivity_per": "day", "chart_type": "HCC",
               "accuracy_pct": "97", "action": "save"}
    assert post_form(client, edit, changed).status_code == 302
    with app.app_context():
        posting = db.session.get(Posting, posting.id)
        assert (posting.apprentice, posting.work_setting, posting.code_sets, posting.encoders) == (
            True, "payer", "icd10cm", "optum")
        assert (posting.productivity, posting.productivity_per, posting.chart_type, posting.accuracy_pct) == (
            20, "day", "HCC", 97)
    shown = client.get(f"/jobs/{posting.id}").get_data(as_text=True)
    fields = shown.split('class="small coding-fields"', 1)[1].split("</dl>", 1)[0]
    for text in ("Payer / risk adjustment", "ICD-10-CM", "20 HCC charts per day", "97%", "Optum"):
        assert text in fields, text
    assert "Open to CPC-A / new coders" in shown


def test_form_refuses_bad_figures_beside_the_field_and_keeps_the_text(app):
    client = app.test_client()
    Auth(client).register("employer", company_name="Lakeshore Health")
    for name, value in (("productivity", "NaN"), ("productivity", "5000"), ("accuracy_pct", "120"),
                        ("accuracy_pct", "1e999999"), ("work_setting", "moon"), ("code_sets", ["icd9"])):
        response = post_form(client, "/jobs/new", {**FORM, name: value, "action": "draft"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (name, value)
        assert re.search(rf'name="{name}".*?invalid-feedback', html, re.S), (name, value)
        assert "acute stays in Epic" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 0


def _ids(client, **params):
    body = client.get("/api/v1/jobs", query_string=params).get_json()
    return {item["id"] for item in body["items"]}, body


def test_filters_and_facets_through_the_api_and_the_page(app, client):
    ids = _postings(app)
    found, body = _ids(client, apprentice="1")
    assert found == {ids["apprentice"]}
    assert body["facets"]["apprentice"] == {"1": 1}
    assert body["facets"]["setting"] == {"outpatient": 1}     # the other filters apply
    _, body = _ids(client)
    assert body["facets"]["setting"] == {"inpatient": 1, "outpatient": 1}
    assert body["facets"]["code_set"] == {"icd10cm": 2, "icd10pcs": 1, "drg": 1, "cpt": 1}
    assert _ids(client, setting="inpatient")[0] == {ids["inpatient"]}
    assert _ids(client, setting=["inpatient", "outpatient"])[0] == {ids["inpatient"], ids["apprentice"]}
    assert _ids(client, code_set="drg")[0] == {ids["inpatient"]}
    assert _ids(client, encoder=["athenahealth", "epic"])[0] == {ids["inpatient"], ids["apprentice"]}
    assert _ids(client, encoder="cerner")[0] == set()
    # Facets of one filter count as if that filter were off, the others on.
    _, body = _ids(client, setting="inpatient", code_set="icd10cm")
    assert body["facets"]["setting"] == {"inpatient": 1, "outpatient": 1}
    assert body["facets"]["encoder"] == {"epic": 1, "3m": 1}
    item = _ids(client, setting="inpatient")[1]["items"][0]
    assert item["work_setting"] == {"key": "inpatient", "name": "Inpatient facility"}
    assert item["productivity"] == {"charts": 2.5, "per": "hour", "chart_type": "inpatient"}
    assert item["accuracy_pct"] == 95.0 and item["apprentice"] is False
    assert [c["key"] for c in item["code_sets"]] == ["icd10cm", "icd10pcs", "drg"]
    for name, value in (("apprentice", "2"), ("setting", "hospital"), ("code_set", "icd9"), ("encoder", "x" * 999)):
        response = client.get("/api/v1/jobs", query_string={name: value})
        assert response.status_code == 400 and response.get_json()["error"]["message"].startswith(name), name
        assert client.get("/jobs", query_string={name: value}).status_code == 400

    html = client.get("/jobs", query_string={"apprentice": "1", "setting": "outpatient"}).get_data(as_text=True)
    assert "Outpatient Coder I" in html and "Inpatient Coder" not in html
    assert 'aria-label="Remove filter Open to CPC-A / new coders"' in html
    assert 'aria-label="Remove filter Outpatient facility"' in html
    assert '<input type="hidden" name="apprentice" value="1">' in html
    assert "Work setting" in html and "Encoder / EHR" in html and "Code sets" in html


def test_json_ld_carries_skills_qualifications_and_occupation(app, client):
    ids = _postings(app)
    html = client.get(f"/jobs/{ids['inpatient']}").get_data(as_text=True)
    [ld] = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    assert ld["occupationalCategory"] == "29-2072"
    assert ld["skills"] == "Inpatient Facility coding, ICD-10-CM, ICD-10-PCS, DRG, Epic, 3M"
    assert ld["qualifications"].startswith("Required: CCS.")
    assert "2.5 inpatient charts per hour" in ld["qualifications"] and "95%" in ld["qualifications"]
    assert "experienceRequirements" not in ld
    html = client.get(f"/jobs/{ids['apprentice']}").get_data(as_text=True)
    [ld] = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    assert "Open to apprentice coders (CPC-A) and new graduates." in ld["qualifications"]
    assert ld["experienceRequirements"] == "no requirements"


def test_new_coders_page_lists_apprentice_jobs_and_the_credentials_they_accept(app, client):
    ids = _postings(app)
    html = client.get("/new-coders").get_data(as_text=True)
    assert "1 open job for new coders" in html
    assert f'/jobs/{ids["apprentice"]}"' in html and f'/jobs/{ids["inpatient"]}"' not in html
    accepted = html.split('id="accepted-credentials"', 1)[1].split("</ul>", 1)[0]
    assert ">CCA</a>" in accepted and ">CPC-A</a>" in accepted and "CCS" not in accepted
    assert "CPC-A (preferred), CCA (preferred)" in html or "CCA (preferred), CPC-A (preferred)" in html


def test_cpc_a_seekers_see_apprentice_jobs_first(app):
    with app.app_context():
        author = make_employer()
        # Newer postings sharing the seeker's specialty and credentials, not open to apprentices...
        older = make_posting(author=author, title="New Coder Welcome", description=APPRENTICE,
                             specialties=["radiology"], credentials_required=[]).id
        for n in range(3):
            make_posting(author=author, title=f"E/M Coder {n}", specialties=["evaluation-management"],
                         credentials_required=[], credentials_preferred=["CPC-A"],
                         description="Office E/M coding with CPT. Five years of coding required.")
    client = app.test_client()
    Auth(client).register("seeker")
    post_form(client, "/seeker/profile", {"credentials": ["CPC-A"], "specialties": ["evaluation-management"]})
    recommended = client.get("/seeker").get_data(as_text=True).split('id="recommended"', 1)[1].split("</section>")[0]
    links = re.findall(r'href="/jobs/(\d+)"', recommended)
    assert links and links[0] == str(older)
    # A seeker without an apprentice credential gets the specialty match first instead.
    other = app.test_client()
    Auth(other).register("seeker")
    post_form(other, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["evaluation-management"]})
    recommended = other.get("/seeker").get_data(as_text=True).split('id="recommended"', 1)[1].split("</section>")[0]
    assert re.findall(r'href="/jobs/(\d+)"', recommended)[0] != str(older)


def test_openapi_documents_the_new_parameters_and_fields(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/jobs"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"apprentice", "pay_posted", "setting", "code_set", "encoder"} <= names
    job = document["components"]["schemas"]["Job"]["properties"]
    assert {"apprentice", "pay_posted", "work_setting", "code_sets", "encoders", "productivity",
            "accuracy_pct"} <= set(job)
