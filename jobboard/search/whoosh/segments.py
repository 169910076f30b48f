"""What a process has read from the index: immutable segments and one view per generation.

A query is answered with sets of document numbers held as Python integers (``bits``). The
posting list of a term is read once per segment and cached there: segments are immutable, so
those caches survive new generations. A ``View`` is one generation of the index: its segments
side by side (document numbers offset per segment), the live set, the sort orders and the sets
derived from them. Each process keeps one view and opens a new one only when the generation on
disk changes (never ``Searcher.refresh()``).
"""
from collections import OrderedDict, defaultdict
from typing import Any

import numpy as np
from whoosh.reading import EmptyReader

from jobboard.search import text
from jobboard.search.whoosh import bits
from jobboard.search.whoosh.storage import read_column, read_postings

MAX_EXPANSIONS = 50          # index forms a word or prefix may expand to
EXPIRY_RECHECK = 30          # seconds between recomputing which documents have expired
TERM_CACHE_BYTES = 32 << 20  # per segment: text-term sets kept, least recently used dropped
# Fields with a small, fixed vocabulary: their sets stay cached for the life of a segment.
PINNED = {"specialty", "credential", "required", "arrangement", "employment_type", "state",
          "domain", "tlen", "nspec", "apprentice", "pay_posted", "setting", "code_set", "encoder"}
SORT_IN_MEMORY = 20_000      # a group this small is sorted; a larger one is walked in date order
COLUMNS = ("pid", "posted", "salary", "expires", "pay_low", "pay_high")
PAY_RANGES_KEPT = 64         # pay ranges of distinct document sets cached per generation


class Segment:
    """What a process has read from one immutable segment: term sets, columns, vocabulary."""

    def __init__(self, reader):
        self.id = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        self.columns = {name: read_column(reader, name, self.size)
                        for name in COLUMNS}
        self.pinned = {}
        self.terms = OrderedDict()
        self.cached_bytes = 0
        self.lexicons = {}
        self.stems = {}
        self.deleted = (-1, 0)

    def postings(self, reader, field, term) -> int:
        key = (field, term)
        if field in PINNED:
            found = self.pinned.get(key)
            if found is None:
                found = self.pinned[key] = read_postings(reader, field, term)
            return found
        found = self.terms.get(key)
        if found is not None:
            self.terms.move_to_end(key)
            return found
        found = self.terms[key] = read_postings(reader, field, term)
        self.cached_bytes += (found.bit_length() + 7) >> 3
        while self.cached_bytes > TERM_CACHE_BYTES and len(self.terms) > 1:
            _, dropped = self.terms.popitem(last=False)
            self.cached_bytes -= (dropped.bit_length() + 7) >> 3
        return found

    def lexicon(self, reader, field) -> dict[str, int]:
        """Indexed terms of a field with their document frequency."""
        found = self.lexicons.get(field)
        if found is None:
            found = self.lexicons[field] = {
                term.decode("utf-8"): info.doc_frequency()
                for term, info in reader.iter_field(field)}
        return found

    def by_stem(self, reader, field) -> dict[str, list[str]]:
        found = self.stems.get(field)
        if found is None:
            found = defaultdict(list)
            for term in self.lexicon(reader, field):
                found[text.stem(term)].append(term)
            self.stems[field] = found
        return found

    def deleted_bits(self, reader) -> int:
        segment = reader.segment()
        count = segment.deleted_count()
        if count != self.deleted[0]:
            self.deleted = (count, bits.from_ids(segment.deleted_docs()))
        return self.deleted[1]


class View:
    """One generation of the index as this process sees it, with the sets derived from it."""

    def __init__(self, ix, generation, segments: dict[int, "Segment"], lock):
        self.lock = lock
        reader = ix.reader()
        self.generation = reader.generation() if reader.generation() is not None else generation
        leaves = [] if isinstance(reader, EmptyReader) else list(reader.leaf_readers())
        self.reader = reader
        self.leaves = []
        for leaf, offset in leaves:
            segment_id = leaf.segment().segment_id()
            segment = segments.get(segment_id) or Segment(leaf)
            segments[segment_id] = segment
            self.leaves.append((segment, leaf, offset))
        live_ids = {s.id for s, _, _ in self.leaves}
        for stale in set(segments) - live_ids:
            del segments[stale]
        self.size = sum(s.size for s, _, _ in self.leaves)
        # Numeric columns side by side as numpy arrays: filters, expiry and sort orders over
        # them are vectorised, never a per-document Python loop.
        self.columns = {name: np.concatenate(
            [np.frombuffer(s.columns[name], dtype=np.int64) for s, _, _ in self.leaves]
            or [np.zeros(0, dtype=np.int64)]) for name in COLUMNS}
        exists = 0
        for segment, leaf, offset in self.leaves:
            everything = (1 << segment.size) - 1
            exists |= (everything & ~segment.deleted_bits(leaf)) << offset
        self.exists = exists
        self._pinned: dict[tuple[str, str], int] = {}
        self._expired: tuple[int | None, int] = (None, 0)
        self._orders: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._prefixes: dict[tuple[str, int], int] = {}
        self.derived: dict[str, Any] = {}   # per-generation data other modules compute (e.g. spelling)

    # -- term sets -----------------------------------------------------------------------------

    def term(self, field: str, term: str) -> int:
        """Documents with ``term`` in ``field``: the segments' cached sets, shifted and joined."""
        key = (field, term)
        found = self._pinned.get(key)
        if found is None:
            found = 0
            with self.lock:
                for segment, leaf, offset in self.leaves:
                    found |= segment.postings(leaf, field, term) << offset
            if field in PINNED:
                self._pinned[key] = found
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
            for segment, leaf, _ in self.leaves:
                found.update(segment.by_stem(leaf, field).get(stem, ()))
        return found

    def prefixed(self, field: str, prefix: str) -> set[str]:
        found: set[str] = set()
        with self.lock:
            for _, leaf, _ in self.leaves:
                for term in leaf.expand_prefix(field, prefix):
                    found.add(term.decode("utf-8"))
                    if len(found) >= MAX_EXPANSIONS:
                        return found
        return found

    def values(self, field: str) -> list[str]:
        found: set[str] = set()
        with self.lock:
            for segment, leaf, _ in self.leaves:
                found.update(segment.lexicon(leaf, field))
        return sorted(found)

    # -- time-dependent and ordered sets -----------------------------------------------------

    def live(self, now: int) -> int:
        """Documents not deleted and not past their expiry (rechecked every 30 seconds)."""
        checked, expired = self._expired
        if checked is None or now - checked >= EXPIRY_RECHECK or now < checked:
            expires = self.columns["expires"]
            expired = bits.from_mask((expires > 0) & (expires <= now))
            self._expired = (now, expired)
        return self.exists & ~expired

    def order(self, name: str):
        """(document numbers best first, each document's position) for ``newest``/``salary``.

        Newest: by publication time, then posting id (so pages never shuffle). Salary: by pay,
        ties in newest order.
        """
        found = self._orders.get(name)
        if found is None:
            columns = self.columns
            if name == "salary":  # the last key is the primary one
                docs = np.lexsort((self.order("newest")[1], -columns["salary"]))
            else:
                docs = np.lexsort((-columns["pid"], -columns["posted"]))
            position = np.empty(self.size, dtype=np.int64)
            position[docs] = np.arange(self.size)
            found = self._orders[name] = (docs, position)
        return found

    def at_least(self, name: str, value: int) -> int:
        """Documents whose ``posted`` or ``salary`` column is at least ``value`` (cached)."""
        key = (name, value)
        found = self._prefixes.get(key)
        if found is None:
            found = bits.from_mask(self.columns[name] >= value)
            if len(self._prefixes) > 256:
                self._prefixes.clear()
            self._prefixes[key] = found
        return found

    def pay_range(self, members: int) -> tuple[int, int] | None:
        """(lowest ``pay_low``, highest ``pay_high``) of ``members`` that state them (cached)."""
        ranges = self.derived.setdefault("pay_ranges", {})
        if members not in ranges:
            docs = bits.to_ids(members)
            lows, highs = self.columns["pay_low"][docs], self.columns["pay_high"][docs]
            lows, highs = lows[lows > 0], highs[highs > 0]
            if len(ranges) >= PAY_RANGES_KEPT:
                ranges.clear()
            ranges[members] = (int(lows.min()), int(highs.max())) if lows.size and highs.size else None
        return ranges[members]

    def ranked(self, members: int, sort: str, skip: int, count: int) -> list[int]:
        """``count`` members after ``skip``, newest (or best paid) first."""
        docs, position = self.order(sort)
        if members.bit_count() <= SORT_IN_MEMORY:
            ids = bits.to_ids(members)
            return ids[np.argsort(position[ids], kind="stable")[skip:skip + count]].tolist()
        return bits.first_in_order(members, docs, count, skip).tolist()
