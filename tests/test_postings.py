"""Postings: life cycle, ownership, validation, rendering, JSON-LD, import and expiry."""
import json
import re
from datetime import timedelta

import pytest

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import IllegalTransition, Posting
from jobboard.services.postings import expire_due
from tests.conftest import Auth, post_form
from tests.factories import approve_join_requests, make_posting

# --- transitions -------------------------------------------------------------------------------

def test_legal_transitions(app):
    with app.app_context():
        posting = make_posting(status="draft")
        assert posting.status == "draft" and posting.published_at is None
        posting.publish()
        assert posting.status == "published"
        assert posting.expires_at - posting.published_at == timedelta(days=30)
        posting.close()
        assert posting.status == "closed" and posting.closed_at is not None
        posting.renew()
        assert posting.status == "published" and posting.closed_at is None
        posting.expire()
        assert posting.status == "expired"
        posting.renew()
        assert posting.status == "published"


@pytest.mark.parametrize("status, action", [
    ("draft", "close"), ("draft", "expire"), ("draft", "renew"), ("published", "publish"),
    ("closed", "close"), ("closed", "publish"), ("expired", "expire"), ("expired", "close"),
])
def test_illegal_transitions_raise(app, status, action):
    with app.app_context():
        posting = make_posting(status=status)
        with pytest.raises(IllegalTransition):
            getattr(posting, action)()
        assert posting.status == status


def test_visible_query_is_the_one_rule(app):
    with app.app_context():
        visible = make_posting(title="Open")
        make_posting(status="draft")
        make_posting(status="closed")
        make_posting(status="expired")
        suspended = make_posting()
        suspended.suspended_at = utcnow()
        by_suspended_user = make_posting()
        by_suspended_user.created_by.active = False
        past_expiry = make_posting()
        past_expiry.expires_at = utcnow() - timedelta(seconds=1)  # not yet swept by `jobs expire`
        db.session.commit()
        ids = db.session.scalars(Posting.visible().with_only_columns(Posting.id)).all()
        assert ids == [visible.id]


def test_expire_due_moves_only_published_postings_past_expiry(app, runner):
    with app.app_context():
        due = make_posting()
        due.expires_at = utcnow() - timedelta(hours=1)
        fresh = make_posting()
        db.session.commit()
        due_id, fresh_id = due.id, fresh.id
    result = runner.invoke(args=["jobs", "expire"])
    assert result.exit_code == 0 and "Expired 1 postings." in result.output
    with app.app_context():
        assert db.session.get(Posting, due_id).status == "expired"
        assert db.session.get(Posting, fresh_id).status == "published"
        assert expire_due() == 0


# --- the employer's pages ------------------------------------------------------------------------

FORM = {
    "title": "Remote Surgical Coder", "description": "Code **lymph node** cases, CPT 38900 and 38792.",
    "city": "Denver", "state": "CO", "arrangement": "remote", "employment_type": "full_time",
    "salary_min": "55000", "salary_max": "70000", "salary_unit": "year",
    "specialties": ["hemic-lymphatic"], "credentials_required": ["CPC"], "cpt_codes": "38900, 38792",
}


@pytest.fixture
def employer_client(app):
    from jobboard.services.codes import load_curated_codes

    with app.app_context():
        load_curated_codes()
    client = app.test_client()
    Auth(client).register("employer", company_name="Summit Coding")
    return client


def test_employer_posts_previews_and_publishes(app, employer_client):
    preview = post_form(employer_client, "/jobs/new", {**FORM, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview"' in html
    assert '<a class="code-link" href="/codes/38900">38900</a>' in html
    assert "hemic-lymphatic" in html and 'id="suggestions"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 0  # preview saves nothing

    response = post_form(employer_client, "/jobs/new", {**FORM, "action": "publish"})
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.scalar(db.select(Posting))
        assert posting.status == "published" and posting.is_visible
        assert [c.code for c in posting.cpt_codes] == ["38792", "38900"]
        assert [c.abbreviation for c in posting.credentials_required] == ["CPC"]
        posting_id = posting.id
    dashboard = employer_client.get("/employer").get_data(as_text=True)
    assert "Remote Surgical Coder" in dashboard and "published" in dashboard

    edit_page = f"/jobs/{posting_id}/edit"
    assert post_form(employer_client, f"/jobs/{posting_id}/close", {}, page=edit_page).status_code == 302
    with app.app_context():
        assert db.session.get(Posting, posting_id).status == "closed"
    assert employer_client.get(f"/jobs/{posting_id}").status_code == 200  # own company still sees it
    assert app.test_client().get(f"/jobs/{posting_id}").status_code == 410
    post_form(employer_client, f"/jobs/{posting_id}/renew", {}, page=edit_page)
    with app.app_context():
        assert db.session.get(Posting, posting_id).status == "published"
    response = post_form(employer_client, f"/jobs/{posting_id}/publish", {}, page=edit_page)
    assert response.status_code == 302
    assert "A published posting cannot be published." in employer_client.get(edit_page).get_data(as_text=True)


def test_draft_is_saved_and_hidden_from_the_public(app, employer_client):
    post_form(employer_client, "/jobs/new", {**FORM, "action": "draft"})
    with app.app_context():
        posting = db.session.scalar(db.select(Posting))
        assert posting.status == "draft"
    assert app.test_client().get(f"/jobs/{posting.id}").status_code == 404


@pytest.mark.parametrize("changes, field_message", [
    ({"salary_min": "80000", "salary_max": "60000"}, "The maximum pay must be at least the minimum."),
    ({"cpt_codes": "3890"}, "Not a CPT code: 3890. Codes look like 12345, 1234F, 1234T or 1234U."),
    ({"cpt_codes": "38901"}, "Unknown CPT code: 38901. It is not in our code reference."),
    ({"specialties": ["general-surgery", "hemic-lymphatic", "orthopedics", "cardiology",
                      "radiology", "urology"]}, "Choose at most 5 specialties."),
    ({"title": ""}, "This field is required."),
])
def test_validation_messages(app, employer_client, changes, field_message):
    response = post_form(employer_client, "/jobs/new", {**FORM, **changes, "action": "publish"})
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True).replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 0


def test_only_the_owning_company_may_edit(app, employer_client):
    post_form(employer_client, "/jobs/new", {**FORM, "action": "publish"})
    with app.app_context():
        posting_id = db.session.scalar(db.select(Posting.id))
    other_employer, seeker, visitor = app.test_client(), app.test_client(), app.test_client()
    Auth(other_employer).register("employer", company_name="Other Co")
    Auth(seeker).register("seeker")
    assert other_employer.get(f"/jobs/{posting_id}/edit").status_code == 404
    assert seeker.get(f"/jobs/{posting_id}/edit").status_code == 403
    assert visitor.get(f"/jobs/{posting_id}/edit").status_code == 302
    response = post_form(other_employer, f"/jobs/{posting_id}/close", {}, page="/employer")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Posting, posting_id).status == "published"
    colleague = app.test_client()
    with app.app_context():
        join_code = db.session.get(Posting, posting_id).company.join_code
    Auth(colleague).register("employer", join_code=join_code)
    assert colleague.get(f"/jobs/{posting_id}/edit").status_code == 404  # waits for approval
    with app.app_context():
        approve_join_requests()
    assert colleague.get(f"/jobs/{posting_id}/edit").status_code == 200


def parsed_elements(html):
    """Every start tag of the page, as (tag, attributes), the way a browser would see them."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "</script><script>alert(1)</script>",
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_in_description_comes_out_inert(app, payload):
    with app.app_context():
        posting = make_posting(description=f"Great job.\n\n{payload}", title=f"Coder {payload}")
        posting_id = posting.id
    html = app.test_client().get(f"/jobs/{posting_id}").get_data(as_text=True)
    elements = parsed_elements(html)
    assert not [t for t, a in elements if t in ("img", "svg", "iframe")]
    assert not [a for t, a in elements if any(k.startswith("on") for k in a)]
    assert not [a for t, a in elements if (a.get("href") or "").lower().startswith("javascript")]
    scripts = [a for t, a in elements if t == "script"]
    assert all(a.get("src") or a.get("type") == "application/ld+json" for a in scripts)
    assert "Great job." in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(ld)["@type"] == "JobPosting"


def test_codes_in_description_are_linked_but_not_zips_phones_or_pay(app):
    with app.app_context():
        posting = make_posting(description=(
            "Code sentinel node cases (CPT 38900, 38792). Office at 1200 Main St, Dallas, TX 75201. "
            "Call 214-555-0199. Pay $55,000 to 70000 per year since 2019."))
        posting_id = posting.id
    html = app.test_client().get(f"/jobs/{posting_id}").get_data(as_text=True)
    linked = re.findall(r'class="code-link" href="/codes/(\w+)"', html)
    assert linked == ["38900", "38792"]


# --- JSON-LD -----------------------------------------------------------------------------------

def job_posting_ld(client, posting_id):
    html = client.get(f"/jobs/{posting_id}").get_data(as_text=True)
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in found]


def test_json_ld_has_required_and_recommended_properties(app):
    with app.app_context():
        remote = make_posting(arrangement="remote", external_id="REQ-7", cpt_codes=["38900"])
        onsite = make_posting(arrangement="onsite", salary_unit="hour", salary_min=28,
                              salary_max=34, apply_url="https://careers.example.com/apply/1")
        ids = remote.id, onsite.id
    client = app.test_client()
    [ld] = job_posting_ld(client, ids[0])
    for key in ("title", "description", "datePosted", "hiringOrganization", "jobLocation",
                "validThrough", "employmentType", "baseSalary", "identifier", "directApply"):
        assert key in ld, key
    assert ld["employmentType"] == "FULL_TIME"
    assert ld["jobLocationType"] == "TELECOMMUTE"
    assert ld["applicantLocationRequirements"] == {"@type": "Country", "name": "USA"}
    assert ld["baseSalary"]["value"] == {"@type": "QuantitativeValue", "unitText": "YEAR",
                                         "minValue": 55000.0, "maxValue": 70000.0}
    assert ld["identifier"]["value"] == "REQ-7" and ld["directApply"] is True
    assert ld["jobLocation"]["address"]["addressRegion"] == "CO"
    [ld] = job_posting_ld(client, ids[1])
    assert "jobLocationType" not in ld and ld["directApply"] is False
    assert ld["baseSalary"]["value"]["unitText"] == "HOUR"


def test_no_json_ld_on_closed_or_expired_postings(app):
    with app.app_context():
        closed = make_posting(status="closed").id
        expired = make_posting(status="expired").id
    client = app.test_client()
    assert job_posting_ld(client, closed) == [] and job_posting_ld(client, expired) == []


def test_sitemap_lists_open_postings_only_and_robots_points_to_it(app):
    import xml.etree.ElementTree as ElementTree

    with app.app_context():
        open_id = make_posting(cpt_codes=["38900"]).id
        draft_id = make_posting(status="draft").id
    client = app.test_client()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    locs = [e.text for e in ElementTree.fromstring(response.data).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"http://jobs.test/jobs/{open_id}" in locs
    assert f"http://jobs.test/jobs/{draft_id}" not in locs
    assert "http://jobs.test/codes/38900" in locs
    assert "http://jobs.test/specialties/hemic-lymphatic" in locs
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://jobs.test/sitemap.xml" in robots


def test_codes_in_bold_and_lists_are_linked_but_not_inside_links_or_code(app):
    from jobboard.markup import render_description

    with app.test_request_context():
        html = str(render_description(
            "Report **38900** with 38792.\n\n- CPT 99213\n\n`38570` and [38564](https://x.example)",
            lambda code: f"/codes/{code}"))
    assert '<strong><a class="code-link" href="/codes/38900">38900</a></strong>' in html
    assert 'href="/codes/38792"' in html and 'href="/codes/99213"' in html
    assert 'href="/codes/38570"' not in html and 'href="/codes/38564"' not in html


def test_a_posting_page_shows_an_edit_of_its_description_at_once(app, client):
    with app.app_context():
        posting = make_posting(title="Radiology Coder", description="Code **CT heads** all day.")
        url = f"/jobs/{posting.id}"
        assert "<strong>CT heads</strong>" in client.get(url).get_data(as_text=True)
        posting.description = "Code **MRI spines** and CPT 70450 all day."
        db.session.commit()
        html = client.get(url).get_data(as_text=True)
    assert "<strong>MRI spines</strong>" in html and "CT heads" not in html
    assert "/codes/70450\"" in html and "MRI spines and CPT 70450 all day." in html  # link and summary


def test_a_posting_page_reads_its_tags_at_once_and_writes_nothing(app, client):
    """The posting with author, company and tags (two) and the code-data version; its view is
    counted in this process and written with the next batch (``services.stats``)."""
    from jobboard.models.activity import PostingStats
    from jobboard.services.stats import pending_counts
    from tests.test_job_lists import Statements

    app.config["VIEW_FLUSH_SECONDS"] = 3600  # batches written only when flushed here
    with app.app_context():
        posting = make_posting(title="Radiology Coder", specialties=["radiology", "cardiology"],
                               cpt_codes=["70450", "99213", "93000"], credentials_required=["CPC"])
        url = f"/jobs/{posting.id}"
        client.get(url)
        db.session.expunge_all()
        with Statements() as statements:
            html = client.get(url).get_data(as_text=True)
        assert "70450" in html and "93000" in html and "CPC" in html
        assert statements.count <= 3
        assert pending_counts(app).flush()
        stats = db.session.get(PostingStats, posting.id)
        assert (stats.views, stats.unique_views) == (2, 1)


# --- what an edit costs ---------------------------------------------------------------------------

def _saved_edit(app, employer_client, changes):
    """Publish FORM, then save an edit of it with ``changes``; the edit's response and statements."""
    from tests.conftest import csrf_from
    from tests.test_job_lists import Statements

    post_form(employer_client, "/jobs/new", {**FORM, "action": "publish"})
    with app.app_context():
        posting_id = db.session.scalar(db.select(Posting.id))
    edit_page = f"/jobs/{posting_id}/edit"
    token = csrf_from(employer_client.get(edit_page).get_data(as_text=True))
    with app.app_context(), Statements() as statements:
        response = employer_client.post(edit_page, data={**FORM, **changes, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(edit_page)
    return posting_id, statements.sql


@pytest.mark.parametrize("app_config", [{"SEARCH_FOLLOW_AFTER_COMMIT": False}])  # the worker's part
def test_an_edit_that_keeps_its_tags_reads_each_row_once_and_writes_two(app, employer_client):
    """The signed-in user with the company, the posting, its three tag collections, the reference
    version (the form's choices); then the posting's lock, its tags read again under it, the
    posting's UPDATE and its change-log entry. No tag look-up, no full specialty or credential
    list, nothing read back after the commit."""
    posting_id, texts = _saved_edit(app, employer_client, {"title": "Remote Surgical Coder II"})
    work = [t.split()[:2] if t.startswith("SELECT") else t.split()[:3] for t in texts
            if t.split()[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    tags = ["specialty", "posting_credential", "cpt_code"]
    assert [w[1].split(".")[0] for w in work[:6]] == ["user_session", "posting", *tags, "reference_version"], texts
    assert work[6] == ["UPDATE", "posting", "SET"] and [w[1].split(".")[0] for w in work[7:10]] == tags, texts
    assert work[10:] == [["UPDATE", "posting", "SET"], ["INSERT", "INTO", "search_log"]], texts
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert posting.title == "Remote Surgical Coder II"
        assert [s.slug for s in posting.specialties] == ["hemic-lymphatic"]
        assert [c.code for c in posting.cpt_codes] == ["38792", "38900"]
        assert [c.abbreviation for c in posting.credentials_required] == ["CPC"]


@pytest.mark.parametrize("app_config", [{"SEARCH_FOLLOW_AFTER_COMMIT": False}])
def test_an_edit_that_changes_its_tags_looks_up_only_the_new_ones(app, employer_client):
    posting_id, texts = _saved_edit(app, employer_client, {
        "specialties": ["hemic-lymphatic", "radiology"], "credentials_required": ["CCS"],
        "credentials_preferred": ["CPC"], "cpt_codes": "38900"})
    lookups = [t for t in texts if any(f"{column} IN" in t for column in (
        "specialty.slug", "credential.abbreviation", "cpt_code.code"))]
    assert len(lookups) == 2, texts  # radiology and CCS; CPC and the code kept are known already
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert [s.slug for s in posting.specialties] == ["hemic-lymphatic", "radiology"]
        assert [c.code for c in posting.cpt_codes] == ["38900"]
        assert [c.abbreviation for c in posting.credentials_required] == ["CCS"]
        assert [c.abbreviation for c in posting.credentials_preferred] == ["CPC"]  # its link kept, moved


def test_the_form_offers_a_specialty_renamed_since_the_last_form(app, employer_client):
    """The checkboxes are kept per reference data version: a rename shows on the next form."""
    from jobboard.models.taxonomy import Specialty

    assert "Radiology" in employer_client.get("/jobs/new").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(db.select(Specialty).where(Specialty.slug == "radiology")).name = "Imaging Radiology"
        db.session.commit()
    assert "Imaging Radiology" in employer_client.get("/jobs/new").get_data(as_text=True)
    response = post_form(employer_client, "/jobs/new", {**FORM, "specialties": ["radiology"], "action": "draft"})
    assert response.status_code == 302
