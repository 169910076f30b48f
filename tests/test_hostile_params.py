"""Query parameters of every kind of Unicode never give a 5xx; integers are ASCII digits only."""
import re
from datetime import timedelta
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobboard.extensions import db
from jobboard.models.activity import SavedSearch
from jobboard.services.codes import load_curated_codes
from tests.conftest import Auth
from tests.factories import make_posting
from tests.test_alerts import saved_search

UNICODE_DIGITS = ["²", "¹", "①", "٣", "１２", "߁", "𝟘", "Ⅻ", "๓"]


@pytest.fixture
def searchable(app):
    with app.app_context():
        load_curated_codes()
        make_posting(title="Remote HCC coder", specialties=["risk-adjustment"], arrangement="remote")


@pytest.mark.parametrize("path", ["/jobs", "/jobs.atom", "/api/v1/jobs"])
@pytest.mark.parametrize("name", ["page", "per_page", "posted_within", "salary_min"])
def test_unicode_digits_are_a_400_naming_the_parameter(client, searchable, path, name):
    for digits in UNICODE_DIGITS + ["9" * 5000, "1" * 13]:
        response = client.get(path, query_string={name: digits})
        assert response.status_code == 400, (path, name, digits)
        assert f"{name}: " in response.get_data(as_text=True)
    # A well-formed value is accepted; on the search page a page past the results is a 404 that
    # says so (the only posting is on page 1).
    assert client.get(path, query_string={name: "3"}).status_code == (404 if (path, name) == ("/jobs", "page") else 200)


def encoded(text: str) -> str:
    """Percent-encode ``text`` the way a raw client could, lone surrogates included."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


hostile_text = st.one_of(
    st.text(st.characters(codec=None, categories=None), max_size=40),  # every code point
    st.sampled_from(UNICODE_DIGITS + ["\x00", "a\x00b", "\ud800", "\u202e12", "-0", "0x1f", "1e999"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.builds(lambda a, b: a + b, st.sampled_from(["1", "12345", "$50k", "0042T"]),
              st.text(max_size=5)),
)
SEARCH_PARAMS = ["q", "specialty", "credential", "arrangement", "employment_type", "state",
                 "salary_min", "posted_within", "code", "apprentice", "pay_posted", "sort", "page",
                 "per_page", "eligible"]
SEARCH_PATHS = ["/jobs", "/jobs.atom", "/api/v1/jobs"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(SEARCH_PATHS), pairs=st.lists(
    st.tuples(st.sampled_from(SEARCH_PARAMS), hostile_text), min_size=1, max_size=4))
def test_search_parameters_never_give_a_server_error(client, searchable, path, pairs):
    query = "&".join(f"{name}={encoded(value)}" for name, value in pairs)
    response = client.get(f"{path}?{query}")
    assert response.status_code < 500, (path, pairs)
    # 404: a well-formed page number past the results on the search page.
    assert response.status_code in ((200, 400, 404) if path == "/jobs" else (200, 400)), (path, pairs)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=hostile_text, section=hostile_text, code=hostile_text, locality=hostile_text)
def test_code_pages_never_give_a_server_error(client, searchable, q, section, code, locality):
    # 400: the one text rule refuses control characters (NUL...) in query parameters;
    # 404: a section that does not exist; 302: a whole code typed in the box opens its page.
    assert client.get(f"/codes?q={encoded(q)}&section={encoded(section)}").status_code in (200, 302, 400, 404)
    for path in (f"/codes/{encoded(code)}", f"/api/v1/codes/{encoded(code)}?locality={encoded(locality)}"):
        response = client.get(path)
        assert response.status_code < 500, (path, code, locality)


def test_one_bad_saved_search_does_not_stop_the_others(app, runner, mailbox, monkeypatch):
    """A saved search that makes the search layer raise is logged and skipped; the rest are sent."""
    seekers = {}
    for name in ("first", "legacy", "broken", "last"):
        client = app.test_client()
        Auth(client).register("seeker", email=f"{name}@example.com")
        saved_search(app, client, f"q=HCC&arrangement=remote&state={'CA' if name == 'broken' else 'TX'}")
        with app.app_context():
            seekers[name] = db.session.scalar(db.select(db.func.max(SavedSearch.id)))
    with app.app_context():
        make_posting(title="HCC coder", specialties=["risk-adjustment"], arrangement="remote", state="TX",
                     description="Risk adjustment HCC coding.")
        make_posting(title="HCC coder West", specialties=["risk-adjustment"], arrangement="remote",
                     state="CA", description="Risk adjustment HCC coding.")
        # Stored before integer parameters were parsed as ASCII: it crashed every later run.
        db.session.get(SavedSearch, seekers["legacy"]).query += "&posted_within=%E2%91%A0"
        for search in db.session.scalars(db.select(SavedSearch)):
            search.last_alert_at -= timedelta(days=2)  # due (daily), and the postings are new
        db.session.commit()

    from jobboard.search import service

    real = service.find_new_postings

    def fragile(query, since):
        if "state=CA" in query:
            raise RuntimeError("index segment missing")
        return real(query, since)

    monkeypatch.setattr(service, "find_new_postings", fragile)
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 1
    assert "Sent 2 alert emails for 4 due saved searches." in result.output
    assert "1 of 4 saved searches failed" in result.output
    assert f"ids {seekers['broken']}" in result.output
    assert sorted(m["To"] for m in mailbox.messages) == ["first@example.com", "last@example.com"]
    with app.app_context():
        broken = db.session.get(SavedSearch, seekers["broken"])
        last = db.session.get(SavedSearch, seekers["last"])
        assert broken.last_alert_at < last.last_alert_at  # retried on the next run


def int_routes(app):
    """Every route with an ``<int:...>`` part."""
    return [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "%D9%A3", "%EF%BC%91", "1" * 5000])
def test_integer_path_parts_out_of_range_or_not_ascii_are_404(app, client, auth, value):
    auth.register("employer")
    rules = int_routes(app)
    assert len(rules) >= 10  # postings, applications, résumés, devices, moderation...
    for rule in rules:
        path = re.sub(r"<int:\w+>", value, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code == 404, (method, path)
    assert client.get("/jobs/2147483647").status_code == 404  # the largest id: looked up, not found
