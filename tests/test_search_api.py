"""/api/v1/jobs, /jobs and /jobs.atom: the contract's shapes, errors, and what users see."""
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from tests.conftest import Auth
from tests.factories import make_employer, make_posting

JOB_KEYS = {"id", "url", "title", "company", "city", "state", "arrangement", "employment_type",
            "salary", "specialties", "credentials", "cpt_codes", "posted_at", "expires_at",
            "snippet", "apprentice", "pay_posted", "work_setting", "code_sets", "encoders", "productivity",
            "accuracy_pct"}


@pytest.fixture
def postings(app):
    with app.app_context():
        author = make_employer()
        surgical = make_posting(author=author, title="Surgical Coder", cpt_codes=["38900"],
                                specialties=["general-surgery", "hemic-lymphatic"],
                                description="Code sentinel lymph node biopsies. Remote.")
        radiology = make_posting(author=author, title="Radiology Coder", specialties=["radiology"],
                                 credentials_required=["RCC"], arrangement="onsite", state="TX",
                                 salary_min=Decimal(30), salary_max=Decimal(36), salary_unit="hour",
                                 description="Read CT and MRI reports.")
        make_posting(author=author, title="Draft Coder", status="draft")
        return {"surgical": surgical.id, "radiology": radiology.id}


def test_search_json_has_the_contract_shape(client, postings):
    body = client.get("/api/v1/jobs", query_string={"q": "coder"}).get_json()
    assert set(body) == {"total", "page", "per_page", "items", "facets", "suggestion", "unmatched"}
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 20
    assert set(body["facets"]) == {"specialty", "credential", "arrangement", "employment_type",
                                   "apprentice", "pay_posted", "setting", "code_set", "encoder"}
    assert body["facets"]["specialty"] == {"general-surgery": 1, "hemic-lymphatic": 1,
                                           "radiology": 1}
    assert body["facets"]["credential"] == {"CPC": 1, "RCC": 1}
    assert body["suggestion"] is None
    for item in body["items"]:
        assert set(item) == JOB_KEYS
        assert item["url"] == f"http://jobs.test/jobs/{item['id']}"
        assert set(item["company"]) == {"name", "slug", "url"}
        assert "<mark>" in item["snippet"].lower() or item["snippet"]
    radiology = next(i for i in body["items"] if i["id"] == postings["radiology"])
    assert radiology["salary"] == {"min": 30.0, "max": 36.0, "unit": "hour", "currency": "USD"}
    assert radiology["credentials"] == {"required": ["RCC"], "preferred": []}
    assert radiology["specialties"][0]["url"] == "http://jobs.test/specialties/radiology"


def test_search_json_filters_sorts_pages_and_suggests(client, postings):
    def ids(**args):
        return [i["id"] for i in client.get("/api/v1/jobs", query_string=args).get_json()["items"]]

    assert ids(code="38900") == [postings["surgical"]]
    assert ids(q="38900") == [postings["surgical"]]
    assert ids(salary_min="72000") == [postings["radiology"]]  # $36 an hour = $74,880 a year
    assert ids(credential="rcc", state="tx") == [postings["radiology"]]
    assert ids(arrangement=["remote", "hybrid"]) == [postings["surgical"]]
    assert ids(q='"lymph node"') == [postings["surgical"]]
    assert ids(q="coder", sort="salary") == [postings["radiology"], postings["surgical"]]
    assert len(ids(q="coder", per_page=1, page=2)) == 1
    beyond = client.get("/api/v1/jobs", query_string={"page": 50}).get_json()
    assert beyond["items"] == [] and beyond["total"] == 2
    body = client.get("/api/v1/jobs", query_string={"q": "radiolgy"}).get_json()
    assert body["total"] == 0 and body["suggestion"] == "radiology"
    assert ids(per_page="", state="", salary_min="") != []  # empty form fields are ignored


@pytest.mark.parametrize("args, name", [
    ({"page": "0"}, "page"), ({"page": "abc"}, "page"), ({"page": "-1"}, "page"),
    ({"page": "9999"}, "page"), ({"per_page": "101"}, "per_page"), ({"per_page": "0"}, "per_page"),
    ({"per_page": "1e3"}, "per_page"), ({"salary_min": "lots"}, "salary_min"),
    ({"salary_min": "-5"}, "salary_min"), ({"posted_within": "-1"}, "posted_within"),
    ({"posted_within": "week"}, "posted_within"), ({"state": "ZZ"}, "state"),
    ({"state": "Texas"}, "state"), ({"specialty": "nope"}, "specialty"),
    ({"credential": "XYZ"}, "credential"), ({"arrangement": "moon"}, "arrangement"),
    ({"employment_type": "forever"}, "employment_type"), ({"code": "123"}, "code"),
    ({"code": "ABCDE"}, "code"), ({"sort": "best"}, "sort"),
])
def test_malformed_parameters_are_400_naming_the_parameter(client, postings, args, name):
    response = client.get("/api/v1/jobs", query_string=args)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["code"] == "invalid_parameter"
    assert error["message"].startswith(f"{name}: ")
    page = client.get("/jobs", query_string=args)
    if args == {"page": "9999"}:  # well-formed, past the end: the page says so (test_journeys)
        assert page.status_code == 404 and "No jobs on page 9,999" in page.get_data(as_text=True)
    else:
        assert page.status_code == 400 and f"{name}: " in page.get_data(as_text=True)
    assert client.get("/jobs.atom", query_string=args).status_code == 400


def test_jobs_page_shows_chips_counts_sort_and_pages(client, postings):
    html = client.get("/jobs", query_string={"q": "coder", "specialty": "radiology"}).get_data(
        as_text=True)
    assert 'aria-label="Active filters"' in html
    assert "Remove filter Radiology" in html and "Remove filter “coder”" in html
    assert '<a class="small ms-2" href="/jobs">Clear all</a>' in html
    assert re.search(r"General Surgery</a>\s*<span class=\"text-muted\">\(1\)</span>", html)
    assert "<strong>1</strong> job" in html
    assert "Best match" in html and "Highest pay" in html
    assert "<mark>MRI</mark>" in client.get("/jobs?q=mri").get_data(as_text=True)
    assert 'type="application/atom+xml"' in html
    # No inline styles or scripts: the CSP allows neither.
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    with_pages = client.get("/jobs", query_string={"q": "coder", "per_page": 1}).get_data(
        as_text=True)
    assert 'aria-label="Pages"' in with_pages and "page=2" in with_pages


def test_jobs_page_is_friendly_without_results(client, postings):
    html = client.get("/jobs", query_string={"q": "radiolgy", "state": "CO"}).get_data(
        as_text=True)
    assert "No jobs match this search" in html
    assert "Did you mean" in html and "q=radiology" in html
    assert "Clear the filters" in html and "Browse jobs by specialty" in html


def test_seekers_can_save_the_search(app, client, postings):
    auth = Auth(client)
    auth.register(role="seeker")
    html = client.get("/jobs", query_string={"q": "coder"}).get_data(as_text=True)
    assert "Save this search" in html and 'value="q=coder"' in html


def test_atom_feed_lists_the_same_search(client, postings):
    response = client.get("/jobs.atom", query_string={"q": "coder"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 2
    links = {e.find("a:link", ns).get("href") for e in entries}
    assert links == {f"http://jobs.test/jobs/{i}" for i in postings.values()}
    assert feed.find("a:updated", ns).text
    summaries = [e.find("a:summary", ns).text for e in entries]
    assert any("<mark>" in s for s in summaries)  # escaped HTML, as type="html" wants
