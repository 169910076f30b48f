"""What a process has read from the index: immutable segments and one view per generation.

A query is answered with sets of document numbers held as Python integers (``bits``). Whatever
is derived from one segment (its reader, columns, term sets, sort orders, expiry order, word
lists) is computed once and kept on its ``Segment``: segment files never change, so it stays
right in every later generation that still holds the segment. Only deletions change, and a
segment whose deletions changed has its deletion mask redone, nothing else.

A ``View`` is one generation: its segments side by side, biggest first (so the offsets of the
big segments a rebuild writes rarely move), and the whole-index sets it joins from theirs. A new
view takes over the previous view's joined sets for the leading segments that kept their place
and joins only the rest. Each process keeps one view and opens a new one only when the
generation on disk changes (never ``Searcher.refresh()``).
"""
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from jobboard.search import text
from jobboard.search.whoosh import bits
from jobboard.search.whoosh.storage import open_generation, read_column, read_field, read_postings

MAX_EXPANSIONS = 50          # index forms a word or prefix may expand to
TERM_CACHE_BYTES = 32 << 20  # per segment: text-term sets kept, least recently used dropped
# Fields with a small, fixed vocabulary: their sets stay cached for the life of a segment.
PINNED = {"specialty", "credential", "required", "arrangement", "employment_type", "state",
          "domain", "tlen", "nspec", "apprentice", "pay_posted", "setting", "code_set", "encoder"}
SORT_IN_MEMORY = 20_000      # a group this small is sorted; a larger one is walked in sort order
COLUMNS = ("pid", "posted", "salary", "expires", "pay_low", "pay_high")
PAY_RANGES_KEPT = 64         # pay ranges of distinct document sets cached per generation
THRESHOLDS_KEPT = 256        # "column at least value" sets cached per view


class Segment:
    """What a process has read from one immutable segment: reader, columns, term sets, orders."""

    def __init__(self, reader):
        self.reader = reader
        self.id = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        self.everything = (1 << self.size) - 1
        self.columns = {name: read_column(reader, name, self.size) for name in COLUMNS}
        self.pinned: dict[str, dict[str, int]] = {}   # field -> every term's set
        self.terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.cached_bytes = 0
        self.lexicons: dict[str, dict[str, int]] = {}
        self.stems: dict[str, dict[str, list[str]]] = {}
        self.orders: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.derived: dict[str, Any] = {}    # what other modules compute per segment (spelling)
        self._deleted: tuple[int, int] = (-1, 0)      # (deleted count, documents present)
        self._expiry: tuple[np.ndarray, np.ndarray] | None = None
        self._expired: tuple[int, int] = (0, 0)       # (documents expired, their set)

    def postings(self, field: str, term: str) -> int:
        if field in PINNED:
            terms = self.pinned.get(field)
            if terms is None:
                terms = self.pinned[field] = read_field(self.reader, field)
            return terms.get(term, 0)
        key = (field, term)
        found = self.terms.get(key)
        if found is not None:
            self.terms.move_to_end(key)
            return found
        found = self.terms[key] = read_postings(self.reader, field, term)
        self.cached_bytes += (found.bit_length() + 7) >> 3
        while self.cached_bytes > TERM_CACHE_BYTES and len(self.terms) > 1:
            _, dropped = self.terms.popitem(last=False)
            self.cached_bytes -= (dropped.bit_length() + 7) >> 3
        return found

    def lexicon(self, field: str) -> dict[str, int]:
        """Indexed terms of a field with their document frequency."""
        found = self.lexicons.get(field)
        if found is None:
            found = self.lexicons[field] = {
                term.decode("utf-8"): info.doc_frequency()
                for term, info in self.reader.iter_field(field)}
        return found

    def by_stem(self, field: str) -> dict[str, list[str]]:
        found = self.stems.get(field)
        if found is None:
            grouped = defaultdict(list)
            for term in self.lexicon(field):
                grouped[text.stem(term)].append(term)
            found = self.stems[field] = dict(grouped)
        return found

    def present(self, info) -> int:
        """Documents not deleted in the generation whose segment record is ``info``."""
        count = info.deleted_count()
        if count != self._deleted[0]:
            self._deleted = (count, self.everything & ~bits.from_ids(info.deleted_docs()))
        return self._deleted[1]

    def expired(self, now: int) -> tuple[int, int]:
        """(how many, which) documents have expired at ``now``: a binary search in the
        documents sorted by expiry, the set rebuilt only when that count changes."""
        if self._expiry is None:
            expires = self.columns["expires"]
            dated = np.flatnonzero(expires > 0)
            docs = dated[np.argsort(expires[dated], kind="stable")]
            self._expiry = (expires[docs], docs)
        times, docs = self._expiry
        count = int(np.searchsorted(times, now, side="right"))
        found = self._expired
        if found[0] != count:
            found = self._expired = (count, bits.from_ids(docs[:count]))
        return found

    def order(self, sort: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents best first, each document's position) for ``newest`` or ``salary``.

        Newest: by publication time, then posting id (so pages never shuffle). Salary: by pay,
        ties in newest order.
        """
        found = self.orders.get(sort)
        if found is None:
            columns = self.columns
            if sort == "salary":  # the last key is the primary one
                docs = np.lexsort((self.order("newest")[1], -columns["salary"]))
            else:
                docs = np.lexsort((-columns["pid"], -columns["posted"]))
            docs = docs.astype(np.int32)
            position = np.empty(self.size, dtype=np.int32)
            position[docs] = np.arange(self.size, dtype=np.int32)
            found = self.orders[sort] = (docs, position)
        return found

    def first(self, members: int, sort: str, count: int) -> np.ndarray:
        """The first ``count`` of ``members`` (this segment's document numbers) in ``sort`` order."""
        docs, position = self.order(sort)
        if members.bit_count() <= SORT_IN_MEMORY:
            ids = bits.to_ids(members)
            keys = position[ids]   # distinct: only the first ``count`` need sorting
            if count < len(ids):
                ids = ids[np.argpartition(keys, count - 1)[:count]]
                keys = position[ids]
            return ids[np.argsort(keys)]
        return bits.first_in_order(members, docs, count)


class Leaf(NamedTuple):
    """A segment in one generation: its deletions then (``info``) and its first document number."""
    segment: Segment
    info: Any
    offset: int


def open_view(ix, segments: dict[str, Segment], previous: "View | None", lock) -> "View":
    """The latest generation, reusing every ``Segment`` already read (``segments``, by id, is
    updated to hold this generation's)."""
    generation, opened = open_generation(ix, {i: s.reader for i, s in segments.items()})
    found = [(segments.get(info.segment_id()) or Segment(reader), info) for reader, info in opened]
    segments.clear()
    segments.update((segment.id, segment) for segment, _ in found)
    return View(generation, found, previous, lock)


Joined = tuple[tuple, int]   # (what each leaf's part depended on, the joined set)


class View:
    """One generation of the index as this process sees it, with the sets joined from it."""

    def __init__(self, generation: int, found: list[tuple[Segment, Any]], previous: "View | None",
                 lock):
        self.lock = lock
        self.generation = generation
        self.leaves: list[Leaf] = []
        offset = 0
        for segment, info in sorted(found, key=lambda f: (-f[0].size, f[0].id)):
            self.leaves.append(Leaf(segment, info, offset))
            offset += segment.size
        self.size = offset
        self.ids = tuple(leaf.segment.id for leaf in self.leaves)
        self._starts = np.array([leaf.offset for leaf in self.leaves], dtype=np.int64)
        # Sets joined from every segment (pinned terms, column thresholds) by kind and key, and
        # the previous view's, to take over.
        self._sets: dict[str, dict[Any, int]] = {"term": {}, "at_least": {}}
        self._before = (previous.ids, previous._sets) if previous else ((), {})
        self._live: Joined | None = previous._live if previous else None
        self._values: dict[str, list[str]] = {}
        self.derived: dict[str, Any] = {}   # per-generation data other modules compute

    def _join(self, keys: tuple, part: Callable[[int], int], before: Joined | None) -> int:
        """The union of ``part(i)`` shifted to leaf i's offset, for every leaf.

        ``keys[i]`` says what leaf i's part depends on; the leading leaves whose keys equal
        those of ``before`` (an earlier join) are taken from it, the rest are joined here.
        """
        same, found = 0, 0
        if before is not None:
            old_keys, old = before
            limit = min(len(keys), len(old_keys))
            while same < limit and keys[same] == old_keys[same]:
                same += 1
            if same:
                end = self.leaves[same - 1].offset + self.leaves[same - 1].segment.size
                found = old & ((1 << end) - 1)
        for i in range(same, len(keys)):
            members = part(i)
            if members:
                found |= members << self.leaves[i].offset
        return found

    def _joined_once(self, kind: str, key, part: Callable[[Segment], int]) -> int:
        """A set joined from every segment, kept for this view and taken over by the next one."""
        kept = self._sets[kind]
        found = kept.get(key)
        if found is None:
            old_ids, old_sets = self._before
            earlier = old_sets.get(kind, {}).get(key)
            with self.lock:
                found = self._join(self.ids, lambda i: part(self.leaves[i].segment),
                                   None if earlier is None else (old_ids, earlier))
            kept[key] = found
        return found

    # -- term sets -----------------------------------------------------------------------------

    def term(self, field: str, term: str) -> int:
        """Documents with ``term`` in ``field``: the segments' cached sets, shifted and joined."""
        if field in PINNED:
            return self._joined_once("term", (field, term), lambda s: s.postings(field, term))
        found = 0
        with self.lock:
            for segment, _, offset in self.leaves:
                found |= segment.postings(field, term) << offset
        return found

    def any(self, field: str, terms) -> int:
        found = 0
        for term in terms:
            found |= self.term(field, term)
        return found

    def forms(self, field: str, stem: str) -> set[str]:
        """Indexed words of ``field`` that share ``stem``."""
        found: set[str] = set()
        with self.lock:
            for segment, _, _ in self.leaves:
                found.update(segment.by_stem(field).get(stem, ()))
        return found

    def prefixed(self, field: str, prefix: str) -> set[str]:
        found: set[str] = set()
        with self.lock:
            for segment, _, _ in self.leaves:
                for term in segment.reader.expand_prefix(field, prefix):
                    found.add(term.decode("utf-8"))
                    if len(found) >= MAX_EXPANSIONS:
                        return found
        return found

    def values(self, field: str) -> list[str]:
        found = self._values.get(field)
        if found is None:
            terms: set[str] = set()
            with self.lock:
                for segment, _, _ in self.leaves:
                    terms.update(segment.lexicon(field))
            found = self._values[field] = sorted(terms)
        return found

    # -- time-dependent and ordered sets -----------------------------------------------------

    def live(self, now: int) -> int:
        """Documents neither deleted nor past their expiry at ``now``.

        Per segment a binary search tells how many documents have expired; only a segment
        whose deletions or expired count changed has its part redone.
        """
        expired = [leaf.segment.expired(now) for leaf in self.leaves]
        keys = tuple((leaf.segment.id, leaf.info.deleted_count(), gone[0])
                     for leaf, gone in zip(self.leaves, expired, strict=True))
        found = self._live
        if found is None or found[0] != keys:
            with self.lock:
                members = self._join(keys, lambda i: self.leaves[i].segment.present(
                    self.leaves[i].info) & ~expired[i][1], found)
            found = self._live = (keys, members)
        return found[1]

    def at_least(self, name: str, value: int) -> int:
        """Documents whose ``posted`` or ``salary`` column is at least ``value`` (cached)."""
        if len(self._sets["at_least"]) > THRESHOLDS_KEPT:
            self._sets["at_least"].clear()
        return self._joined_once("at_least", (name, value),
                                 lambda s: bits.from_mask(s.columns[name] >= value))

    def column(self, name: str, docs: np.ndarray) -> np.ndarray:
        """Column ``name`` of the documents ``docs`` (this view's document numbers)."""
        found = np.zeros(len(docs), dtype=np.int64)
        where = np.searchsorted(self._starts, docs, side="right") - 1
        for i in np.unique(where):
            chosen = where == i
            segment, _, offset = self.leaves[i]
            found[chosen] = segment.columns[name][docs[chosen] - offset]
        return found

    def pay_range(self, members: int) -> tuple[int, int] | None:
        """(lowest ``pay_low``, highest ``pay_high``) of ``members`` that state them (cached)."""
        ranges = self.derived.setdefault("pay_ranges", {})
        if members not in ranges:
            docs = bits.to_ids(members)
            lows, highs = self.column("pay_low", docs), self.column("pay_high", docs)
            lows, highs = lows[lows > 0], highs[highs > 0]
            if len(ranges) >= PAY_RANGES_KEPT:
                ranges.clear()
            ranges[members] = (int(lows.min()), int(highs.max())) if lows.size and highs.size else None
        return ranges[members]

    def ranked(self, members: int, sort: str, skip: int, count: int) -> list[int]:
        """``count`` members after ``skip``, newest (or best paid) first.

        Each segment gives its first ``skip + count`` members in its own order; those few are
        merged by the sort keys.
        """
        picked = []
        for segment, _, offset in self.leaves:
            part = (members >> offset) & segment.everything
            if part:
                picked.append(segment.first(part, sort, skip + count) + offset)
        if not picked:
            return []
        docs = np.concatenate(picked)
        if len(picked) > 1:
            keys = [-self.column("pid", docs), -self.column("posted", docs)]
            if sort == "salary":
                keys.append(-self.column("salary", docs))
            docs = docs[np.lexsort(keys)]
        return docs[skip:skip + count].tolist()
