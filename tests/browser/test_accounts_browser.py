"""A coder registers, signs out, signs back in and sees the profile, in Chromium at phone width."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_menu(page):
    """Open the phone-width menu once Bootstrap's script has run (after the load event)."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Show navigation").click()
    expect(page.locator("#nav")).to_be_visible()


def test_seeker_registers_logs_out_logs_in_and_sees_profile(page):
    page.goto("/")
    open_menu(page)
    page.get_by_role("link", name="Create account").click()

    page.get_by_label("A coder looking for work").check()
    page.get_by_label("Your name").fill("Robin Surgical")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/seeker$"))
    expect(page.get_by_role("heading", name="Robin Surgical")).to_be_visible()

    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    open_menu(page)
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("ROBIN@example.com")
    page.get_by_label("Password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/seeker$"))
    expect(page.get_by_role("heading", name="Robin Surgical")).to_be_visible()
    expect(page.get_by_text("Add a headline so employers see what you code.")).to_be_visible()
