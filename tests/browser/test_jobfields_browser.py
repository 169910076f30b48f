"""Journeys of the apprentice pathway and pay transparency: an employer's Colorado posting without
pay is refused with the law named beside the pay field, then published with a range; a CPC-A
seeker finds jobs for new coders, filters them and applies."""
import re

import pytest
from playwright.sync_api import expect

from jobboard.extensions import db
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential
from jobboard.models.user import User
from tests.browser.conftest import confirm_email
from tests.browser.test_apply_browser import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_employer, make_posting
from tests.test_applications import pdf_bytes

pytestmark = pytest.mark.browser


def test_colorado_posting_without_pay_is_refused_with_the_law_named(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/register?role=employer")
    page.get_by_label("Your name").fill("Dana Hiring")
    page.get_by_label("Email").fill("dana@frontrange.example")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_label("Company name").fill("Front Range Coding")
    page.get_by_role("button", name="Create account").click()
    confirm_email(page, live_server, "dana@frontrange.example")
    page.get_by_role("link", name="Post a job").click()

    page.get_by_label("Job title").fill("Outpatient Coder")
    page.get_by_label("Description").fill("Code clinic visits with CPT and ICD-10-CM. CPC required.")
    page.get_by_label("City").fill("Denver")
    page.get_by_label("State").select_option("CO")
    page.get_by_label("Work arrangement").select_option("onsite")
    page.get_by_role("button", name="Save and publish").click()

    pay = page.get_by_label("Pay from")
    expect(pay).to_have_class(re.compile(r"\bis-invalid\b"))
    feedback = page.locator("#salary_min ~ .invalid-feedback")
    expect(feedback).to_contain_text("Colorado requires a pay range in job postings")
    expect(feedback).to_contain_text("Equal Pay for Equal Work Act")
    expect(page.get_by_label("Job title")).to_have_value("Outpatient Coder")

    pay.fill("48000")
    page.get_by_label("Pay up to").fill("56000")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_text("The posting is published.")).to_be_visible()
    page.get_by_role("link", name="View public page").click()
    expect(page.get_by_text("Pay range posted").first).to_be_visible()


def test_cpc_a_seeker_finds_filters_and_applies(chromium, live_server, tmp_path):
    with live_server.app_context():
        employer = make_employer(email="hiring@clinic.example")
        make_posting(author=employer, title="Primary Care Coder I", specialties=["family-internal-medicine"],
                     credentials_required=[], credentials_preferred=["CPC-A"],
                     description="CPC-A welcome: we train new coders on office visit CPT coding in athenahealth.")
        make_posting(author=employer, title="Senior Inpatient Coder", specialties=["inpatient-facility"],
                     credentials_required=["CCS"],
                     description="Inpatient ICD-10-PCS and DRG coding. Five years of inpatient coding required.")
        seeker = User(email="newcoder@example.com", password=PASSWORD, role="seeker", name="Taylor Brooks")
        seeker.seeker_profile = SeekerProfile(credentials=[db.session.scalar(
            db.select(Credential).where(Credential.abbreviation == "CPC-A"))])
        db.session.add(seeker)
        db.session.commit()

    page = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, "newcoder@example.com")
    page.goto("/seeker")
    recommended = page.locator("#recommended")
    expect(recommended.get_by_role("link").first).to_have_text("Primary Care Coder I")

    page.get_by_role("link", name="New coders").first.click()
    expect(page.get_by_role("heading", name="Jobs for new coders")).to_be_visible()
    expect(page.get_by_role("link", name="Senior Inpatient Coder")).to_have_count(0)
    expect(page.locator("#accepted-credentials")).to_contain_text("CPC-A")
    page.get_by_role("link", name="Search and filter these jobs").click()
    expect(page.get_by_role("status")).to_contain_text("1 job")

    page.get_by_role("link", name="Remove filter Open to CPC-A / new coders").click()
    expect(page.get_by_role("status")).to_contain_text("2 jobs")
    page.locator("#filters a.facet-link", has_text="Open to CPC-A / new coders").click()
    expect(page.get_by_role("status")).to_contain_text("1 job")
    page.get_by_role("link", name="Primary Care Coder I").click()
    expect(page.get_by_text("Apprentice coders (CPC-A, COC-A) and new graduates (CCA) may apply.")).to_be_visible()
    page.get_by_label("Short cover note").fill("I passed the CPC exam this spring.")
    resume = tmp_path / "Taylor Brooks.pdf"
    resume.write_bytes(pdf_bytes())
    page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(resume))
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_text("Your application is sent.")).to_be_visible()
    page.context.close()
