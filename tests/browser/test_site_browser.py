"""The site in Chromium at a desktop (1280 px) and a phone (390 px) width: the filter drawer,
"show all" facets, long titles that must not widen pages, and axe-core over the key pages."""
import io
import re

import pytest
from playwright.sync_api import expect

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import Specialty
from jobboard.models.user import User
from jobboard.services.applications import apply
from jobboard.services.moderation import report_posting
from jobboard.services.resumes import save_resume
from tests.browser.conftest import scroll_width
from tests.conftest import PASSWORD
from tests.factories import make_employer, make_posting
from tests.test_applications import pdf_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_WORD = "Hierarchicalconditioncategoryriskadjustmentvalidationspecialist" * 3  # 189 letters


@pytest.fixture
def site(live_server):
    """Postings in every specialty (risk adjustment and CRC among the rarest), a seeker who
    applied to one, and its employer."""
    with live_server.test_request_context(base_url=live_server.url):  # emails build links
        boss = make_employer(email="boss@example.com")
        slugs = db.session.scalars(db.select(Specialty.slug).order_by(Specialty.position)).all()
        ids = {}
        for i, slug in enumerate(slugs):
            extra = 4 if slug == "general-surgery" else 1
            for n in range(extra):
                posting = make_posting(
                    author=boss, title=f"{slug.replace('-', ' ').title()} Coder {n}", specialties=[slug],
                    credentials_required=["CRC"] if slug == "risk-adjustment" else ["CPC"],
                    cpt_codes=["38900"] if slug == "general-surgery" else [],
                    description=f"Coding work number {i}. Remote coder role.")
                ids.setdefault(slug, posting.id)
        ids["long"] = make_posting(author=boss, title=LONG_WORD, description=LONG_WORD).id
        seeker = User(email="coder@example.com", password=PASSWORD, role="seeker", name="Jordan Reyes")
        db.session.add(seeker)
        db.session.commit()
        save_resume(seeker, io.BytesIO(pdf_bytes()), "cv.pdf")
        apply(db.session.get(Posting, ids["general-surgery"]), seeker, "Six years of surgical coding.")
        ids["company"] = boss.company.slug
        db.session.add(User(email="admin@example.com", password=PASSWORD, role="admin", name="Admin"))
        db.session.commit()
        report_posting(db.session.get(Posting, ids["long"]), seeker, "spam",
                       "The title is one endless word " + LONG_WORD)
    return ids


def open_page(chromium, live_server, viewport, **options):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


def facet(page, label):
    return page.get_by_role("complementary", name="Filters").get_by_role("link", name=label, exact=True)


def sign_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_phone_filters_are_a_drawer_above_the_results(chromium, live_server, site):
    page = open_page(chromium, live_server, PHONE)
    page.goto("/jobs?q=coder")
    drawer = page.locator("details.filter-drawer")
    toggle = drawer.locator("> summary")
    results = page.get_by_role("region", name="Results")
    expect(toggle).to_be_visible()
    expect(drawer).not_to_have_attribute("open", "")  # closed on a phone, results first
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"]
    assert toggle.bounding_box()["y"] < 844  # on the first screen
    expect(facet(page, "General Surgery")).to_be_hidden()

    toggle.click()
    expect(facet(page, "General Surgery")).to_be_visible()
    assert facet(page, "General Surgery").bounding_box()["y"] < results.bounding_box()["y"]
    page.get_by_text("Show all 25 specialty options").click()
    facet(page, "Risk Adjustment (HCC)").click()
    expect(page).to_have_url(re.compile(r"specialty=risk-adjustment"))
    expect(page.locator("p[role=status]")).to_contain_text("1 job")
    assert scroll_width(page) <= 390


def test_phone_without_scripts_shows_the_filters_open_at_the_top(chromium, live_server, site):
    page = open_page(chromium, live_server, PHONE, java_script_enabled=False)
    page.goto("/jobs")
    surgery = facet(page, "General Surgery")
    expect(surgery).to_be_visible()
    assert surgery.bounding_box()["y"] < page.get_by_role("region", name="Results").bounding_box()["y"]
    page.get_by_text("Show all 25 specialty options").click()
    expect(facet(page, "Risk Adjustment (HCC)")).to_be_visible()


def test_desktop_facets_show_all_values_and_pick_a_rare_one(chromium, live_server, site):
    page = open_page(chromium, live_server, DESKTOP)
    page.goto("/jobs")
    expect(page.locator("details.filter-drawer > summary")).to_be_hidden()
    expect(facet(page, "General Surgery")).to_be_visible()
    risk = facet(page, "Risk Adjustment (HCC)")
    expect(risk).to_be_hidden()
    page.get_by_text("Show all 25 specialty options").click()
    expect(risk).to_be_visible()
    risk.click()
    expect(page.locator("p[role=status]")).to_contain_text("1 job")
    expect(facet(page, "CRC")).to_be_visible()
    assert scroll_width(page) <= 1280


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_an_unbroken_long_title_does_not_widen_the_page(chromium, live_server, site, viewport):
    page = open_page(chromium, live_server, viewport)
    for path in (f"/jobs/{site['long']}", "/jobs?q=Hierarchicalconditioncategory", "/"):
        page.goto(path)
        assert scroll_width(page) <= viewport["width"], path
    sign_in(page, "boss@example.com")
    page.goto("/employer")
    assert scroll_width(page) <= viewport["width"]


def axe_problems(page) -> list[str]:
    """axe-core's violations on the current page (axe.min.js comes from the axe-playwright-python
    package: no CDN, no copy in the repository), plus sideways scrolling."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page)
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at "
                + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
                for v in results.response["violations"]]
    width = page.viewport_size["width"]
    if scroll_width(page) > width:
        problems.append(f"scrolls sideways: {scroll_width(page)} px wide at {width} px")
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_key_pages_have_no_axe_violations_and_no_sideways_scroll(chromium, live_server, site, viewport):
    public = [
        "/", "/jobs?q=surgery+coder", f"/jobs/{site['general-surgery']}", f"/companies/{site['company']}",
        "/codes", "/codes/38900", "/specialties/risk-adjustment", "/login", "/register",
    ]
    signed_in = {
        "coder@example.com": ["/seeker"],
        "boss@example.com": ["/employer", f"/employer/jobs/{site['general-surgery']}/applicants"],
    }
    problems = {}
    page = open_page(chromium, live_server, viewport)
    for path in public:
        page.goto(path)
        problems[path] = axe_problems(page)
    for email, paths in signed_in.items():
        page = open_page(chromium, live_server, viewport)
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            problems[path] = axe_problems(page)
    assert len(problems) == 12
    assert {path: found for path, found in problems.items() if found} == {}


def test_moderation_queue_is_cards_with_every_button_on_screen_on_a_phone(chromium, live_server, site):
    page = open_page(chromium, live_server, PHONE)
    sign_in(page, "admin@example.com")
    page.goto("/admin")
    buttons = page.locator("#reports button")
    expect(buttons).to_have_count(3)
    for i in range(3):
        box = buttons.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert scroll_width(page) <= 390
    expect(page.locator("#reports thead")).not_to_be_in_viewport()
