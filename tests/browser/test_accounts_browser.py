"""A coder registers, signs out, signs back in and sees the profile, in Chromium at phone width."""
import pytest

pytestmark = pytest.mark.browser


def test_seeker_registers_logs_out_logs_in_and_sees_profile(page):
    page.goto("/")
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="Create account").click()

    page.get_by_label("A coder looking for work").check()
    page.get_by_label("Your name").fill("Robin Surgical")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password", exact=True).fill("Sturdy-passphrase-42")
    page.get_by_label("Repeat password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Create account").click()

    assert page.url.endswith("/seeker")
    assert page.get_by_role("heading", name="Robin Surgical").is_visible()

    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You are signed out.").is_visible()

    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("ROBIN@example.com")
    page.get_by_label("Password").fill("Sturdy-passphrase-42")
    page.get_by_role("button", name="Sign in").click()

    assert page.url.endswith("/seeker")
    assert page.get_by_role("heading", name="Robin Surgical").is_visible()
    assert page.get_by_text("Add a headline so employers see what you code.").is_visible()
