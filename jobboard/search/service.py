"""Searching postings: parameters in, a page of visible postings with snippets and facets out.

The index supplies ids, counts and facets; the rows come from the database through
``Posting.visible()``, so an index that lags behind can never show a draft, closed, expired or
suspended posting. Pages that list jobs (home, specialty, company) use ``newest_postings``: their
lists and counts come from the index too, never from a scan of the postings table.
"""
from dataclasses import dataclass, field, replace
from functools import cache
from math import ceil
from urllib.parse import parse_qsl

from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting, load_with_tags
from jobboard.models.user import User
from jobboard.reference_data import load_credentials, specialty_slugs_for_code
from jobboard.search import search_backend
from jobboard.search.backend import SearchHits, SearchRequest
from jobboard.search.params import InvalidParameter, SearchParams, parse_params
from jobboard.search.query import parse
from jobboard.search.snippets import snippet
from jobboard.search.text import CREDENTIALS
from jobboard.services.data_cache import postings_version


@dataclass
class SearchPage:
    params: SearchParams
    postings: list[Posting]
    snippets: dict[int, Markup]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    relaxed: bool = False
    unmatched: tuple[str, ...] = ()     # words of the query no posting matches

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def per_page(self) -> int:
        return self.params.per_page

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def search_postings(params: SearchParams, now=None, held_credentials=None) -> SearchPage:
    """Run a search and load its page of postings from the database."""
    query = parse(params.q)
    request = SearchRequest(
        query=query,
        now=now or utcnow(),
        specialties=params.specialties,
        credentials=tuple(c.lower() for c in params.credentials),
        arrangements=params.arrangements,
        employment_types=params.employment_types,
        state=params.state,
        salary_min=params.salary_min,
        posted_within=params.posted_within,
        code=params.code,
        code_specialties=tuple(specialty_slugs_for_code(params.code)) if params.code else (),
        apprentice=params.apprentice, pay_posted=params.pay_posted, settings=params.settings,
        code_sets=params.code_sets, encoders=params.encoders,
        lacking_credentials=_lacking(held_credentials) if params.eligible else None,
        sort=params.sort or ("newest" if query.empty else "relevance"),
        offset=params.offset,
        limit=params.per_page,
    )
    hits = search_backend().search(request)
    postings = visible_in_order(hits.ids)
    facets = dict(hits.facets)
    if "credential" in facets:
        facets["credential"] = {CREDENTIALS.get(k, k.upper()): n
                                for k, n in facets["credential"].items()}
    return SearchPage(
        params=params,
        postings=postings,
        snippets={p.id: snippet(p.description, hits.highlight) for p in postings},
        total=hits.total,
        facets=facets,
        suggestion=hits.suggestion,
        relaxed=hits.relaxed,
        unmatched=hits.unmatched,
    )


@cache
def _by_ids():
    """The postings ``:ids`` with their authors' ``active`` (all ``is_visible`` reads of them),
    built once: building a statement and computing its cache key cost as much as running it."""
    return (select(Posting).where(Posting.id.in_(bindparam("ids", expanding=True)))
            .options(joinedload(Posting.created_by).load_only(User.active)))


def visible_in_order(ids: list[int]) -> list[Posting]:
    """The visible postings among ``ids``, with what a card shows, in the index's order.

    The rows are read by primary key and checked with ``Posting.is_visible`` (its author joined
    in): with the visibility filter in SQL, SQLite reads them through the index on status and
    expiry instead, scanning every open posting (some 25 ms at 100,000).
    """
    if not ids:
        return []
    rows = load_with_tags(db.session, _by_ids(), {"ids": ids})
    found = {p.id: p for p in rows if p.is_visible}
    return [found[i] for i in ids if i in found]


@dataclass
class Listing:
    """The newest open jobs of a list page and its counts, all from the index."""

    postings: list[Posting]
    total: int
    specialty_counts: dict[str, int]            # open jobs per specialty slug, in the whole index
    pay_range: tuple[int, int] | None = None    # annual USD over every listed job


def newest_hits(limit: int = 10, specialty: str | None = None, company_id: int | None = None,
                pay_range: bool = False, code: str | None = None) -> SearchHits:
    """The index's ids and counts of the ``limit`` newest open postings, of one specialty,
    company or CPT code if given.

    Only the home page's tiles need counts (open jobs per specialty); the other lists ask the
    index for none, which keeps code, specialty and company pages fast at 100,000 postings.
    """
    tiles = not (specialty or company_id or code)
    return search_backend().search(SearchRequest(
        query=parse(""), now=utcnow(), specialties=(specialty,) if specialty else (),
        company=company_id, code=code,
        code_specialties=tuple(specialty_slugs_for_code(code)) if code else (),
        sort="newest", limit=limit, pay_range=pay_range, facets=("specialty",) if tiles else ()))


def newest_postings(limit: int = 10, specialty: str | None = None, company_id: int | None = None,
                    pay_range: bool = False, code: str | None = None) -> Listing:
    """``newest_hits`` with the visible postings loaded."""
    hits = newest_hits(limit, specialty, company_id, pay_range, code)
    return Listing(visible_in_order(hits.ids), hits.total, hits.facets.get("specialty", {}),
                   hits.pay_range)


def listing_version() -> tuple:
    """What a list of postings read through the index derives from: the shared posting data (a
    closed posting must vanish at once) and this host's index (a new one appears once indexed)."""
    return postings_version(), search_backend().version()


def _lacking(held) -> tuple[str, ...] | None:
    """Credentials the seeker does not hold (a posting requiring one is out); None: no seeker."""
    if held is None:
        return None
    mine = {abbreviation.lower() for abbreviation in held}
    return tuple(c.abbreviation.lower() for c in load_credentials() if c.abbreviation.lower() not in mine)


def find_new_postings(query: str, since, limit: int = 100) -> list[Posting]:
    """Visible postings matching a saved search's query string, published after ``since``.

    What ``services.saved.send_alerts`` needs; a saved query that no longer parses finds nothing.
    """
    try:
        params = parse_params(MultiDict(parse_qsl(query or "")))
    except InvalidParameter:
        return []
    params = replace(params, sort="newest", page=1, per_page=limit)
    return [p for p in search_postings(params).postings
            if p.published_at is not None and p.published_at > since]
