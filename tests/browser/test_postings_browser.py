"""An employer posts a hemic-lymphatic job with 38900; a visitor follows the code link both ways."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_email

pytestmark = pytest.mark.browser


def test_employer_posts_and_visitor_finds_it_on_the_code_page(page, chromium, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/register?role=employer")
    page.get_by_label("Your name").fill("Dana Hiring")
    page.get_by_label("Email").fill("dana@summit.example")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_label("Company name").fill("Summit Surgical Coding")
    page.get_by_role("button", name="Create account").click()
    confirm_email(page, live_server, "dana@summit.example")
    page.get_by_role("link", name="Post a job").click()

    page.get_by_label("Job title").fill("Sentinel Node Surgical Coder")
    page.get_by_label("Description").fill(
        "Code breast and melanoma staging cases, including CPT 38900 with 38792.")
    page.get_by_label("Work arrangement").select_option("remote")
    page.get_by_label("Pay from").fill("52000")   # remote: pay transparency laws cover it
    page.get_by_label("Pay up to").fill("64000")
    page.get_by_label("Hemic and Lymphatic").check()
    page.get_by_label("CPT codes").fill("38900")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_text("The posting is published.")).to_be_visible()
    page.get_by_role("link", name="View public page").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    job_url = page.url

    visitor = chromium.new_context(base_url=live_server.url).new_page()
    visitor.goto(job_url)
    expect(visitor.get_by_role("heading", name="Sentinel Node Surgical Coder")).to_be_visible()
    visitor.locator("aside").get_by_role("link", name="38900").click()
    expect(visitor).to_have_url(re.compile(r"/codes/38900$"))
    expect(visitor.get_by_text("Add-on code").first).to_be_visible()
    jobs = visitor.get_by_role("link", name="Sentinel Node Surgical Coder")
    expect(jobs).to_have_count(1)
    jobs.click()
    expect(visitor).to_have_url(job_url)
    visitor.context.close()
