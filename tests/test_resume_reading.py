"""Résumé reading: the text of an uploaded PDF or DOCX becomes suggestions for the profile, which
the seeker accepts in one POST; scans, password-protected, broken and oversized files are stored
and named plainly, never a 500."""
import io
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from html import unescape

import docx
import pytest
from pypdf import PdfWriter

from jobboard import resume_text
from jobboard.extensions import db
from jobboard.models.application import Resume
from jobboard.models.user import User
from jobboard.resume_proposals import Proposals, propose
from jobboard.resume_text import ENCRYPTED, READ, SCANNED, UNREADABLE, read_text
from jobboard.services import DomainError
from jobboard.services.resumes import accept_proposals
from jobboard.tagging import resume_tags
from tests.conftest import post_form
from tests.pdfs import pdf_with_lines, scanned_pdf
from tests.test_applications import upload

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# A résumé written for these tests: header with a place, credentials in a list, two jobs.
LINES = [
    "Morgan Ellery",
    "Flagstaff, AZ 86001 - morgan@example.com",
    "Credentials: CPC, CRC - AAPC",
    "Certified Coding Specialist (CCS), AHIMA",
    "Work history",
    "Risk adjustment coder, Pine Ridge Health, 2019 - Present",
    "Reviewed HCC charts and coded ICD-10-CM diagnoses for Medicare Advantage members.",
    "Orthopaedic surgery coder, Canyon Bone and Joint, Mar 2015 - Dec 2018",
    "Coded fracture care, arthroscopy and joint replacement procedures.",
    "Eight years of medical coding experience.",
]


def encrypted_pdf(user_password="open sesame") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_with_lines(LINES)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def malformed_pdf() -> bytes:
    """A PDF header and trailer around a truncated, nonsensical body."""
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nstream\n\x00\xff garbage <<<< ]]\n%%EOF\n"


def docx_resume(lines, in_table=()) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if in_table:
        table = document.add_table(rows=len(in_table), cols=2)
        for row, (left, right) in zip(table.rows, in_table, strict=True):
            row.cells[0].text, row.cells[1].text = left, right
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb() -> bytes:
    """A valid-looking Word file whose main part inflates to far more than a résumé."""
    data = io.BytesIO(docx_resume(["Short"]))
    out = io.BytesIO()
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "word/document.xml":
                body = body.replace(b"Short", b"x" * (resume_text.MAX_DOCUMENT_XML + 1))
            target.writestr(info.filename, body)
    return out.getvalue()


# ------------------------------------------------------------------ reading the text

def test_pdf_and_docx_text_is_read():
    read = read_text(pdf_with_lines(LINES), PDF_TYPE)
    assert read.outcome == READ and "Flagstaff, AZ" in read.text and "Eight years" in read.text
    read = read_text(docx_resume(LINES[:3], in_table=[("Coder II", "2016 - 2020")]), DOCX_TYPE)
    assert read.outcome == READ
    assert read.text.splitlines()[:3] == LINES[:3] and "Coder II  2016 - 2020" in read.text


@pytest.mark.parametrize("data, content_type, outcome", [
    (scanned_pdf(), PDF_TYPE, SCANNED),
    (encrypted_pdf(), PDF_TYPE, ENCRYPTED),
    (malformed_pdf(), PDF_TYPE, UNREADABLE),
    (b"%PDF-1.4\n" + b"\x00" * 5000 + b"\n%%EOF", PDF_TYPE, UNREADABLE),
    (docx_bomb(), DOCX_TYPE, UNREADABLE),
    (b"PK\x03\x04 truncated", DOCX_TYPE, UNREADABLE),
])
def test_files_without_readable_text_get_an_outcome_not_an_error(data, content_type, outcome):
    assert read_text(data, content_type) == resume_text.ResumeText(outcome)


def test_a_pdf_protected_only_against_changes_is_read():
    assert read_text(encrypted_pdf(user_password=""), PDF_TYPE).outcome == READ


def test_a_reader_that_takes_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(resume_text, "WALL_SECONDS", 0.001)
    assert read_text(pdf_with_lines(LINES), PDF_TYPE).outcome == UNREADABLE


def pdf_of_pages(pages) -> bytes:
    writer = PdfWriter()
    for lines in pages:
        writer.add_page(PdfWriter(clone_from=io.BytesIO(pdf_with_lines(lines))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_only_the_first_pages_and_characters_are_kept():
    pages = [[f"Marker page {n} of a long coding resume"] for n in range(1, resume_text.MAX_PAGES + 5)]
    read = read_text(pdf_of_pages(pages), PDF_TYPE)
    assert read.outcome == READ
    assert f"Marker page {resume_text.MAX_PAGES} of" in read.text
    assert f"Marker page {resume_text.MAX_PAGES + 1} of" not in read.text
    wordy = [["Coding audit notes " * 20] * 60]
    read = read_text(pdf_of_pages(wordy * 3), PDF_TYPE)
    assert read.outcome == READ and len(read.text) == resume_text.MAX_CHARS


# ------------------------------------------------------------------ what the text suggests

def test_proposals_from_a_resume():
    text = "\n".join(LINES)
    assert propose(text, today=date(2026, 11, 1)) == Proposals(
        ("CPC", "CRC", "CCS"), ("risk-adjustment", "orthopedics"), 8, "Flagstaff", "AZ")


@pytest.mark.parametrize("text, years", [
    ("Coder, 2019 - Present\nCoder, Mar 2015 - Dec 2018", 11),  # 95 + 46 months, rounded down
    ("Coder, 01/2018 - 12/2021\nAuditor, 06/2020 - 05/2022", 4),  # overlap counted once
    ("Over 12 years of experience in coding", 12),
    ("5+ years coding for cardiology", 5),
    ("Team of 40 coders; 3 years as a coder", 3),
    ("Volunteered 2 years at a food bank", None),  # not coding work, no dates
    ("Graduated 2014", None),
    ("Coder, 2030 - 2032", None),  # future dates are ignored
])
def test_years_of_experience(text, years):
    assert propose(text, today=date(2026, 11, 1)).years_experience == years


@pytest.mark.parametrize("text, place", [
    ("Ana Ruiz\nSanta Fe, New Mexico\nana@example.com", ("Santa Fe", "NM")),
    ("Lee Park | Des Moines, IA 50309", ("Des Moines", "IA")),
    ("Lee Park, CPC\nRemote", ("", "")),
    ("Lee Park\nSpringfield, ZZ", ("", "")),
])
def test_location_from_the_header(text, place):
    proposals = propose(text)
    assert (proposals.city, proposals.state) == place


def test_resume_credentials_written_out_or_listed():
    assert resume_tags("Certified Professional Coder (CPC), Certified Risk Adjustment Coder").credentials == (
        "CPC", "CRC")
    assert resume_tags("CPC-A, AAPC 2024; Certified Coding Associate").credentials == ("CPC-A", "CCA")
    assert resume_tags("Certified Outpatient Coder since 2020").credentials == ("COC",)
    assert resume_tags("Ran Google Ads campaigns, optimised CPC and CTR").credentials == ()


# ------------------------------------------------------------------ the seeker's pages

@pytest.fixture
def seeker(app, auth):
    auth.register("seeker", email="morgan@example.com")
    return auth.client


def answer(client, resume_id, follow_redirects=False, **fields):
    """Post the suggestions form as the page's checkboxes send it."""
    return post_form(client, f"/seeker/resumes/{resume_id}/proposals",
                     {f"proposal-{name}": value for name, value in fields.items()}, page="/seeker",
                     follow_redirects=follow_redirects)


def profile_of(app):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "morgan@example.com"))
        profile = user.seeker_profile
        return ({c.abbreviation for c in profile.credentials}, {s.slug for s in profile.specialties},
                profile.years_experience, profile.city, profile.state)


def the_resume(app):
    with app.app_context():
        resume = db.session.scalar(db.select(Resume).order_by(Resume.id.desc()))
        return resume.id, resume.reading, resume.proposals


def ticked(html, name):
    return re.findall(rf'<input checked[^>]*name="{name}"[^>]*value="([^"]+)"|'
                      rf'<input[^>]*name="{name}"[^>]*value="([^"]+)"[^>]*checked', html)


def test_upload_shows_ticked_suggestions_and_one_post_merges_them(app, seeker):
    post_form(seeker, "/seeker/profile", {"credentials": ["CPC", "COC"], "specialties": ["cardiology"],
                                          "years_experience": "3", "city": "", "state": ""})
    response = upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    assert response.status_code == 302
    resume_id, reading, proposals = the_resume(app)
    assert reading == READ and proposals["credentials"] == ["CPC", "CRC", "CCS"]
    html = unescape(seeker.get("/seeker").get_data(as_text=True))
    assert "We read it: check the suggestions for your profile below." in html
    form = html[html.index('id="resume-proposals"'):html.index("</form>", html.index('id="resume-proposals"'))]
    # CPC is already held, 3 years are already stated: neither is offered again.
    assert [a or b for a, b in ticked(form, "proposal-credentials")] == ["CRC", "CCS"]
    assert [a or b for a, b in ticked(form, "proposal-specialties")] == ["risk-adjustment", "orthopedics"]
    assert "Years of coding experience" not in form
    assert "Location: Flagstaff, AZ" in form and 'name="proposal-location"' in form
    # The seeker unticks CCS and orthopaedics and accepts the rest.
    response = answer(seeker, resume_id, credentials=["CRC"], specialties=["risk-adjustment"], location="y",
                      accept="Add")
    assert response.status_code == 302
    assert profile_of(app) == ({"CPC", "COC", "CRC"}, {"cardiology", "risk-adjustment"}, 3, "Flagstaff", "AZ")
    assert the_resume(app)[2] is None
    html = seeker.get("/seeker").get_data(as_text=True)
    assert 'id="resume-proposals"' not in html
    # A second submit of the same form adds nothing and says so.
    response = answer(seeker, resume_id, credentials=["CCS"], accept="Add", follow_redirects=True)
    assert response.status_code == 200
    assert "You have already answered these suggestions." in unescape(response.get_data(as_text=True))
    assert profile_of(app)[0] == {"CPC", "COC", "CRC"}


def test_a_docx_resume_fills_an_empty_profile(app, seeker):
    upload(seeker, docx_resume(LINES), "cv.docx")
    resume_id = the_resume(app)[0]
    response = answer(seeker, resume_id, credentials=["CPC", "CRC", "CCS"], specialties=["risk-adjustment"],
                      years_experience="y", location="y", accept="Add")
    assert response.status_code == 302
    assert profile_of(app) == ({"CPC", "CRC", "CCS"}, {"risk-adjustment"}, 8, "Flagstaff", "AZ")


def test_suggestions_can_be_dismissed(app, seeker):
    upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    resume_id = the_resume(app)[0]
    response = answer(seeker, resume_id, credentials=["CPC"], dismiss="Ignore")
    assert response.status_code == 302
    assert profile_of(app) == (set(), set(), None, "", "")
    assert the_resume(app)[2] is None


def test_only_suggested_items_can_be_added(app, seeker):
    upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    resume_id = the_resume(app)[0]
    response = answer(seeker, resume_id, credentials=["RHIA"], accept="Add")
    assert response.status_code == 422
    assert "'RHIA' is not a valid choice for this field." in unescape(response.get_data(as_text=True))
    assert profile_of(app) == (set(), set(), None, "", "")
    assert the_resume(app)[2] is not None


def test_another_seekers_resume_adds_nothing(app, seeker):
    upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    resume_id = the_resume(app)[0]
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).register("seeker")
    upload(other, pdf_with_lines(["Nothing here"]), "mine.pdf")
    response = answer(other, resume_id, credentials=["CPC"], accept="Add", follow_redirects=True)
    assert response.status_code == 200 and "nothing was added" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Resume, resume_id).proposals["credentials"] == ["CPC", "CRC", "CCS"]
        other_profile = db.session.scalar(db.select(User).where(User.email != "morgan@example.com")).seeker_profile
        assert other_profile.credentials == []


@pytest.mark.parametrize("data, name, reading, message", [
    (scanned_pdf(), "scan.pdf", SCANNED, "This PDF has no text we can read — it looks scanned."),
    (encrypted_pdf(), "locked.pdf", ENCRYPTED, "This PDF is password-protected, so we could not read the text."),
    (malformed_pdf(), "broken.pdf", UNREADABLE, "We could not read the text of this file."),
    (docx_bomb(), "bomb.docx", UNREADABLE, "We could not read the text of this file."),
])
def test_unreadable_files_are_stored_and_said_plainly(app, seeker, data, name, reading, message):
    response = upload(seeker, data, name)
    assert response.status_code == 302
    assert the_resume(app)[1:] == (reading, None)
    html = unescape(seeker.get("/seeker").get_data(as_text=True))
    assert message in html
    assert 'id="resume-proposals"' not in html
    assert profile_of(app) == (set(), set(), None, "", "")


def test_a_new_resume_replaces_the_old_suggestions(app, seeker):
    upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    first = the_resume(app)[0]
    upload(seeker, docx_resume(["Jo Park", "Reno, NV", "CCA, AHIMA"]), "new.docx")
    with app.app_context():
        assert db.session.get(Resume, first).proposals is None
    html = unescape(seeker.get("/seeker").get_data(as_text=True))
    assert "Location: Reno, NV" in html and 'value="CCA"' in html and 'value="CRC"' not in html
    response = answer(seeker, first, credentials=["CRC"], accept="Add", follow_redirects=True)
    assert "nothing was added" in response.get_data(as_text=True)
    assert profile_of(app)[0] == set()


def test_two_racing_accepts_add_each_credential_once(app, seeker):
    upload(seeker, pdf_with_lines(LINES), "cv.pdf")
    resume_id = the_resume(app)[0]
    start = threading.Barrier(2)

    def accept():
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.email == "morgan@example.com"))
            start.wait()
            try:
                accept_proposals(user, resume_id, credentials=["CPC", "CRC"])
            except DomainError as error:
                return error.message
            return "added"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: accept(), range(2)))
    assert outcomes == ["You have already answered these suggestions.", "added"]
    assert profile_of(app)[0] == {"CPC", "CRC"}
