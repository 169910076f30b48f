"""The job lists of the home, company, specialty and code pages, rendered once per data version.

Their cards carry nothing personal (no applied or saved marks), so every visitor, signed in or
not, gets the same HTML. It is kept per process under the shared posting version (any host's
change or the next expiry moves it) and this host's index version (a change shows here once the
index has it), so a page never lists a posting that is closed, expired or suspended, and a new
posting appears as soon as this host's index holds it. Anonymous page views thus read the
database once (the version) for their list instead of loading and rendering the postings.
"""
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from jobboard.search.service import listing_version, newest_postings
from jobboard.services.data_cache import app_cache

# Distinct lists kept (each at most 50 cards, some 75 kB): every code, specialty and company
# page of a busy site, about 20 MB at most per process.
MAX_LISTS = 256


@dataclass(frozen=True)
class JobList:
    cards: Markup                    # the rendered cards, newest first
    shown: int                       # how many cards
    total: int                       # open jobs in the whole list
    specialty_counts: dict[str, int]  # home page only: open jobs per specialty slug
    pay_range: tuple[int, int] | None = None


def job_list(limit: int, specialty: str | None = None, company_id: int | None = None,
             code: str | None = None, pay_range: bool = False) -> JobList:
    """``newest_postings`` with these arguments, as cards; cached (see the module)."""
    def render() -> JobList:
        listing = newest_postings(limit, specialty=specialty, company_id=company_id, code=code,
                                  pay_range=pay_range)
        cards = Markup(render_template("_posting_cards.html", postings=listing.postings))
        return JobList(cards, len(listing.postings), listing.total, listing.specialty_counts,
                       listing.pay_range)

    key = (limit, specialty, company_id, code, pay_range)
    return app_cache("job_lists", MAX_LISTS).get(key, listing_version(), render)
