"""Pages that list jobs (home, specialty, company) take their lists and counts from the index."""
import re
from decimal import Decimal

from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.search.service import newest_postings
from jobboard.services.postings import change_status
from jobboard.views import public
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
