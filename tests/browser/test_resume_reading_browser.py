"""A coder uploads a résumé on a phone, sees the suggestions ticked, unticks one, adds the rest
to the profile in one click; then a scanned PDF is named plainly."""

import pytest
from playwright.sync_api import expect

from jobboard.extensions import db
from jobboard.models.user import User
from tests.browser.test_apply_browser import sign_in
from tests.browser.test_site_browser import axe_problems
from tests.conftest import PASSWORD
from tests.test_resume_reading import LINES, pdf_with_lines, scanned_pdf

pytestmark = pytest.mark.browser


def test_upload_tick_and_accept_suggestions(page, live_server, tmp_path):
    with live_server.app_context():
        db.session.add(User(email="morgan@example.com", password=PASSWORD, role="seeker", name="Morgan Ellery"))
        db.session.commit()
    resume = tmp_path / "Morgan CV.pdf"
    resume.write_bytes(pdf_with_lines(LINES))
    sign_in(page, "morgan@example.com")
    page.goto("/seeker")
    page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(resume))
    page.get_by_role("button", name="Upload résumé").click()
    expect(page.get_by_text("We read it: check the suggestions for your profile below.")).to_be_visible()

    suggestions = page.locator("#resume-proposals")
    for label in ("CPC – Certified Professional Coder", "CRC – Certified Risk Adjustment Coder",
                  "CCS – Certified Coding Specialist", "Risk Adjustment (HCC)", "Orthopedics",
                  "Years of coding experience: 8", "Location: Flagstaff, AZ"):
        expect(suggestions.get_by_label(label)).to_be_checked()
    assert axe_problems(page) == []
    suggestions.get_by_label("CCS – Certified Coding Specialist").uncheck()
    suggestions.get_by_role("button", name="Add the ticked items to my profile").click()

    expect(page.get_by_text("Your profile is updated from your résumé.")).to_be_visible()
    expect(page.locator("#resume-proposals")).to_have_count(0)
    profile = page.locator("dl")
    expect(profile).to_contain_text("CPC")
    expect(profile).to_contain_text("CRC")
    expect(profile).not_to_contain_text("CCS")
    expect(profile).to_contain_text("8 years")
    expect(profile).to_contain_text("Flagstaff, AZ")

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf())
    page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(scan))
    page.get_by_role("button", name="Replace résumé").click()
    expect(page.get_by_text("This PDF has no text we can read — it looks scanned.")).to_be_visible()
