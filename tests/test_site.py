"""Site basics a visitor and a crawler meet on every page: icons, preview tags, canonical links,
footer pages, robots.txt, compression, filters that show every value, and `make run`."""
import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from jobboard.extensions import db
from tests.conftest import Auth
from tests.factories import make_employer, make_posting

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_links_an_icon_that_exists(client):
    html = client.get("/").get_data(as_text=True)
    icons = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', html)
    assert len(icons) == 3
    for href in icons:
        assert client.get(href).status_code == 200
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_pages_carry_preview_tags_and_a_canonical_link(client, app):
    with app.app_context():
        posting_id = make_posting(title="Risk Adjustment Coder", specialties=["risk-adjustment"]).id
    html = client.get(f"/jobs/{posting_id}?utm_source=mail").get_data(as_text=True)
    assert f'<link rel="canonical" href="http://jobs.test/jobs/{posting_id}">' in html
    assert f'<meta property="og:url" content="http://jobs.test/jobs/{posting_id}">' in html
    assert '<meta property="og:title" content="Risk Adjustment Coder at ' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    image = re.search(r'<meta property="og:image" content="http://jobs.test(/static/[^"]+)">', html)
    assert image and client.get(image.group(1)).status_code == 200
    not_found = client.get("/jobs/999999").get_data(as_text=True)
    assert 'rel="canonical"' not in not_found


def test_footer_links_to_short_pages_and_post_a_job_for_visitors(client, auth):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer"):]
    for name, heading in [("about", "About MedCode Jobs"), ("privacy", "Privacy"),
                          ("terms", "Terms of use"), ("contact", "Contact")]:
        assert f'href="/{name}"' in footer
        page = client.get(f"/{name}")
        assert page.status_code == 200
        assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)
    assert 'href="/register?role=employer">Post a job</a>' in footer
    email, _ = auth.register("seeker")
    footer = client.get("/").get_data(as_text=True).split("<footer")[1]
    assert "Post a job" not in footer


def test_robots_keeps_crawlers_out_of_private_areas(client):
    body = client.get("/robots.txt").get_data(as_text=True)
    rules = {line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Disallow")}
    assert {"/admin", "/employer", "/seeker", "/account", "/login", "/register", "/confirm-email",
            "/reset-password"} <= rules
    assert "Disallow: /jobs\n" not in body
    assert "Sitemap: http://jobs.test/sitemap.xml" in body


def test_text_is_compressed_except_pages_carrying_a_csrf_token(client):
    page = client.get("/about", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"About MedCode Jobs" in gzip.decompress(page.data)
    api = client.get("/api/v1/specialties", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    # A form's token beside reflected input must not be compressed (BREACH).
    login = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in login.headers
    assert b'name="csrf_token"' in login.data


def test_csrf_fields_have_no_repeated_ids(client, auth):
    email, _ = auth.register("seeker")
    html = client.get("/seeker").get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 2  # sign-out plus the page's own forms
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert "csrf_token" not in ids
    assert len(ids) == len(set(ids)) or sorted({i for i in ids if ids.count(i) > 1}) == ["resume"]


def test_the_top_bar_uses_the_darker_blue(client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="navbar navbar-expand-md navbar-dark site-nav"' in html
    css = client.get("/static/css/site.css").get_data(as_text=True)
    assert ".site-nav { background-color: #0a58ca; }" in css


# --- /jobs filters --------------------------------------------------------------------------

@pytest.fixture
def many_specialties(app):
    with app.app_context():
        author = make_employer()
        from jobboard.models.taxonomy import Specialty

        slugs = db.session.scalars(select(Specialty.slug).order_by(Specialty.position)).all()
        for i, slug in enumerate(slugs):
            make_posting(author=author, title=f"Coder {i}", specialties=[slug],
                         credentials_required=["CRC" if slug == "risk-adjustment" else "CPC"])
        for _ in range(3):
            make_posting(author=author, title="Surgery Coder", specialties=["general-surgery"])
        return slugs


def test_every_specialty_can_be_picked_behind_show_all(client, many_specialties):
    html = client.get("/jobs").get_data(as_text=True)
    aside = html[html.index('<aside'):html.index('</aside>')]
    assert aside.count('<li><a class="facet-link') >= len(many_specialties) + 2
    assert '<summary class="small">Show all 25 specialty options</summary>' in aside
    more = aside[aside.index("Show all 25 specialty options"):]
    assert "specialty=risk-adjustment" in more and "Risk Adjustment" in more
    assert "credential=CRC" in aside
    # The biggest value draws the full bar, the others in proportion (general surgery has 4).
    assert re.search(r'General Surgery</a>\s*<span class="text-muted">\(4\)</span>\s*'
                     r'<svg class="facet-bar"[^>]*><rect width="100.0%"', aside)
    assert re.search(r'Cardiology</a>\s*<span class="text-muted">\(1\)</span>\s*'
                     r'<svg class="facet-bar"[^>]*><rect width="25.0%"', aside)


def test_filters_and_saved_search_come_before_the_results(client, auth, many_specialties):
    auth.register("seeker")
    html = client.get("/jobs?q=coder").get_data(as_text=True)
    drawer = html.index('<details class="filter-drawer" id="filters" open>')
    assert drawer < html.index('aria-label="Results"')
    assert drawer < html.index("Save this search") < html.index('aria-label="Results"')
    assert "style=" not in html and "<script>" not in html


# --- make run ---------------------------------------------------------------------------------

def test_demo_load_if_empty_never_overwrites_users_edits(app, runner):
    from jobboard.models.seeker import SeekerProfile

    first = runner.invoke(args=["demo", "load", "--jobs", "5", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Demo data ready" in first.output
    for email in ("coder@medcodejobs.example", "hiring@summit-health.example"):  # confirmed: sign in
        response = Auth(app.test_client()).login(email, password="coding-demo-2026")
        assert response.status_code == 302, email
    with app.app_context():
        profile = db.session.scalars(select(SeekerProfile)).first()
        profile.headline = "My own headline"
        db.session.commit()
        profile_id = profile.id
    again = runner.invoke(args=["demo", "load", "--jobs", "5", "--if-empty"])
    assert again.exit_code == 0
    assert "already has data: demo data not loaded" in again.output
    with app.app_context():
        assert db.session.get(SeekerProfile, profile_id).headline == "My own headline"


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_make_run_installs_only_serving_and_loads_demo_only_if_empty(tmp_path):
    for name in ("Makefile", "setup.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)

    def dry_run(target):
        return subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True,
                              check=True).stdout

    run = dry_run("run")
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "demo load --if-empty" in run
    test = dry_run("test")
    assert 'pip install --quiet -e ".[test]"' in test and "pytest" in test


def test_dashboard_and_moderation_tables_become_cards_on_a_phone(client, auth):
    auth.register("employer")
    html = client.get("/employer").get_data(as_text=True)
    assert 'class="table align-middle table-cards" id="postings"' in html
    css = client.get("/static/css/site.css").get_data(as_text=True)
    assert 'table.table-cards td[data-label]::before { content: attr(data-label) ": "' in css


@pytest.mark.parametrize("app_config", [{"SITE_URL": "https://medcodejobs.example/"}])
def test_canonical_and_preview_links_use_the_configured_site_url(client, app_config):
    html = client.get("/specialties/risk-adjustment", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert '<link rel="canonical" href="https://medcodejobs.example/specialties/risk-adjustment">' in html
    assert 'content="https://medcodejobs.example/static/img/og-card.png"' in html
    assert "evil.example" not in html
    assert client.get("/api/openapi.json").get_json()["servers"] == [{"url": "https://medcodejobs.example"}]
