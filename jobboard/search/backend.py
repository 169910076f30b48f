"""The contract between the application and a search engine, so that Whoosh can be swapped out.

A backend stores one document per visible posting (``document.posting_document``), applies
changes with a single writer at a time, rebuilds atomically, answers a ``SearchRequest`` with
posting ids in order plus counts, and lists what it holds for drift checks. A PostgreSQL
full-text backend would implement the same protocol.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from jobboard.search.query import ParsedQuery

SORTS = ("relevance", "newest", "salary")


@dataclass
class SearchRequest:
    query: ParsedQuery
    now: datetime
    specialties: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()   # lower-case abbreviations
    arrangements: tuple[str, ...] = ()
    employment_types: tuple[str, ...] = ()
    state: str | None = None
    salary_min: int | None = None       # annual USD
    posted_within: int | None = None    # days
    code: str | None = None
    code_specialties: tuple[str, ...] = ()  # slugs whose ranges hold ``code``
    company: int | None = None          # company id
    apprentice: bool = False            # only postings open to apprentice coders (CPC-A)
    pay_posted: bool = False            # only postings with a pay range
    settings: tuple[str, ...] = ()      # work setting keys
    code_sets: tuple[str, ...] = ()     # code set keys
    encoders: tuple[str, ...] = ()      # encoder / EHR keys
    # Lower-case abbreviations a posting must not require (the seeker lacks them); None: no filter.
    lacking_credentials: tuple[str, ...] | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    pay_range: bool = False             # also the lowest and highest annual pay of the hits
    facets: tuple[str, ...] | None = None  # the facets to count; None: every facet (list pages
    #                                        that show no filters ask for fewer and answer faster)


@dataclass
class SearchHits:
    ids: list[int]                      # posting ids, best first
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None       # the query with misspelt words replaced
    relaxed: bool = False               # no posting had every word; these have some
    highlight: frozenset[str] = frozenset()  # index tokens to mark in snippets
    unmatched: tuple[str, ...] = ()     # words of the query that match no (coding) posting
    pay_range: tuple[int, int] | None = None  # annual USD, when asked for and any hit states pay


@dataclass
class IndexedDocument:
    fingerprint: bytes
    expires: int                        # epoch seconds


Changes = Callable[[], tuple[list[dict], list[int]]]


class IndexBusy(Exception):
    """Another writer held the index for longer than the caller was willing to wait."""


class IndexOutdated(Exception):
    """The index was written for other document fields: only a rebuild can write to it."""


@runtime_checkable
class SearchBackend(Protocol):
    """What ``register_search`` checks a configured backend against (see ``tests``)."""

    def apply(self, changes: Changes, timeout: float, background: bool = False) -> None:
        """Hold the single writer, call ``changes()`` for (documents, deleted ids), write them.

        Documents replace those with the same posting id; unknown deleted ids are ignored.
        Reading the database inside ``changes`` while the writer is held is what keeps two
        processes from writing an older state over a newer one. Raises IndexBusy on timeout.
        A ``background`` caller (the worker) may spend longer on housekeeping. Raises
        IndexOutdated if the index holds documents of an older shape.
        """

    def rebuild(self, postings: Iterable, document: Callable[[Any], dict],
                progress: Callable[[int], None] | None = None,
                total: int | None = None, timeout: float = 60.0) -> int:
        """Replace the whole index with the documents of ``postings`` (about ``total`` of them;
        ``document(posting)`` each, which may run in other processes); returns the count.

        Readers see the old index until the new one is complete. Raises IndexBusy if the writer
        stays locked for ``timeout`` seconds.
        """

    def search(self, request: SearchRequest) -> SearchHits:
        """Ids, total, facet counts and a suggestion for ``request``."""

    def warm_up(self) -> None:
        """Load what the first search needs, before a new worker takes traffic."""

    def version(self) -> object:
        """What searches read now: equal only while this process sees the same index content,
        so a result cached under one version is never served once the index has moved."""

    def check(self) -> tuple[dict[int, IndexedDocument], list[int]]:
        """What the index holds, by posting id, and ids held more than once."""
