"""Pay benchmarks: exact percentiles on a hand-made set, hiding small samples, the /salaries
page, the specialty page's pay section and /api/v1/salaries."""
import random
import re
from datetime import timedelta
from decimal import Decimal
from statistics import quantiles

import pytest
from sqlalchemy import event, select

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.services.moderation import suspend_user
from jobboard.services.pay import figures, pay_breakdown, pay_figures
from tests.factories import make_employer, make_posting

SURGERY = "general-surgery"


def hand_made_postings():
    """Six open general-surgery postings with pay, one without, one closed and one draft.

    Each counts at its range's midpoint a year: 55,000; 25–30 an hour → 27.50 × 2,080 = 57,200;
    a minimum only 62,000; a maximum only 70,000; 30–40 an hour → 72,800; 85,000.
    """
    author = make_employer()

    # On-site in states without a pay transparency law, so postings may leave out (part of) their pay.
    def post(salary_min, salary_max, unit="year", credential="CPC", state="TX", **extra):
        return make_posting(author=author, specialties=[SURGERY], credentials_required=[credential],
                            state=state, arrangement="onsite", salary_unit=unit,
                            salary_min=None if salary_min is None else Decimal(salary_min),
                            salary_max=None if salary_max is None else Decimal(salary_max), **extra)

    post(50000, 60000)
    post(25, 30, unit="hour", state="FL")
    post(62000, None, credential="CCS")
    post(None, 70000, state="FL")
    post(30, 40, unit="hour")
    post(80000, 90000)
    post(None, None)  # no pay: left out
    post(150000, 250000, status="closed")
    post(150000, 250000, status="draft")


@pytest.fixture
def paid_app(app):
    with app.app_context():
        hand_made_postings()
    return app


def test_percentiles_interpolate_over_annual_midpoints(paid_app):
    with paid_app.app_context():
        found = pay_figures({"specialty": SURGERY})
        # Sorted: 55,000 57,200 62,000 70,000 72,800 85,000; positions 1.25, 2.5 and 3.75.
        assert (found.postings, found.p25, found.median, found.p75) == (6, 58400, 66000, 72100)
        assert pay_figures({}) == found
        cpc = pay_figures({"specialty": SURGERY, "credential": "CPC"})
        assert (cpc.postings, cpc.p25, cpc.median, cpc.p75) == (5, 57200, 70000, 72800)


def test_groups_below_the_minimum_sample_are_hidden_and_counted(paid_app):
    with paid_app.app_context():
        by_credential = pay_breakdown("credential")
        assert [(r.key, r.figures.postings, r.figures.median) for r in by_credential.rows] == [("CPC", 5, 70000)]
        assert by_credential.hidden == 1  # CCS: one posting
        by_state = pay_breakdown("state")  # TX 4, FL 2
        assert by_state.rows == [] and by_state.hidden == 2
        ccs = pay_figures({"credential": "CCS"})
        assert ccs.postings == 1 and not ccs.shown and ccs.median is None


@pytest.mark.parametrize("app_config", [{"PAY_MIN_SAMPLE": 2}])
def test_minimum_sample_is_configurable(paid_app):
    with paid_app.app_context():
        rows = {r.key: r.figures for r in pay_breakdown("state").rows}
        assert set(rows) == {"TX", "FL"}
        # FL: 57,200 and 70,000; TX: 55,000 62,000 72,800 85,000.
        assert (rows["FL"].p25, rows["FL"].median, rows["FL"].p75) == (60400, 63600, 66800)
        assert (rows["TX"].postings, rows["TX"].median) == (4, 67400)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8, 101, 1000])
def test_quartiles_are_those_of_the_statistics_module(size):
    """Same definition and the same floats: ties at half a dollar round alike too."""
    rng = random.Random(size)
    values = [rng.choice([rng.randrange(30_000, 90_000) + 0.5, rng.uniform(30_000, 90_000), 52_000.0])
              for _ in range(size)]
    expected = [round(q) for q in quantiles(values, n=4, method="inclusive")] if size > 1 else [round(values[0])] * 3
    found = figures(values, 1)
    assert (found.postings, [found.p25, found.median, found.p75]) == (size, expected)
    assert not figures(values, size + 1).shown


def _api(client, **filters):
    body = client.get("/api/v1/salaries", query_string=filters).get_json()
    pay = body["annual_pay"]
    return body["postings"], pay and (pay["p25"], pay["median"], pay["p75"])


def test_api_figures_are_right_after_each_kind_of_change(client, paid_app, monkeypatch):
    """Publish, edit pay, close, an expiry passing, an author suspended and a deletion: each
    shows at once through the API (the whole table is read again for the new data version)."""
    from jobboard.services import data_cache, pay

    def posting(**where):
        return db.session.scalar(select(Posting).where(*(getattr(Posting, k) == v for k, v in where.items())))

    with paid_app.app_context():
        assert _api(client, specialty=SURGERY) == (6, (58400, 66000, 72100))
        draft = posting(status="draft")
        draft.publish()
        db.session.commit()
        # 55,000 57,200 62,000 70,000 72,800 85,000 200,000
        assert _api(client, specialty=SURGERY) == (7, (59600, 70000, 78900))
        edited = posting(salary_min=Decimal(50000))
        edited.salary_min, edited.salary_max = Decimal(90000), Decimal(100000)
        db.session.commit()
        # 57,200 62,000 70,000 72,800 85,000 95,000 200,000
        assert _api(client, specialty=SURGERY) == (7, (66000, 72800, 90000))
        draft.close()
        db.session.commit()
        assert _api(client, specialty=SURGERY) == (6, (64000, 71400, 81950))
        assert _api(client, credential="CPC") == (5, (70000, 72800, 85000))
        edited.expires_at = utcnow() + timedelta(days=1)
        db.session.commit()
        assert _api(client) == (6, (64000, 71400, 81950))
        later = utcnow() + timedelta(days=2)
        monkeypatch.setattr(pay, "utcnow", lambda: later)  # nothing written: the 95,000 posting expires
        monkeypatch.setattr(data_cache, "utcnow", lambda: later)
        assert _api(client, specialty=SURGERY) == (5, (62000, 70000, 72800))
        other = make_posting(specialties=[SURGERY], state="TX", arrangement="onsite",
                             salary_min=Decimal(100000), salary_max=Decimal(100000))
        assert _api(client, specialty=SURGERY) == (6, (64000, 71400, 81950))
        suspend_user(other.created_by)
        assert _api(client, specialty=SURGERY) == (5, (62000, 70000, 72800))
        db.session.delete(posting(salary_min=Decimal(62000)))
        db.session.commit()
        assert _api(client, specialty=SURGERY) == (4, None)


@pytest.mark.parametrize("app_config", [{"PAY_MIN_SAMPLE": 1}])
def test_figures_follow_the_data_without_waiting(paid_app):
    """The per-process cache is keyed to the data: a new, edited or closed posting shows at once."""
    with paid_app.app_context():
        assert pay_figures({"credential": "CCS"}).postings == 1
        extra = make_posting(author=make_employer(), specialties=[SURGERY], credentials_required=["CCS"],
                             state="TX", salary_min=Decimal(40000), salary_max=Decimal(40000))
        assert pay_figures({"credential": "CCS"}).postings == 2
        extra.salary_min = extra.salary_max = Decimal(100000)
        db.session.commit()
        assert pay_figures({"credential": "CCS"}).median == 81000  # 62,000 and 100,000
        extra.close()
        db.session.commit()
        assert pay_figures({"credential": "CCS"}).postings == 1


def test_postings_past_their_expiry_leave_the_figures_at_once(paid_app, monkeypatch):
    """Nothing is written when a posting passes its expiry: the data version still moves."""
    from jobboard.services import data_cache, pay

    with paid_app.app_context():
        assert pay_figures({}).postings == 6
        later = utcnow() + timedelta(days=45)
        monkeypatch.setattr(pay, "utcnow", lambda: later)
        monkeypatch.setattr(data_cache, "utcnow", lambda: later)
        assert pay_figures({}).postings == 0


def test_salaries_page_has_charts_tables_and_the_method(client, paid_app):
    response = client.get("/salaries")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "median <strong>$66,000</strong>" in html and "$58,400–$72,100" in html
    chart = html[html.index('<figure class="pay-chart my-4" id="pay-by-credential"'):]
    chart = chart[:chart.index("</figure>")]
    assert 'role="img"' in chart and chart.count('<rect class="pay-bar"') == 1
    rows = re.findall(r'<tr><th scope="row"><a href="[^"]+">(\w+)</a></th><td>(\d+)</td>'
                      r'<td>([$\d,]+)</td><td>([$\d,]+)</td><td>([$\d,]+)</td></tr>', chart)
    assert rows == [("CPC", "5", "$57,200", "$70,000", "$72,800")]
    assert "1 more with fewer than 5 postings are not shown" in html
    assert "No state has enough open postings with pay yet" in html
    assert "midpoint of its range" in html and "2,080" in html
    assert "style=" not in html.split("<main", 1)[-1]


@pytest.mark.parametrize("url", ["/salaries", "/salaries?state=TX", f"/specialties/{SURGERY}"])
def test_a_page_of_pay_figures_reads_the_data_version_once(client, paid_app, url):
    """A warm page costs one statement: the shared data version, read once for all its figures."""
    statements = []
    with paid_app.app_context():
        engine = db.engine

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    client.get(url)  # cache warm
    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert len([s for s in statements if "search_log" in s]) == 1
    assert not [s for s in statements if "count(posting" in s]  # the version reads index ends only


def test_salaries_page_filters_and_rejects_unknown_values(client, paid_app):
    html = client.get("/salaries?credential=CPC").get_data(as_text=True)
    assert "median <strong>$70,000</strong>" in html
    assert 'id="by-credential"' not in html and 'id="by-specialty"' in html
    bad = client.get("/salaries?specialty=astrology")
    assert bad.status_code == 400
    assert "specialty: unknown specialty &#39;astrology&#39;" in bad.get_data(as_text=True)


def test_specialty_page_shows_percentiles_by_credential(client, paid_app):
    html = client.get(f"/specialties/{SURGERY}").get_data(as_text=True)
    section = html[html.index('id="specialty-pay"'):]
    assert "General Surgery jobs: median <strong>$66,000</strong>" in section
    assert re.search(r'<th scope="row"><a href="/salaries\?(specialty=general-surgery&amp;credential=CPC|'
                     r'credential=CPC&amp;specialty=general-surgery)">CPC</a></th><td>5</td>', section)
    other = client.get("/specialties/cardiology").get_data(as_text=True)
    assert "Cardiology jobs: 0 open postings with pay — too few to show" in other


def test_api_gives_percentiles_with_the_sample_size(client, paid_app):
    body = client.get("/api/v1/salaries?specialty=general-surgery&credential=CPC").get_json()
    assert body["filters"] == {"specialty": SURGERY, "credential": "CPC", "state": None}
    assert body["postings"] == 5 and body["min_sample"] == 5
    assert body["annual_pay"] == {"p25": 57200, "median": 70000, "p75": 72800}
    assert body["currency"] == "USD" and "2,080" in body["method"]
    small = client.get("/api/v1/salaries?state=FL").get_json()
    assert small["postings"] == 2 and small["annual_pay"] is None


@pytest.mark.parametrize("query, name", [("specialty=astrology", "specialty"), ("credential=XYZ", "credential"),
                                         ("state=ZZ", "state"), ("state=%00", "state"),
                                         ("specialty=" + "é" * 500, "specialty")])
def test_api_rejects_unknown_filters_naming_the_parameter(client, query, name):
    response = client.get(f"/api/v1/salaries?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["message"].startswith(f"{name}: ")
