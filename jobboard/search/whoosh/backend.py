"""The Whoosh implementation of ``SearchBackend``: one instance per process.

Reading: ``view()`` gives the current generation (see ``segments``: a new generation reuses
everything read from the segments it shares with the previous one); a search intersects the
term sets of its filters and clauses, counts facets with ``int.bit_count``, ranks with
``scoring`` and reads one page of document numbers in date or pay order. Writing: one writer at
a time (Whoosh's lock), always with a timeout; small segments are merged by size tier on commit;
a rebuild writes new segments and swaps them in at once (``storage``).
"""
import threading
import time

import numpy as np

from jobboard.search.backend import Changes, IndexedDocument, IndexOutdated, SearchHits, SearchRequest
from jobboard.search.document import FACETS
from jobboard.search.whoosh import bits
from jobboard.search.whoosh.scoring import Scorer
from jobboard.search.whoosh.scoring import tiers as score_tiers
from jobboard.search.whoosh.segments import PINNED, Segment, View, open_view
from jobboard.search.whoosh.spelling import suggestion, words
from jobboard.search.whoosh.storage import (
    MERGE_TIERS,
    create_index,
    fields,
    has_current_schema,
    merge_tiers,
    open_index,
    open_writer,
    swap_in,
    write_segments,
)


class WhooshBackend:
    """Search over a Whoosh index directory; one instance per process."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self._segments: dict[str, Segment] = {}
        self._view: View | None = None
        self._ix = None

    @property
    def ix(self):
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self._ix = open_index(self.path)
        return self._ix

    def view(self) -> View:
        """The current generation, reopened only when another one has been committed."""
        generation = self.ix.latest_generation()
        view = self._view
        if view is None or view.generation != generation:
            with self._lock:
                view = self._view
                if view is None or view.generation != generation:
                    view = self._view = open_view(self.ix, self._segments, view, self._lock)
        return view

    def version(self) -> View:
        """The view itself: a new one is opened whenever another generation is committed (even
        by a rebuild that starts the numbering again)."""
        return self.view()

    # -- writing -------------------------------------------------------------------------------

    def apply(self, changes: Changes, timeout: float, background: bool = False) -> None:
        """See ``SearchBackend.apply``; a ``background`` writer may also merge larger segments."""
        if not has_current_schema(self.ix):
            raise IndexOutdated(f"the index in {self.path} was written for other document fields")
        writer = open_writer(self.ix, timeout, merge_limit=MERGE_TIERS[-1 if background else 1])
        try:
            documents, deleted = changes()
            removed = 0
            if documents or deleted:
                searcher = writer.searcher()
                try:
                    for posting_id in {*deleted, *(d["pid"] for d in documents)}:
                        removed += writer.delete_by_term("id", str(posting_id), searcher=searcher)
                finally:
                    searcher.close()
            if documents or removed:
                for document in documents:
                    writer.add_document(**fields(document))
                writer.commit(mergetype=merge_tiers)
            else:
                writer.cancel()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise

    def rebuild(self, postings, document, progress=None, total: int | None = None,
                timeout: float = 60.0) -> int:
        """Write every document into new segments, then make them the whole index at once.

        An index of an older document shape is replaced by an empty one first (searches find
        nothing until the rebuild is complete: only after an upgrade).
        """
        if not has_current_schema(self.ix):
            with self._lock:
                self._ix, self._view = create_index(self.path), None
        parent = open_writer(self.ix, timeout)
        try:
            count, segments = write_segments(self.ix, self.path, postings, document, progress,
                                             total)
            swap_in(parent, segments)
        except BaseException:
            if not parent.is_closed:
                parent.cancel()
            raise
        return count

    # -- reading -------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits:
        view = self.view()
        now = int(request.now.timestamp())
        live = view.live(now)
        filters = {}
        if request.specialties:
            filters["specialty"] = view.any("specialty", request.specialties)
        if request.credentials:
            filters["credential"] = view.any("credential", request.credentials)
        if request.arrangements:
            filters["arrangement"] = view.any("arrangement", request.arrangements)
        if request.employment_types:
            filters["employment_type"] = view.any("employment_type", request.employment_types)
        if request.state:
            filters["state"] = view.term("state", request.state)
        if request.code:
            filters["code"] = (view.term("code", request.code)
                               | view.any("specialty", request.code_specialties))
        if request.company is not None:
            filters["company"] = view.term("company", str(request.company))
        for name, values in (("setting", request.settings), ("code_set", request.code_sets),
                             ("encoder", request.encoders)):
            if values:
                filters[name] = view.any(name, values)
        for name in ("apprentice", "pay_posted"):
            if getattr(request, name):
                filters[name] = view.term(name, "1")
        if request.salary_min is not None:
            filters["salary"] = view.at_least("salary", max(1, request.salary_min))
        if request.lacking_credentials is not None:
            filters["eligible"] = live & ~view.any("required", request.lacking_credentials)
        if request.posted_within:
            cutoff = now - request.posted_within * 86400
            filters["posted"] = view.at_least("posted", cutoff - cutoff % 60)

        query, scorer = request.query, Scorer(view)
        filtered = live
        for members in filters.values():
            filtered &= members
        relaxed = False
        if query.empty:
            matched = live
        else:
            matched = live
            for group in query.required_groups:
                matched &= scorer.group_match(group)
            if not matched & filtered and len(query.required_groups) > 1:
                relaxed = True
                matched = 0
                for group in query.required_groups:
                    matched |= scorer.group_match(group)
                matched &= live
            for clause in query.excluded:
                matched &= ~scorer.match(clause)
        # Postings that do not read as coding jobs (domain level 0, waiting for an admin) show
        # only when no coding job matches: a coder's search never lists them above or among
        # coding jobs, and a search only they match still finds them.
        coding = view.any("domain", ("1", "2"))
        if matched & filtered & coding:
            matched &= coding
        hits = matched & filtered
        facets = {}
        for facet in FACETS if request.facets is None else request.facets:
            base = matched
            for name, members in filters.items():
                if name != facet:
                    base &= members
            counts = {}
            for value in view.values(facet):
                n = (base & view.term(facet, value)).bit_count()
                if n:
                    counts[value] = n
            facets[facet] = counts

        sort = request.sort
        if sort == "relevance" and not query.empty:
            tiers = score_tiers(scorer, query, hits, relaxed)
            sort = "newest"
        else:
            tiers = [(0, hits)]
            if sort == "relevance":
                sort = "newest"
        page: list[int] = []
        skip = request.offset
        for _, members in tiers:
            size = members.bit_count()
            if skip >= size:
                skip -= size
                continue
            page.extend(view.ranked(members, sort, skip, request.limit - len(page)))
            skip = 0
            if len(page) >= request.limit:
                break
        return SearchHits(
            ids=view.column("pid", np.array(page, dtype=np.int64)).tolist(),
            total=hits.bit_count(), facets=facets,
            suggestion=suggestion(view, scorer, query), relaxed=relaxed,
            highlight=frozenset(scorer.highlight),
            unmatched=tuple(group[0].raw for group in query.groups
                            if not scorer.group_match(group) & (live & coding or live)),
            pay_range=view.pay_range(hits) if request.pay_range else None,
        )

    def warm_up(self) -> None:
        """Open the current generation and read what searches need from every segment: live
        set, sort orders, pinned term sets, facet values and the spelling word lists."""
        view = self.view()
        view.live(int(time.time()))
        for segment, _, _ in view.leaves:
            for sort in ("newest", "salary"):
                segment.order(sort)
            words(segment, view.lock)
        for field in PINNED:
            for value in view.values(field):
                view.term(field, value)

    # -- checking ------------------------------------------------------------------------------

    def check(self) -> tuple[dict[int, IndexedDocument], list[int]]:
        view = self.view()
        held, duplicates = {}, []
        with self._lock:
            for segment, info, _ in view.leaves:
                fingerprints = segment.reader.column_reader("fp", translate=False)
                pids, expires = segment.columns["pid"], segment.columns["expires"]
                for docnum in bits.to_ids(segment.present(info)).tolist():
                    pid = int(pids[docnum])
                    if pid in held:
                        duplicates.append(pid)
                    held[pid] = IndexedDocument(bytes(fingerprints[docnum]), int(expires[docnum]))
        return held, duplicates
