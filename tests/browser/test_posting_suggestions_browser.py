"""An employer lets the form suggest tags, keeps them in one step, publishes; a coder's search
names the word no coding job matches."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_email

pytestmark = pytest.mark.browser


def test_employer_keeps_suggested_tags_and_coder_sees_unmatched_words(page, chromium, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/register?role=employer")
    page.get_by_label("Your name").fill("Rae Hiring")
    page.get_by_label("Email").fill("rae@silverline.example")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_label("Company name").fill("Silverline Health Plan")
    page.get_by_role("button", name="Create account").click()
    confirm_email(page, live_server, "rae@silverline.example")
    page.get_by_role("link", name="Post a job").click()

    page.get_by_role("button", name="Preview and suggest tags").click()  # nothing typed yet
    expect(page.locator("#suggestions")).to_contain_text("Write a title and a description")

    page.get_by_label("Job title").fill("Risk Adjustment Coder")
    page.get_by_label("Description").fill(
        "Review Medicare Advantage charts and code diagnoses to HCCs with ICD-10-CM. "
        "CRC required, CPC preferred.")
    page.get_by_role("button", name="Preview and suggest tags").click()
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("Specialties: Risk Adjustment (HCC)")
    expect(page.get_by_label("Risk Adjustment (HCC)")).to_be_checked()
    required = page.get_by_role("group", name="Credentials required")
    preferred = page.get_by_role("group", name="Credentials preferred")
    expect(required.get_by_label("CRC – Certified Risk Adjustment Coder")).to_be_checked()
    expect(preferred.get_by_label("CPC – Certified Professional Coder")).to_be_checked()
    expect(required.get_by_label("CPC – Certified Professional Coder")).not_to_be_checked()
    page.get_by_label("Pay from").fill("54000")   # a remote posting: pay transparency laws cover it
    page.get_by_label("Pay up to").fill("63000")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_text("The posting is published.")).to_be_visible()

    coder = chromium.new_context(base_url=live_server.url).new_page()
    coder.goto("/jobs?q=radiology+coder")
    notice = coder.locator("#unmatched")
    expect(notice).to_contain_text("No open coding job matches")
    expect(notice).to_contain_text("radiology")
    notice.get_by_role("link", name="Radiology specialty page", exact=True).click()
    expect(coder).to_have_url(live_server.url + "/specialties/radiology")
    coder.context.close()
