"""A seeker applies with a PDF, the employer moves the application to interview, the seeker
sees it and the email arrived."""

import pytest
from playwright.sync_api import expect

from jobboard.extensions import db
from jobboard.models.user import User
from tests.conftest import PASSWORD
from tests.factories import make_employer, make_posting
from tests.test_applications import pdf_bytes

pytestmark = pytest.mark.browser


def sign_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_apply_move_to_interview_and_see_it(chromium, live_server, smtp_server, tmp_path):
    smtp_server.clear()
    with live_server.app_context():
        employer = make_employer(email="boss@example.com")
        posting_id = make_posting(author=employer, title="Remote Surgical Coder").id
        company = employer.company.name
        db.session.add(User(email="coder@example.com", password=PASSWORD, role="seeker",
                            name="Jordan Reyes"))
        db.session.commit()
    resume = tmp_path / "Jordan Reyes CV.pdf"
    resume.write_bytes(pdf_bytes())

    seeker = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(seeker, "coder@example.com")
    seeker.goto(f"/jobs/{posting_id}")
    seeker.get_by_label("Short cover note").fill("Six years of surgical coding, CPC.")
    seeker.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(resume))
    seeker.get_by_role("button", name="Send application").click()
    expect(seeker.get_by_text("Your application is sent.")).to_be_visible()

    boss = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(boss, "boss@example.com")
    boss.get_by_role("link", name="Applicants").click()
    expect(boss.get_by_role("heading", name="Jordan Reyes")).to_be_visible()
    expect(boss.get_by_role("link", name="Download résumé")).to_be_visible()
    for stage in ("Screening", "Interview"):
        boss.get_by_label("Move to").select_option(label=stage)
        boss.get_by_role("button", name="Move").click()
        expect(boss.get_by_text(f"Moved to {stage}.")).to_be_visible()

    seeker.goto("/seeker")
    row = seeker.locator("#applications tr", has_text="Remote Surgical Coder")
    expect(row.locator(".stage")).to_have_text("Interview")

    subjects = [m["Subject"] for m in smtp_server.to("coder@example.com")]
    assert subjects == [f"Application sent: Remote Surgical Coder at {company}",
                        f"Your application to {company}: Screening",
                        f"Your application to {company}: Interview"]
    assert [m["Subject"] for m in smtp_server.to("boss@example.com")] == [
        "New application: Remote Surgical Coder"]
    seeker.context.close()
    boss.context.close()
