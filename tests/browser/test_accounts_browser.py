"""A coder registers, confirms the address from the email, signs out, signs back in and sees the
profile, in Chromium at phone width."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_email

pytestmark = pytest.mark.browser


def open_menu(page):
    """Open the phone-width menu once Bootstrap's script has run (after the load event), and
    wait for its slide to end: a link clicked while the menu still moves can be missed."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Show navigation").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def test_seeker_registers_confirms_by_email_logs_out_logs_in_and_sees_profile(page, live_server, mailbox):
    page.goto("/")
    open_menu(page)
    page.get_by_role("link", name="Create account").click()

    page.get_by_label("A coder looking for work").check()
    page.get_by_label("Your name").fill("Robin Surgical")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/register/check-email$"))
    expect(page.get_by_text("Check your email to finish creating your account")).to_be_visible()

    # Before the link is opened the account cannot sign in; the refusal offers the link again.
    page.goto("/login")
    page.locator("#email").fill("robin@example.com")
    page.get_by_label("Password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Sign in").click()
    refusal = page.locator("#not-confirmed")
    expect(refusal).to_contain_text("Confirm your email address first")
    expect(refusal.get_by_label("Email for the new link")).to_have_value("robin@example.com")
    refusal.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text("we have emailed it a new link")).to_be_visible()

    # The newest message the mail server received carries the link the user opens.
    [*_, message] = mailbox.to("robin@example.com")
    assert message["Subject"] == "Confirm your email address for MedCode Jobs"
    link = re.search(r"https?://[^/\s]+(/confirm-email/\S+)", mailbox.body(message)).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()

    expect(page).to_have_url(re.compile(r"/seeker$"))
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Robin Surgical")).to_be_visible()

    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.goto(link)  # the link worked once
    expect(page.locator("#link-problem")).to_contain_text("This link was already used")

    page.locator("#main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("ROBIN@example.com")
    page.get_by_label("Password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/seeker$"))
    expect(page.get_by_role("heading", name="Robin Surgical")).to_be_visible()
    expect(page.get_by_text("Add a headline so employers see what you code.")).to_be_visible()


def test_signing_out_another_device_from_the_account_page(chromium, live_server, page):
    """Signed in on a laptop and a phone, the coder signs the phone out from the laptop."""
    page.goto("/register?role=seeker")
    page.get_by_label("Your name").fill("Robin Surgical")
    page.get_by_label("Email").fill("devices@example.com")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Create account").click()
    confirm_email(page, live_server, "devices@example.com")
    expect(page).to_have_url(re.compile(r"/seeker$"))

    phone = chromium.new_context(base_url=live_server.url, user_agent=(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")).new_page()
    phone.goto("/login")
    phone.get_by_label("Email").fill("devices@example.com")
    phone.get_by_label("Password").fill("Sturdy-passphrase-42")
    phone.get_by_label("Keep me signed in on this device").check()
    phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(re.compile(r"/seeker$"))

    page.goto("/account")
    devices = page.get_by_role("table")
    expect(devices.get_by_role("row")).to_have_count(3)  # the header and two devices
    phone_row = devices.get_by_role("row").filter(has_text="Mobile Safari on iOS")
    expect(phone_row).to_have_count(1)
    expect(devices.get_by_role("row").filter(has_text="This device")).not_to_contain_text("Mobile Safari")
    phone_row.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("That device is signed out.")).to_be_visible()
    expect(devices.get_by_role("row")).to_have_count(2)

    phone.goto("/seeker")
    expect(phone).to_have_url(re.compile(r"/login"))
    phone.context.close()
