"""The job lists of the home, company, specialty and code pages, from caches kept per data version.

Their cards carry nothing personal (no applied or saved marks), so every visitor, signed in or
not, gets the same HTML. Two per-process caches serve them:

- what the index answers for a list (posting ids, total, counts), under the shared posting
  version (any host's change or the next expiry moves it) and this host's index version (a
  change shows here once the index has it);
- each posting's rendered card, under the shared posting version (what a card shows and whether
  it may be listed are posting data; any change of either moves that version) and the reference
  version (the names of the specialties and credentials it shows).

So a page never lists a posting that is closed, expired or suspended, and a new posting appears
as soon as this host's index holds it. The lists of different pages share most of their newest
postings: a list seen for the first time loads and renders only the postings no other list has
shown under this version, and a list seen again reads nothing but the version.
"""
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from jobboard.search.backend import SearchHits
from jobboard.search.service import listing_version, newest_hits, visible_in_order
from jobboard.services.data_cache import app_cache, postings_version, reference_version

# Distinct lists kept (ids and counts, well under 1 kB each): every curated code, specialty and
# company page several times over.
MAX_LISTS = 4096
# Rendered cards kept (some 1.5 kB each, about 6 MB per process).
MAX_CARDS = 4096


@dataclass(frozen=True)
class JobList:
    cards: Markup                    # the rendered cards, newest first
    shown: int                       # how many cards
    total: int                       # open jobs in the whole list
    specialty_counts: dict[str, int]  # home page only: open jobs per specialty slug
    pay_range: tuple[int, int] | None = None


def posting_cards(ids: list[int]) -> list[Markup]:
    """The cards of the visible postings among ``ids``, in order; only postings without a card
    kept for this version are loaded (in one batch) and rendered."""
    def render(missing: list) -> dict:
        template = current_app.jinja_env.get_template("_posting_card.html")
        return {p.id: Markup(template.render(posting=p)) for p in visible_in_order(missing)}

    # A card is kept only for a posting found visible under this very version, so a kept card
    # is one that may still be listed.
    cards = app_cache("posting_cards", MAX_CARDS).get_many(
        ids, (postings_version(), reference_version()), render)
    return [cards[i] for i in ids if i in cards]


def job_list(limit: int, specialty: str | None = None, company_id: int | None = None,
             code: str | None = None, pay_range: bool = False) -> JobList:
    """The ``limit`` newest open jobs (of a specialty, company or code), as cards (see the module)."""
    key = (limit, specialty, company_id, code, pay_range)
    hits: SearchHits = app_cache("job_lists", MAX_LISTS).get(
        key, listing_version(),
        lambda: newest_hits(limit, specialty=specialty, company_id=company_id, code=code,
                            pay_range=pay_range))
    cards = posting_cards(hits.ids)
    return JobList(Markup("").join(cards), len(cards), hits.total, hits.facets.get("specialty", {}),
                   hits.pay_range)
