"""Pages that list jobs (home, specialty, company) take their lists and counts from the index."""
import re
from decimal import Decimal

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.search.service import newest_postings
from jobboard.services.postings import change_status
from jobboard.views import public
from tests.conftest import Auth
from tests.factories import make_company, make_employer, make_posting


def open_count(html: str, slug: str) -> int:
    """The "N open" figure of a specialty tile."""
    match = re.search(rf'href="/specialties/{slug}".*?(\d+) open', html, re.S)
    assert match, slug
    return int(match.group(1))


def test_home_page_counts_and_newest_jobs_follow_the_index(app, client):
    with app.app_context():
        author = make_employer()
        first = make_posting(author=author, title="Older Radiology Coder", specialties=["radiology"])
        second = make_posting(author=author, title="Newer Radiology Coder", specialties=["radiology"])
        make_posting(author=author, title="Draft Radiology Coder", specialties=["radiology"],
                     status="draft")
        html = client.get("/").get_data(as_text=True)
        assert open_count(html, "radiology") == 2
        assert open_count(html, "cardiology") == 0
        assert html.index("Newer Radiology Coder") < html.index("Older Radiology Coder")
        assert "Draft Radiology Coder" not in html
        change_status(db.session.get(Posting, first.id), "close")
        html = client.get("/").get_data(as_text=True)
        assert open_count(html, "radiology") == 1
        assert "Older Radiology Coder" not in html and second.title in html


def test_specialty_page_lists_newest_jobs_with_count_and_annual_pay_range(app, client):
    with app.app_context():
        author = make_employer()
        make_posting(author=author, title="Hourly Cardiology Coder", specialties=["cardiology"],
                     salary_min=Decimal("25"), salary_max=Decimal("30"), salary_unit="hour")
        make_posting(author=author, title="Salaried Cardiology Coder", specialties=["cardiology"],
                     salary_min=Decimal("60000"), salary_max=Decimal("75000"))
        make_posting(author=author, title="Radiology Coder", specialties=["radiology"],
                     salary_min=Decimal("90000"), salary_max=Decimal("120000"))
        listing = newest_postings(20, specialty="cardiology", pay_range=True)
        assert [p.title for p in listing.postings] == ["Salaried Cardiology Coder",
                                                       "Hourly Cardiology Coder"]
        assert listing.total == 2
        assert listing.pay_range == (52000, 75000)  # $25/h over a 2,080-hour year
        html = client.get("/specialties/cardiology").get_data(as_text=True)
        assert "Salaried Cardiology Coder" in html and "Radiology Coder</a>" not in html


def test_company_page_shows_the_total_and_the_newest_jobs(app, client, monkeypatch):
    monkeypatch.setattr(public, "COMPANY_JOBS", 2)
    with app.app_context():
        company = make_company("Harbor Coding Group")
        author = make_employer(company)
        for i in range(3):
            make_posting(author=author, title=f"Harbor Coder {i}")
        make_posting(title="Someone Else's Coder")
        html = client.get(f"/companies/{company.slug}").get_data(as_text=True)
        assert "Open jobs (3)" in html
        assert "The 2 newest are listed here." in html
        assert "Harbor Coder 2" in html and "Harbor Coder 1" in html
        assert "Harbor Coder 0" not in html and "Someone Else" not in html


def titles_on(client, url) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    return sorted(t for t in ("Closing Radiology Coder", "Staying Radiology Coder", "Fresh Radiology Coder",
                              "Draft Radiology Coder") if f">{t}</a>" in html)


def test_a_visitors_search_page_is_kept_only_while_the_data_is_unchanged(app, client):
    from tests.test_job_lists import Statements

    with app.app_context():
        author = make_employer()
        closing = make_posting(author=author, title="Closing Radiology Coder", specialties=["radiology"])
        make_posting(author=author, title="Staying Radiology Coder", specialties=["radiology"])
        draft = make_posting(author=author, title="Draft Radiology Coder", specialties=["radiology"],
                             status="draft")
        url = "/jobs?q=radiology"
        assert titles_on(client, url) == ["Closing Radiology Coder", "Staying Radiology Coder"]
        first = client.get(url).get_data(as_text=True)
        with Statements() as statements:  # seen again: only the version is read
            assert client.get(url).get_data(as_text=True) == first
        assert statements.count == 1
        change_status(db.session.get(Posting, closing.id), "close")
        assert titles_on(client, url) == ["Staying Radiology Coder"]
        change_status(db.session.get(Posting, draft.id), "publish")
        assert titles_on(client, url) == ["Draft Radiology Coder", "Staying Radiology Coder"]


def test_a_signed_in_seeker_gets_their_own_search_page_never_a_visitors(app, client):
    with app.app_context():
        posting = make_posting(title="Staying Radiology Coder", specialties=["radiology"])
        posting_id = posting.id
    visitor = client.get("/jobs?q=radiology").get_data(as_text=True)  # kept for visitors
    assert "mark-saved" not in visitor and "Save this search" not in visitor
    seeker = app.test_client()
    Auth(seeker).register("seeker")
    with app.app_context():
        from jobboard.models.user import User
        from jobboard.services.saved import save_job

        user = db.session.scalar(db.select(User).where(User.role == "seeker"))
        save_job(user, db.session.get(Posting, posting_id))
    html = seeker.get("/jobs?q=radiology").get_data(as_text=True)
    assert "mark-saved" in html and "Account (" in html and "Staying Radiology Coder" in html
    assert client.get("/jobs?q=radiology").get_data(as_text=True) == visitor  # the visitor's stays
