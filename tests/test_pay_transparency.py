"""Pay transparency: the rule table, and publishing refused without a pay range where a law covers
the posting (service, posting form, status buttons, ``jobs import``); drafts may still be saved."""
import csv
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import US_STATES
from jobboard.pay_transparency import DATA, covering_rule, load_rules
from jobboard.services.postings import PostingInvalid, change_status, create_posting, update_posting
from tests.conftest import Auth, post_form
from tests.factories import make_employer, make_posting, posting_fields

TODAY = date(2026, 11, 26)


def test_rule_table_names_law_date_and_source_for_every_row():
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(load_rules()) >= 15
    for row in rows:
        assert row["state"] in US_STATES, row["key"]
        assert row["law"] and row["jurisdiction"], row["key"]
        date.fromisoformat(row["effective"])
        assert row["source"].startswith("https://"), row["key"]
        assert row["confidence"] in ("high", "medium", "low"), row["key"]
    assert {r.key for r in load_rules()} >= {"CO", "CA", "WA", "NY", "IL", "MD", "HI", "DC", "MN", "VT", "MA",
                                             "NJ", "NYC", "JERSEY_CITY", "ITHACA"}


@pytest.mark.parametrize(("state", "city", "arrangement", "on", "expected"), [
    ("CO", "Denver", "onsite", TODAY, "CO"),
    ("co", " denver ", "hybrid", TODAY, "CO"),
    ("CO", "Denver", "onsite", date(2020, 12, 31), None),       # before the law
    ("TX", "Austin", "onsite", TODAY, None),                    # no law in Texas
    ("TX", "Austin", "remote", TODAY, "CO"),                    # remote: open to Colorado too
    ("", "", "remote", TODAY, "CO"),
    ("NY", "Albany", "remote", TODAY, "NY"),                    # its own state's law is named
    ("NY", "Brooklyn", "onsite", date(2023, 1, 5), "NYC"),      # city law before the state one
    ("NY", "Ithaca", "onsite", date(2022, 10, 1), "ITHACA"),
    ("NJ", "Jersey City", "onsite", date(2023, 1, 1), "JERSEY_CITY"),
    ("NJ", "Newark", "onsite", date(2023, 1, 1), None),
    ("NJ", "Newark", "onsite", TODAY, "NJ"),
    ("OH", "Cleveland", "onsite", TODAY, "CLEVELAND"),
    ("OH", "Dayton", "onsite", TODAY, None),
    ("MA", "Boston", "onsite", date(2025, 10, 28), None),
    ("MA", "Boston", "onsite", date(2025, 10, 29), "MA"),
])
def test_which_rule_covers_a_posting(state, city, arrangement, on, expected):
    rule = covering_rule(state, city, arrangement, on)
    assert (rule.key if rule else None) == expected


def test_the_message_names_the_law_and_its_date():
    message = covering_rule("CO", "", "onsite", TODAY).message()
    assert message.startswith("Colorado requires a pay range in job postings (Equal Pay for Equal Work Act")
    assert "January 1, 2021" in message and "draft" in message


NO_PAY = dict(city="Denver", state="CO", arrangement="onsite", salary_min=None, salary_max=None)


def test_service_refuses_publishing_a_colorado_posting_without_pay_but_saves_a_draft(app):
    with app.app_context():
        author = make_employer()
        with pytest.raises(PostingInvalid) as refused:
            create_posting(author.company, author, posting_fields(**NO_PAY), publish=True)
        assert "Colorado" in refused.value.errors["salary_min"]
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 0
        draft = create_posting(author.company, author, posting_fields(**NO_PAY))
        assert draft.status == Posting.DRAFT
        with pytest.raises(PostingInvalid, match="Equal Pay for Equal Work Act"):
            change_status(draft, "publish")
        assert db.session.get(Posting, draft.id).status == Posting.DRAFT
        # Only one end of the range is not a range.
        update_posting(draft, posting_fields(**{**NO_PAY, "salary_min": Decimal(50000)}))
        with pytest.raises(PostingInvalid):
            change_status(draft, "publish")
        update_posting(draft, posting_fields(**{**NO_PAY, "salary_min": Decimal(50000),
                                                "salary_max": Decimal(50000)}))
        assert change_status(draft, "publish").status == Posting.PUBLISHED


def test_a_published_posting_cannot_lose_its_pay_and_keeps_what_was_stored(app):
    with app.app_context():
        posting = make_posting(state="WA", city="Seattle", arrangement="onsite")
        with pytest.raises(PostingInvalid, match="Washington"):
            update_posting(posting, posting_fields(state="WA", city="Seattle", arrangement="onsite",
                                                   salary_min=None, salary_max=None, title="Changed"))
        db.session.expire_all()
        stored = db.session.get(Posting, posting.id)
        assert (stored.title, stored.salary_min, stored.salary_max) == ("Surgical Coder", 55000, 70000)
        # A posting no law covers publishes without pay.
        texas = make_posting(state="TX", city="Austin", arrangement="onsite", salary_min=None, salary_max=None)
        assert texas.status == Posting.PUBLISHED and not texas.pay_posted


FORM = {"title": "Coder", "description": "Code outpatient CPT and ICD-10-CM for our clinics. CPC required.",
        "city": "Denver", "state": "CO", "arrangement": "onsite", "employment_type": "full_time",
        "salary_min": "", "salary_max": "", "salary_unit": "year", "cpt_codes": ""}


def _feedback(html, field):
    found = re.search(rf'id="{field}".*?<div class="invalid-feedback">([^<]*)</div>', html, re.S)
    return found.group(1) if found else None


def test_posting_form_refuses_publishing_beside_the_pay_field_and_keeps_the_input(app):
    client = app.test_client()
    Auth(client).register("employer", company_name="Front Range Coding")
    response = post_form(client, "/jobs/new", {**FORM, "action": "publish"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Colorado requires a pay range" in _feedback(html, "salary_min")
    assert 'value="Coder"' in html and "Code outpatient CPT" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 0

    saved = post_form(client, "/jobs/new", {**FORM, "action": "draft"})
    assert saved.status_code == 302
    with app.app_context():
        posting_id = db.session.scalar(db.select(Posting.id))
    edit = f"/jobs/{posting_id}/edit"
    response = post_form(client, f"/jobs/{posting_id}/publish", {}, page=edit, follow_redirects=True)
    assert "Colorado requires a pay range" in response.get_data(as_text=True)
    # The edit page's publish button keeps the draft and says why beside the field.
    response = post_form(client, edit, {**FORM, "title": "Coder II", "action": "publish"})
    assert response.status_code == 422 and "Equal Pay for Equal Work Act" in _feedback(
        response.get_data(as_text=True), "salary_min")
    with app.app_context():
        posting = db.session.get(Posting, posting_id)
        assert (posting.status, posting.title) == ("draft", "Coder II")
    response = post_form(client, edit, {**FORM, "salary_min": "52000", "salary_max": "61000", "action": "publish"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Posting, posting_id).status == "published"


def test_jobs_import_refuses_a_covered_line_without_pay_by_its_number(app, runner, tmp_path):
    lines = [
        {"title": "Coder", "company": "Peak Health", "description": "CPT coding, CPC required.", "state": "TX"},
        {"title": "Denver Coder", "company": "Peak Health", "description": "CPT coding, CPC required.",
         "state": "CO", "city": "Denver"},
        {"title": "Remote Coder", "company": "Peak Health", "description": "CPT coding, CPC required.",
         "arrangement": "remote"},
        {"title": "Paid Denver Coder", "company": "Peak Health", "description": "CPT coding, CPC required.",
         "state": "CO", "salary_min": 24, "salary_max": 29, "salary_unit": "hour"},
    ]
    path = tmp_path / "postings.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(args=["jobs", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: salary_min: Colorado requires a pay range in job postings" in result.output
    assert "line 3: salary_min: Colorado requires a pay range" in result.output
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in result.output
    with app.app_context():
        titles = set(db.session.scalars(db.select(Posting.title)))
    assert titles == {"Coder", "Paid Denver Coder"}


def test_pay_posted_marker_and_filter(app, client):
    with app.app_context():
        paid = make_posting(title="Paid Coder").id
        unpaid = make_posting(title="Unpaid Coder", state="TX", city="Austin", arrangement="onsite",
                              salary_min=None, salary_max=None).id
    body = client.get("/api/v1/jobs", query_string={"pay_posted": "1"}).get_json()
    assert [i["id"] for i in body["items"]] == [paid]
    assert body["facets"]["pay_posted"] == {"1": 1}
    everything = client.get("/api/v1/jobs").get_json()
    assert {i["id"]: i["pay_posted"] for i in everything["items"]} == {paid: True, unpaid: False}
    html = client.get("/jobs").get_data(as_text=True)
    assert html.count('class="badge text-bg-light border border-success me-1 pay-posted"') == 1
    assert "Pay range posted" in client.get(f"/jobs/{paid}").get_data(as_text=True)
    assert "Pay range posted" not in client.get(f"/jobs/{unpaid}").get_data(as_text=True)
    filtered = client.get("/jobs", query_string={"pay_posted": "1"}).get_data(as_text=True)
    assert "Paid Coder" in filtered and "Unpaid Coder" not in filtered
    assert 'aria-label="Remove filter Pay range posted"' in filtered
    bad = client.get("/api/v1/jobs", query_string={"pay_posted": "yes"})
    assert bad.status_code == 400 and "pay_posted" in bad.get_json()["error"]["message"]
