"""One rule for text input: NUL and other controls, line breaks in one-line fields, bidi
overrides and non-web addresses are refused with a message (400 for query parameters and path
segments, 422 beside the field for forms) and never reach the database."""
import io
import re
from html import unescape

import pytest
from flask_wtf import FlaskForm

from jobboard.extensions import db
from jobboard.models.application import Resume
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.models.seeker import SeekerProfile
from jobboard.models.user import User
from jobboard.text_input import (
    CONTROL_MESSAGE,
    LINE_MESSAGE,
    URL_MESSAGE,
    clean_filename,
    http_url_problem,
    text_problem,
)
from tests.conftest import Auth, post_form
from tests.factories import make_posting

PAY_MESSAGE = "Enter an amount such as 52000 or 24.50"

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- the rule itself ----------------------------------------------------------------------

@pytest.mark.parametrize("value, multiline, expected", [
    ("Surgical Coder (CPC)", False, None),
    ("Ünïcode — 外科 coder 😀", False, None),
    ("a\x00b", False, CONTROL_MESSAGE),
    ("a\x00b", True, CONTROL_MESSAGE),
    ("a\x1bb", True, CONTROL_MESSAGE),
    ("a\x7fb", True, CONTROL_MESSAGE),
    ("a\x85b", True, CONTROL_MESSAGE),
    ("a\ud800b", True, CONTROL_MESSAGE),
    ("line one\nline two\r\n\tindented", True, None),
    ("line one\nline two", False, LINE_MESSAGE),
    ("a\rb", False, LINE_MESSAGE),
    ("coder\u202egnp.exe", False, LINE_MESSAGE),
    ("isolated \u2066text\u2069", False, LINE_MESSAGE),
])
def test_text_problem(value, multiline, expected):
    assert text_problem(value, multiline=multiline) == expected


@pytest.mark.parametrize("value, ok", [
    ("https://example.com", True),
    ("http://coding.example.org/careers?x=1#top", True),
    ("HTTPS://EXAMPLE.COM/", True),
    ("javascript:alert(1)", False),
    ("JavaScript://example.com/%0Aalert(1)", False),
    (" javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("file:///etc/passwd", False),
    ("https://", False),
    ("example.com", False),
    ("https://exa mple.com", False),
    ("https://example.com/\x00", False),
    ("https://example.com:99999999/", False),
])
def test_http_url_problem(value, ok):
    assert (http_url_problem(value) is None) is ok


def test_clean_filename_keeps_a_safe_display_name():
    assert clean_filename("cv\r\nSet-Cookie: x.pdf") == "cv__Set-Cookie: x.pdf"
    assert clean_filename("C:\\Users\\me\\résumé\x00.pdf") == "résumé_.pdf"
    assert clean_filename("cv\u202efdp.exe") == "cv_fdp.exe"
    assert clean_filename("../..", default="resume") == "resume"


def test_every_form_uses_the_base_form():
    import jobboard.forms.applications
    import jobboard.forms.auth
    import jobboard.forms.moderation
    import jobboard.forms.posting
    import jobboard.forms.profiles  # noqa: F401
    from jobboard.forms.base import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("jobboard.")]
    assert len(ours) > 10
    assert [c.__name__ for c in ours if not issubclass(c, Form)] == []


# --- query parameters and path segments ---------------------------------------------------

@pytest.mark.parametrize("url, parameter", [
    ("/companies/a%00b", "slug"),
    ("/specialties/a%00b", "slug"),
    ("/codes/a%00b", "code"),
    ("/codes?q=a%00b", "q"),
    ("/jobs?q=a%00b", "q"),
    ("/jobs?city=a%0D%0Ab", "city"),
    ("/jobs.atom?q=%00", "q"),
    ("/?x=%E2%80%AE", "x"),
])
def test_bad_query_parameters_and_path_segments_are_a_400_naming_them(app, client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert f"{parameter}: " in page_text(response)


def test_a_bad_parameter_name_is_a_400_too(client):
    response = client.get("/jobs?a%00b=1")
    assert response.status_code == 400
    assert "(a parameter name)" in page_text(response)


def test_api_answers_the_400_in_json(client):
    response = client.get("/api/v1/jobs?q=a%00b")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert response.get_json()["error"]["message"].startswith("q: ")


def test_ordinary_unicode_parameters_still_work(client):
    assert client.get("/jobs?q=c%C3%B3digo%20%E5%A4%96%E7%A7%91").status_code == 200
    assert client.get("/codes?q=knee").status_code == 200


# --- forms --------------------------------------------------------------------------------

def test_registration_refuses_nul_and_line_breaks_beside_the_field(app, client):
    email, response = Auth(client).register("seeker", name="Ann\x00Coder")
    assert response.status_code == 422
    html = page_text(response)
    assert CONTROL_MESSAGE in html and 'value="Ann\x00Coder"' in html  # what was typed stays
    _, response = Auth(client).register("seeker", name="Ann\r\nBcc: x@example.com")
    assert response.status_code == 422 and LINE_MESSAGE in page_text(response)
    _, response = Auth(client).register("seeker", email="a\x00b@example.com")
    assert response.status_code == 422
    _, response = Auth(client).register("employer", company_name="Acme\u202e")
    assert response.status_code == 422 and LINE_MESSAGE in page_text(response)
    assert count(app, User) == 0


def test_login_and_reset_refuse_nul(app, client):
    response = post_form(client, "/login", {"email": "a\x00@example.com", "password": "x\x00"})
    assert response.status_code == 422 and CONTROL_MESSAGE in page_text(response)
    response = post_form(client, "/reset-password", {"email": "a\x00@example.com"})
    assert response.status_code == 422 and CONTROL_MESSAGE in page_text(response)


def test_report_note_refuses_nul(app, client):
    with app.app_context():
        posting_id = make_posting().id
    response = post_form(client, f"/jobs/{posting_id}/report",
                         {"report-reason": "spam", "report-note": "bad\x00note"}, page=f"/jobs/{posting_id}")
    assert response.status_code == 422 and CONTROL_MESSAGE in page_text(response)
    assert "bad\x00note" in response.get_data(as_text=True)


@pytest.fixture
def employer(app):
    from jobboard.services.codes import load_curated_codes

    with app.app_context():
        load_curated_codes()
    client = app.test_client()
    Auth(client).register("employer", company_name="Summit Coding")
    return client


POSTING = {
    "title": "Remote Surgical Coder", "description": "Code lymph node cases.",
    "city": "Denver", "state": "CO", "arrangement": "remote", "employment_type": "full_time",
    "salary_min": "55000", "salary_max": "70000", "salary_unit": "year",
    "specialties": ["hemic-lymphatic"], "credentials_required": ["CPC"], "cpt_codes": "38900",
    "action": "publish",
}


@pytest.mark.parametrize("field, value, message", [
    ("title", "Coder\x00", CONTROL_MESSAGE),
    ("title", "Coder\nSecond line", LINE_MESSAGE),
    ("title", "Coder \u202eCPC", LINE_MESSAGE),
    ("description", "Text\x00", CONTROL_MESSAGE),
    ("city", "Den\x00ver", CONTROL_MESSAGE),
    ("cpt_codes", "38900\x00", CONTROL_MESSAGE),
    ("salary_min", "5\x00", CONTROL_MESSAGE),
    ("state", "C\x00", CONTROL_MESSAGE),
    ("specialties", ["hemic\x00"], CONTROL_MESSAGE),
    # pay figures are read by the importer's own rule (parse_decimal), with its message
    ("salary_min", "sNaN", PAY_MESSAGE),
    ("salary_min", "1e-999999", PAY_MESSAGE),
    ("salary_max", "٥٥٠٠٠", PAY_MESSAGE),
    ("salary_max", "9" * 400, PAY_MESSAGE),
    ("apply_url", "javascript:alert(1)", URL_MESSAGE),
    ("apply_url", "data:text/html,hi", URL_MESSAGE),
])
def test_posting_form_refuses_bad_text_beside_the_field(app, employer, field, value, message):
    response = post_form(employer, "/jobs/new", {**POSTING, field: value})
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(app, Posting) == 0


def test_posting_description_keeps_line_breaks_and_tabs(app, employer):
    response = post_form(employer, "/jobs/new", {**POSTING, "description": "One\r\n\tTwo",
                                                 "apply_url": "https://careers.example.com/1"})
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalar(db.select(Posting))
        assert "\tTwo" in posting.description and posting.apply_url == "https://careers.example.com/1"


COMPANY = {"name": "Summit Coding", "website": "", "city": "", "state": "", "about": ""}


@pytest.mark.parametrize("field, value, message", [
    ("name", "Summit\x00", CONTROL_MESSAGE),
    ("name", "Summit\u2067", LINE_MESSAGE),
    ("about", "About\x00", CONTROL_MESSAGE),
    ("city", "x\x00", CONTROL_MESSAGE),
    ("website", "javascript:alert(document.cookie)", URL_MESSAGE),
    ("website", "https://ex\x00ample.com", CONTROL_MESSAGE),
])
def test_company_form_refuses_bad_text_and_non_web_addresses(app, employer, field, value, message):
    response = post_form(employer, "/employer/company", {**COMPANY, field: value})
    assert response.status_code == 422
    assert message in page_text(response)
    with app.app_context():
        company = db.session.scalar(db.select(Company))
        assert company.name == "Summit Coding" and company.website == "" and company.about == ""


def test_company_website_https_is_stored_and_linked(app, employer):
    response = post_form(employer, "/employer/company", {**COMPANY, "website": "https://summit.example.com"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Company.website)) == "https://summit.example.com"


@pytest.fixture
def seeker(app):
    client = app.test_client()
    Auth(client).register("seeker")
    return client


@pytest.mark.parametrize("field, value", [
    ("headline", "CPC\x00"), ("headline", "CPC\r\nmore"), ("city", "\x00"), ("years_experience", "3\x00"),
    ("years_experience", "²"), ("years_experience", "١٢"), ("desired_salary", "9" * 400),
])
def test_profile_form_refuses_bad_text(app, seeker, field, value):
    response = post_form(seeker, "/seeker/profile", {"headline": "", field: value})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(SeekerProfile.headline)) == ""


def test_upload_file_name_with_nul_and_line_breaks_is_stored_cleaned(app, seeker):
    response = post_form(seeker, "/seeker/resume",
                         {"resume": (io.BytesIO(PDF_BYTES), "my\x00cv\u202e.pdf")}, page="/seeker",
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        resume = db.session.scalar(db.select(Resume))
        assert re.fullmatch(r"[^\x00-\x1f]+", resume.original_name)


def test_save_search_with_line_breaks_in_the_query_redirects_safely(app, seeker):
    response = post_form(seeker, "/seeker/searches",
                         {"name": "HCC", "query": "q=HCC\r\nSet-Cookie: a=b&arrangement=remote",
                          "frequency": "daily"}, page="/seeker")
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    response = post_form(seeker, "/seeker/searches",
                         {"name": "Remote", "query": "q=a%0D%0Ab%00&arrangement=remote", "frequency": "daily"},
                         page="/seeker")
    assert response.status_code == 302
    from jobboard.models.activity import SavedSearch

    with app.app_context():
        assert db.session.scalars(db.select(SavedSearch.query)).all() == ["arrangement=remote"]
