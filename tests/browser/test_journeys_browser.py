"""Journeys at desktop and phone width: a refused résumé keeps the note and shows the reason
beside the field, withdrawing asks first, a double click on publish makes one posting."""
import re

import pytest
from playwright.sync_api import expect

from jobboard.extensions import db
from jobboard.models.application import Application
from jobboard.models.posting import Posting
from jobboard.models.user import User
from tests.browser.test_apply_browser import sign_in
from tests.conftest import PASSWORD
from tests.factories import make_employer, make_posting
from tests.test_applications import pdf_bytes

pytestmark = pytest.mark.browser

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
NOTE = "Six years of E/M and surgical coding; CPC since 2019."


@pytest.fixture
def posting_id(live_server):
    with live_server.app_context():
        employer = make_employer(email="boss@example.com")
        posting_id = make_posting(author=employer, title="Remote Surgical Coder").id
        db.session.add(User(email="coder@example.com", password=PASSWORD, role="seeker", name="Jordan Reyes"))
        db.session.commit()
    return posting_id


def in_viewport(locator) -> bool:
    return locator.evaluate("e => { const r = e.getBoundingClientRect();"
                            " return r.top >= 0 && r.bottom <= window.innerHeight; }")


@pytest.mark.parametrize("width", WIDTHS)
def test_refused_resume_keeps_the_note_and_shows_the_reason_beside_the_field(
        page, live_server, posting_id, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, "coder@example.com")
    page.goto(f"/jobs/{posting_id}")
    fake = tmp_path / "resume.pdf"
    fake.write_text("only words, renamed to look like a PDF")
    page.get_by_label("Short cover note").fill(NOTE)
    page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(fake))
    page.get_by_role("button", name="Send application").click()

    resume = page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)")
    reason = page.locator("#apply .invalid-feedback", has_text="Upload a PDF or a Word (.docx) file.")
    expect(reason).to_be_visible()
    expect(resume).to_have_class(re.compile("is-invalid"))
    expect(resume).to_be_focused()
    assert in_viewport(reason), "the reason must be on screen without scrolling"
    expect(page.get_by_label("Short cover note")).to_have_value(NOTE)

    # The corrected form goes through, with the note the seeker wrote the first time.
    real = tmp_path / "Jordan Reyes CV.pdf"
    real.write_bytes(pdf_bytes())
    resume.set_input_files(str(real))
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_text("Your application is sent.")).to_be_visible()
    with live_server.app_context():
        assert db.session.scalars(db.select(Application.cover_note)).all() == [NOTE]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_file_over_5_mb_is_stopped_in_the_browser_with_the_note_kept(
        page, live_server, posting_id, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, "coder@example.com")
    page.goto(f"/jobs/{posting_id}")
    big = tmp_path / "big.pdf"
    big.write_bytes(pdf_bytes() + b"0" * (6 * 1024 * 1024))
    page.get_by_label("Short cover note").fill(NOTE)
    page.get_by_label("Résumé (PDF or DOCX, up to 5 MB)").set_input_files(str(big))
    page.get_by_role("button", name="Send application").click()
    reason = page.locator("#apply .invalid-feedback", has_text="This file is larger than 5 MB")
    expect(reason).to_be_visible()
    assert in_viewport(reason)
    expect(page.get_by_label("Short cover note")).to_have_value(NOTE)
    expect(page.get_by_role("button", name="Send application")).to_be_enabled()
    with live_server.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


@pytest.mark.parametrize("width", WIDTHS)
def test_withdraw_asks_first_and_can_be_undone(page, live_server, posting_id, tmp_path, width):
    with live_server.app_context():
        from jobboard.models.application import Resume

        seeker = db.session.scalar(db.select(User).where(User.email == "coder@example.com"))
        resume = Resume(user_id=seeker.id, stored_name="b" * 32 + ".pdf", original_name="cv.pdf",
                        content_type="application/pdf", size=10)
        application = Application(posting_id=posting_id, seeker=seeker, resume=resume, stage="interview")
        db.session.add(application)
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, "coder@example.com")
    page.goto("/seeker")
    row = page.locator("#applications tr", has_text="Remote Surgical Coder")
    row.get_by_role("link", name="Withdraw…").click()
    expect(page.get_by_role("heading", name="Withdraw your application?")).to_be_visible()
    expect(page.get_by_text("You are at the interview stage.")).to_be_visible()
    page.get_by_role("link", name="Keep my application").click()
    expect(row.locator(".stage")).to_have_text("Interview")

    row.get_by_role("link", name="Withdraw…").click()
    page.get_by_role("button", name="Yes, withdraw my application").click()
    expect(page.get_by_text("Your application is withdrawn.")).to_be_visible()
    expect(row.locator(".stage")).to_have_text("Withdrawn")
    row.get_by_role("button", name="Undo withdrawal").click()
    expect(page.get_by_text("Your application is back at Interview.")).to_be_visible()
    expect(row.locator(".stage")).to_have_text("Interview")


@pytest.mark.parametrize("width", WIDTHS)
def test_double_click_on_publish_makes_one_posting(page, live_server, width):
    from jobboard.services.codes import load_curated_codes

    with live_server.app_context():
        load_curated_codes()
        make_employer(email="dana@summit.example")
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, "dana@summit.example")
    page.goto("/jobs/new")
    page.get_by_label("Job title").fill("Remote Risk Adjustment Coder")
    page.get_by_label("Description").fill("Review HCC documentation for Medicare Advantage members.")
    page.get_by_label("Risk Adjustment (HCC)", exact=True).check()
    page.get_by_label("Pay from").fill("52000")  # a remote posting states its pay (pay transparency laws)
    page.get_by_label("Pay up to").fill("61000")
    page.get_by_role("button", name="Save and publish").dblclick()
    expect(page.get_by_text("The posting is published.")).to_be_visible()
    with live_server.app_context():
        titles = db.session.scalars(db.select(Posting.title)).all()
    assert titles == ["Remote Risk Adjustment Coder"]
