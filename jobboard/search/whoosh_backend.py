"""The Whoosh implementation of ``SearchBackend``.

Reading. Each process keeps one ``_View`` per index generation and opens a new one only when
the generation on disk changes (never ``Searcher.refresh()``). A query is answered with sets of
document numbers held as Python integers (``bits``): the posting list of a term is read once
per segment and cached (segments are immutable, so the cache survives new generations), and
filters, facet counts and ranking are intersections and counts of those sets. Nothing walks
every hit in Python: ranking assigns each matching posting a score from the fields each clause
matched (title > specialty tag > section > company or place > description, a short title and a
focused tag count more, the form the user typed beats its synonyms), groups postings by score
with set operations, and orders a group by date only as far as the page needs.

Writing. One writer at a time (Whoosh's lock), always with a timeout. Text fields hold
presence only, so postings are kept as per-term arrays of document numbers while a segment is
written instead of millions of tuples, and no per-document length statistics are collected.
A rebuild writes new segments (in worker processes when there are many documents) under the
lock and swaps them in with one table-of-contents write: readers see the old index until then.
"""
import io
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import threading
import zlib
from array import array
from collections import OrderedDict, defaultdict
from heapq import nsmallest
from itertools import accumulate

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.index import LockError
from whoosh.reading import EmptyReader, SegmentReader, TermNotFound
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.writing import SegmentWriter

from jobboard.search import bits, text
from jobboard.search.backend import IndexBusy, IndexedDocument, SearchHits
from jobboard.search.schema import FACETS, SCHEMA, TEXT_FIELDS

INDEX_NAME = "postings"
SEGMENT_DOCS = 50_000        # documents per segment written by a rebuild
BATCH_DOCS = 1_000           # documents per job handed to a rebuild worker
PARALLEL_MIN_DOCS = 5_000    # smaller rebuilds are written in-process
MAX_EXPANSIONS = 50          # index forms a word or prefix may expand to
EXPIRY_RECHECK = 30          # seconds between recomputing which documents have expired
TERM_CACHE_BYTES = 32 << 20  # per segment: text-term sets kept, least recently used dropped
# Fields with a small, fixed vocabulary: their sets stay cached for the life of a segment.
PINNED = {"specialty", "credential", "required", "arrangement", "employment_type", "state",
          "domain", "tlen", "nspec"}
SORT_IN_MEMORY = 20_000      # a group this small is sorted; a larger one is walked in date order
MERGE_TIERS = (100, 1_000, 10_000)

# Ranking weights (see the module docstring).
TITLE, LITERAL, SECTION, META, BODY = 80, 20, 40, 30, 20
TAG = {"1": 60, "2": 50, "3": 45}
CODE_TAG, CODE_RANGE = 100, 60
ATTRIBUTE = 60   # "remote", "contract"... naming the posting's arrangement or employment type
REQUIRED, LISTED = 100, 90
PRIOR, PRIOR_AMBIGUOUS = 10, 30


class _PerDocReader(W3PerDocReader):
    """Remembers which columns exist: Whoosh asks the file system once per document and field."""

    def has_column(self, fieldname):
        known = self.__dict__.setdefault("_known_columns", {})
        if fieldname not in known:
            known[fieldname] = super().has_column(fieldname)
        return known[fieldname]


class LeanCodec(W3Codec):
    """Whoosh's codec minus per-posting field-length statistics, which only BM25 uses."""

    length_stats = False

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)


CODEC = LeanCodec()


class TermPool:
    """Postings of a segment being written, as one array of document numbers per term.

    Replaces Whoosh's pool of (field, term, docnum, weight, value) tuples: about 4 bytes per
    posting instead of 170, and no sort of millions of tuples when the segment is written.
    """

    def __init__(self):
        self.fieldnames = set()
        self._postings = {}
        self._unsorted = set()
        self._extra = {}

    def add(self, item):
        fieldname, term, docnum, weight, value = item
        key = (fieldname, term)
        docs = self._postings.get(key)
        if docs is None:
            docs = self._postings[key] = array("I")
            self.fieldnames.add(fieldname)
        elif docs[-1] > docnum:
            self._unsorted.add(key)
        docs.append(docnum)
        if weight != 1.0 or value:
            self._extra[(fieldname, term, docnum)] = (weight, value)

    def iter_postings(self):
        extra = self._extra
        for key in sorted(self._postings):
            fieldname, term = key
            docs = self._postings[key]
            for docnum in (sorted(docs) if key in self._unsorted else docs):
                weight, value = extra.get((fieldname, term, docnum), (1.0, b"")) if extra \
                    else (1.0, b"")
                yield fieldname, term, docnum, weight, value

    def cleanup(self):
        self._postings.clear()
        self._extra.clear()


def _merge_tiers(writer, segments):
    """Merge five or more segments of one size tier (under 100, 1 000 or 10 000 documents).

    Keeps the segment count low after many small commits without a commit ever rewriting one
    of the big segments a rebuild writes (``search reindex`` renews those). Merging costs about
    half a millisecond a document, so a request merges only the two small tiers and leaves the
    largest to the worker.
    """
    tiers = defaultdict(list)
    for segment in segments:
        size = segment.doc_count_all()
        tier = next((limit for limit in MERGE_TIERS if size < limit <= writer.merge_limit), None)
        if tier is not None:
            tiers[tier].append(segment)
    for tier in MERGE_TIERS:
        group = tiers[tier]
        if len(group) >= 5:
            for segment in group:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                writer.add_reader(reader)
                reader.close()
            return [s for s in segments if s not in group]
    return segments


class _Writer(SegmentWriter):
    def __init__(self, ix, merge_limit=MERGE_TIERS[1], **kwargs):
        super().__init__(ix, codec=CODEC, **kwargs)
        self.pool = TermPool()
        self.merge_limit = merge_limit


def _fields(document: dict) -> dict:
    """Index fields of a document: lists as given, empty values left out."""
    return {k: v for k, v in document.items() if v is not None and v != [] and v != ""}


def _build_worker(path, jobs, results):
    """Rebuild worker process: index the batches it is given into segments of SEGMENT_DOCS."""
    ix = whoosh_index.open_dir(path, indexname=INDEX_NAME)
    segments, writer, count = [], None, 0
    while (job := jobs.get()) is not None:
        with open(job, "rb") as fh:
            documents = pickle.load(fh)
        os.remove(job)
        if writer is None:
            writer, count = _Writer(ix, _lk=False), 0
        for document in documents:
            writer.add_document(**_fields(document))
        count += len(documents)
        if count >= SEGMENT_DOCS:
            segments.append(writer._finalize_segment())
            writer = None
    if writer is not None and count:
        segments.append(writer._finalize_segment())
    results.put(segments)


# --------------------------------------------------------------------------- reading


def _read_postings(reader, field: str, term: str) -> int:
    """The documents of one segment holding ``term`` in ``field``, as a bit set.

    Reads Whoosh's W3 posting blocks directly (a length, a pickled block header, then the
    optionally zlib-compressed pickled delta-encoded ids): one ``get`` and C-level decoding
    instead of a matcher stepping through every posting in Python.
    """
    try:
        info = reader.term_info(field, term)
    except TermNotFound:
        return 0
    if info.is_inlined():
        return bits.from_ids(info.inlined_postings()[0])
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length unpacked
        length = length[0]
    raw = reader._terms._postfile.get(offset, length)
    ids, pos, last = [], 4, False  # after the posting list's magic number
    while not last and pos < length:
        size = unpack_int(raw[pos:pos + _INT_SIZE])[0]
        last, size = size < 0, abs(size)
        pos += _INT_SIZE
        block = io.BytesIO(raw[pos:pos + size])
        header = pickle.load(block)
        data = block.read()
        if header[3]:
            data = zlib.decompress(data)
        ids.extend(accumulate(pickle.loads(data)[0]))
        pos += size
    return bits.from_ids(ids)


def _read_column(reader, name: str, size: int):
    """A numeric column of one segment as an array (one read, not one call per document)."""
    column = reader.column_reader(name, translate=False)
    values = array("q")
    try:
        values.frombytes(column._dbfile.get(column._basepos, column._count * 8))
        if sys.byteorder == "little":
            values.byteswap()
    except AttributeError:  # a segment without the column file: every value is the default
        values = array("q", column)
    if len(values) < size:
        values.extend([0] * (size - len(values)))
    return values


class _Segment:
    """What a process has read from one immutable segment: term sets, columns, vocabulary."""

    def __init__(self, reader):
        self.id = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        self.columns = {name: _read_column(reader, name, self.size)
                        for name in ("pid", "posted", "salary", "expires")}
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
                found = self.pinned[key] = _read_postings(reader, field, term)
            return found
        found = self.terms.get(key)
        if found is not None:
            self.terms.move_to_end(key)
            return found
        found = self.terms[key] = _read_postings(reader, field, term)
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


class _View:
    """One generation of the index as this process sees it, with the sets derived from it."""

    def __init__(self, ix, generation, segments: dict, lock):
        self.lock = lock
        reader = ix.reader()
        self.generation = reader.generation() if reader.generation() is not None else generation
        leaves = [] if isinstance(reader, EmptyReader) else list(reader.leaf_readers())
        self.reader = reader
        self.leaves = []
        for leaf, offset in leaves:
            segment_id = leaf.segment().segment_id()
            segment = segments.get(segment_id) or _Segment(leaf)
            segments[segment_id] = segment
            self.leaves.append((segment, leaf, offset))
        live_ids = {s.id for s, _, _ in self.leaves}
        for stale in set(segments) - live_ids:
            del segments[stale]
        self.size = sum(s.size for s, _, _ in self.leaves)
        self.columns = {name: array("q") for name in ("pid", "posted", "salary", "expires")}
        exists = 0
        for segment, leaf, offset in self.leaves:
            for name, values in segment.columns.items():
                self.columns[name].extend(values)
            everything = (1 << segment.size) - 1
            exists |= (everything & ~segment.deleted_bits(leaf)) << offset
        self.exists = exists
        self._pinned = {}
        self._expired = (None, 0)
        self._orders = {}
        self._prefixes = {}
        self._vocabulary = None

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
        found = set()
        with self.lock:
            for segment, leaf, _ in self.leaves:
                found.update(segment.by_stem(leaf, field).get(stem, ()))
        return found

    def prefixed(self, field: str, prefix: str) -> set[str]:
        found = set()
        with self.lock:
            for segment, leaf, _ in self.leaves:
                for term in leaf.expand_prefix(field, prefix):
                    found.add(term.decode("utf-8"))
                    if len(found) >= MAX_EXPANSIONS:
                        return found
        return found

    def values(self, field: str) -> list[str]:
        found = set()
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
            expired = bits.from_ids(i for i, e in enumerate(expires) if 0 < e <= now)
            self._expired = (now, expired)
        return self.exists & ~expired

    def order(self, name: str):
        """(document numbers best first, each document's position) for ``newest``/``salary``.

        Newest: by publication time, then posting id (so pages never shuffle). Salary: by pay,
        ties in newest order.
        """
        found = self._orders.get(name)
        if found is None:
            if name == "salary":
                docs = sorted(self.order("newest")[0], key=self.columns["salary"].__getitem__,
                              reverse=True)
            else:
                keys = [p << 32 | i for p, i in zip(self.columns["posted"], self.columns["pid"])]
                docs = sorted(range(self.size), key=keys.__getitem__, reverse=True)
            position = [0] * self.size
            for rank, doc in enumerate(docs):
                position[doc] = rank
            found = self._orders[name] = (docs, position)
        return found

    def at_least(self, name: str, value: int) -> int:
        """Documents whose ``posted`` or ``salary`` column is at least ``value`` (cached)."""
        key = (name, value)
        found = self._prefixes.get(key)
        if found is None:
            found = bits.from_ids(i for i, v in enumerate(self.columns[name]) if v >= value)
            if len(self._prefixes) > 256:
                self._prefixes.clear()
            self._prefixes[key] = found
        return found

    def ranked(self, members: int, sort: str, skip: int, count: int) -> list[int]:
        """``count`` members after ``skip``, newest (or best paid) first."""
        docs, position = self.order(sort)
        if members.bit_count() <= SORT_IN_MEMORY:
            return nsmallest(skip + count, bits.to_ids(members), key=position.__getitem__)[skip:]
        return bits.first_in_order(members, docs, count, skip)

    # -- spelling ------------------------------------------------------------------------------

    def vocabulary(self) -> dict[str, int]:
        if self._vocabulary is None:
            words = defaultdict(int)
            with self.lock:
                for segment, leaf, _ in self.leaves:
                    for field in TEXT_FIELDS:
                        for term, df in segment.lexicon(leaf, field).items():
                            if term.isalpha():
                                words[term] += df
            self._vocabulary = dict(words)
        return self._vocabulary

    def correct(self, word: str) -> str | None:
        """The most frequent indexed word within one (short words) or two edits of ``word``."""
        if not word.isalpha() or len(word) < 4:
            return None
        limit = 1 if len(word) <= 5 else 2
        best = None
        for candidate, df in self.vocabulary().items():
            if abs(len(candidate) - len(word)) > limit or candidate[0] != word[0]:
                continue
            distance = _edit_distance(word, candidate, limit)
            if distance <= limit and (best is None or (distance, -df) < best[0]):
                best = ((distance, -df), candidate)
        return best[1] if best else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


# --------------------------------------------------------------------------- scoring


class _Scorer:
    """Turns parsed clauses into match sets and score levels over one view."""

    def __init__(self, view: _View):
        self.view = view
        self.highlight = set()
        self._channels = {}
        self._matches = {}
        self._tlen = {n: view.term("tlen", str(n)) for n in range(1, 10)}
        self._nspec = {n: view.term("nspec", n) for n in TAG}

    # -- field helpers -------------------------------------------------------------------------

    def _word(self, field: str, token: str) -> int:
        forms = self.view.forms(field, text.stem(token)) | {token}
        if field in ("title", "body"):
            self.highlight.update(f for f in forms if self.view.term(field, f))
        return self.view.any(field, forms)

    def _phrase(self, tokens: tuple[str, ...]) -> int:
        """Documents where the words stand next to each other (any field but tags)."""
        found = -1
        for a, b in zip(tokens, tokens[1:]):
            pairs = 0
            for x in self._any_forms(a):
                for y in self._any_forms(b):
                    pair = self.view.term("phrase", f"{x}_{y}")
                    if pair:
                        pairs |= pair
                        self.highlight.update((x, y))
            found &= pairs
            if not found:
                return 0
        return max(found, 0)

    def _any_forms(self, token: str) -> set[str]:
        stem = text.stem(token)
        return self.view.forms("body", stem) | self.view.forms("title", stem) | {token}

    def _all_words(self, field: str, tokens) -> int:
        found = -1
        for token in tokens:
            found &= self._word(field, token)
        return max(found, 0)

    def _title(self, members: int, weight: int) -> list[tuple[int, int]]:
        """Title matches, worth more in short titles (a length norm by set intersection)."""
        return [(weight + max(0, 8 - n), members & subset) for n, subset in self._tlen.items()]

    def _tags(self, slugs) -> list[tuple[int, int]]:
        members = self.view.any("specialty", slugs)
        return [(TAG[n], members & subset) for n, subset in self._nspec.items()]

    # -- clauses -------------------------------------------------------------------------------

    def channels(self, clause) -> list[list[tuple[int, int]]]:
        """Independent ways a clause can match: within a channel the best weight counts,
        across channels the weights add up."""
        found = self._channels.get(id(clause))
        if found is None:
            found = self._channels[id(clause)] = self._build_channels(clause)
        return found

    def _build_channels(self, clause) -> list[list[tuple[int, int]]]:
        kind = clause.kind
        if kind == "code":
            code = clause.value
            self.highlight.add(code.lower())
            return [[(CODE_TAG, self.view.term("code", code))],
                    [(CODE_RANGE, self.view.any("specialty", clause.specialties))],
                    [(BODY, self.view.any("body", {code.lower()}))]]
        if kind == "credential":
            abbr = clause.value
            self.highlight.add(abbr)
            return [[(REQUIRED, self.view.term("required", abbr)),
                     (LISTED, self.view.term("credential", abbr))],
                    self._title(self.view.term("title", abbr), TITLE + LITERAL),
                    [(BODY, self.view.term("body", abbr))]]
        if kind == "prefix":
            found = {field: self.view.any(field, self.view.prefixed(field, clause.value))
                     for field in ("title", "meta", "body", "tags")}
            return [self._title(found["title"], TITLE), [(SECTION, found["tags"])],
                    [(META, found["meta"])], [(BODY, found["body"])]]
        title, meta, body, section = [], 0, 0, 0
        for form in clause.forms:
            bonus = LITERAL if form.literal and kind == "concept" and len(clause.forms) > 1 else 0
            if len(form.tokens) == 1:
                token = form.tokens[0]
                title.extend(self._title(self._word("title", token), TITLE + bonus))
                meta |= self._word("meta", token)
                body |= self._word("body", token)
                section |= self._word("tags", token)
            else:
                adjacent = self._phrase(form.tokens)
                if adjacent:
                    title.extend(self._title(adjacent & self._all_words("title", form.tokens),
                                             TITLE + bonus))
                    meta |= adjacent & self._all_words("meta", form.tokens)
                    body |= adjacent
                if kind == "concept" and not form.literal:
                    continue
                if kind == "concept":
                    # The words of a specialty phrase, not side by side, still count a little.
                    body |= self._all_words("body", form.tokens)
                    body |= self._all_words("title", form.tokens)
        channels = [title, [(SECTION, section)], [(META, meta)], [(BODY, body)]]
        if clause.specialties and kind != "phrase":
            channels.append(self._tags(clause.specialties))
        if clause.attributes:
            members = 0
            for field, value in clause.attributes:
                members |= self.view.term(field, value)
            channels.append([(ATTRIBUTE, members)])
        return channels

    def levels(self, clause, scope: int) -> dict[int, int]:
        """Score -> documents in ``scope`` matching ``clause`` with that score."""
        states = {0: scope & self.match(clause)}
        for channel in self.channels(clause):
            exclusive, covered = [], 0
            for weight, members in sorted(channel, key=lambda c: -c[0]):
                members &= scope
                if members & ~covered:
                    exclusive.append((weight, members & ~covered))
                covered |= members
            if exclusive:
                states = _advance(states, exclusive, keep_unmatched=True)
        states.pop(0, None)
        return states

    def match(self, clause) -> int:
        found = self._matches.get(id(clause))
        if found is None:
            found = 0
            for channel in self.channels(clause):
                for _, members in channel:
                    found |= members
            self._matches[id(clause)] = found
        return found

    def group_match(self, group) -> int:
        found = 0
        for clause in group:
            found |= self.match(clause)
        return found

    def group_levels(self, group, scope: int) -> list[tuple[int, int]]:
        """Exclusive (score, documents) levels of a group: a document takes its best clause."""
        merged = defaultdict(int)
        for clause in group:
            for score, members in self.levels(clause, scope).items():
                merged[score] |= members
        exclusive, covered = [], 0
        for score in sorted(merged, reverse=True):
            members = merged[score] & ~covered
            if members:
                exclusive.append((score, members))
                covered |= merged[score]
        return exclusive


def _advance(states: dict[int, int], levels, keep_unmatched: bool) -> dict[int, int]:
    """Add each exclusive level's weight to the documents of every score state it holds.

    Documents in no level keep their score when ``keep_unmatched``, else they drop out.
    """
    following = defaultdict(int)
    for score, members in states.items():
        rest = members
        for weight, level in levels:
            hit = members & level
            if hit:
                following[score + weight] |= hit
                rest &= ~level
        if rest and keep_unmatched:
            following[score] |= rest
    return following


def _tiers(scorer: _Scorer, query, hits: int, relaxed: bool) -> list[tuple[int, int]]:
    """(score, documents) groups of ``hits``, best first."""
    states = {0: hits}
    for group in query.groups:
        states = _advance(states, scorer.group_levels(group, hits), keep_unmatched=relaxed)
    weight = PRIOR_AMBIGUOUS if query.ambiguous else PRIOR
    prior = defaultdict(int)
    for score, members in states.items():
        rest = members
        for level in (2, 1):
            hit = members & scorer.view.term("domain", str(level))
            if hit:
                prior[score + level * weight] |= hit
                rest &= ~hit
        if rest:
            prior[score] |= rest
    return sorted(prior.items(), reverse=True)


# --------------------------------------------------------------------------- the backend


class WhooshBackend:
    """Search over a Whoosh index directory; one instance per process."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self._segments = {}
        self._view = None
        self._ix = None

    # -- index access --------------------------------------------------------------------------

    @property
    def ix(self):
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    os.makedirs(self.path, exist_ok=True)
                    if whoosh_index.exists_in(self.path, indexname=INDEX_NAME):
                        self._ix = whoosh_index.open_dir(self.path, indexname=INDEX_NAME)
                    else:
                        self._ix = whoosh_index.create_in(self.path, SCHEMA, indexname=INDEX_NAME)
        return self._ix

    def view(self) -> _View:
        """The current generation, reopened only when another one has been committed."""
        generation = self.ix.latest_generation()
        view = self._view
        if view is None or view.generation != generation:
            with self._lock:
                view = self._view
                if view is None or view.generation != generation:
                    view = self._view = _View(self.ix, generation, self._segments, self._lock)
        return view

    def _writer(self, timeout: float, **kwargs) -> _Writer:
        try:
            return _Writer(self.ix, timeout=timeout, delay=0.02, **kwargs)
        except LockError:
            raise IndexBusy(f"the search index stayed locked for {timeout} s")

    # -- writing -------------------------------------------------------------------------------

    def apply(self, changes, timeout: float, background: bool = False) -> None:
        """See ``SearchBackend.apply``; a ``background`` writer may also merge larger segments."""
        writer = self._writer(timeout, merge_limit=MERGE_TIERS[-1 if background else 1])
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
                    writer.add_document(**_fields(document))
                writer.commit(mergetype=_merge_tiers)
            else:
                writer.cancel()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise

    def index(self, documents, timeout: float) -> None:
        documents = list(documents)
        self.apply(lambda: (documents, []), timeout)

    def delete(self, posting_ids, timeout: float) -> None:
        posting_ids = list(posting_ids)
        self.apply(lambda: ([], posting_ids), timeout)

    def rebuild(self, documents, progress=None, total=None, timeout: float = 60.0) -> int:
        """Write every document into new segments, then make them the whole index at once."""
        parent = self._writer(timeout)
        try:
            procs = min(2, os.cpu_count() or 1)
            if procs > 1 and (total or 0) >= PARALLEL_MIN_DOCS:
                count, segments = self._build_parallel(documents, progress, procs)
            else:
                count, segments = self._build_here(documents, progress)
            parent._close_segment()
            parent._commit_toc(segments)
            parent._finish()
        except BaseException:
            if not parent.is_closed:
                parent.cancel()
            raise
        return count

    def _build_here(self, documents, progress):
        segments, writer, count, in_segment = [], None, 0, 0
        for document in documents:
            if writer is None:
                writer, in_segment = _Writer(self.ix, _lk=False), 0
            writer.add_document(**_fields(document))
            count += 1
            in_segment += 1
            if progress:
                progress(1)
            if in_segment >= SEGMENT_DOCS:
                segments.append(writer._finalize_segment())
                writer = None
        if writer is not None:
            segments.append(writer._finalize_segment())
        return count, segments

    def _build_parallel(self, documents, progress, procs):
        # Forked workers start at once and need nothing re-imported; they touch no database.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        jobs, results = context.Queue(procs * 4), context.Queue()
        workers = [context.Process(target=_build_worker, args=(self.path, jobs, results),
                                   daemon=True) for _ in range(procs)]
        for worker in workers:
            worker.start()
        scratch = tempfile.mkdtemp(prefix="reindex-", dir=self.path)
        count, batch = 0, []
        try:
            def hand_over():
                job = os.path.join(scratch, f"{count}.pickle")
                with open(job, "wb") as fh:
                    pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                jobs.put(job)

            for document in documents:
                batch.append(document)
                count += 1
                if len(batch) >= BATCH_DOCS:
                    hand_over()
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                hand_over()
                if progress:
                    progress(len(batch))
            for _ in workers:
                jobs.put(None)
            segments = []
            for _ in workers:
                segments.extend(results.get())
            for worker in workers:
                worker.join()
                if worker.exitcode:
                    raise RuntimeError(f"a reindex worker failed (exit code {worker.exitcode})")
            return count, segments
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
            shutil.rmtree(scratch, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------------

    def search(self, request) -> SearchHits:
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
        if request.salary_min is not None:
            filters["salary"] = view.at_least("salary", max(1, request.salary_min))
        if request.lacking_credentials is not None:
            filters["eligible"] = live & ~view.any("required", request.lacking_credentials)
        if request.posted_within:
            cutoff = now - request.posted_within * 86400
            filters["posted"] = view.at_least("posted", cutoff - cutoff % 60)

        query, scorer = request.query, _Scorer(view)
        filtered = live
        for members in filters.values():
            filtered &= members
        relaxed = False
        if query.empty:
            matched = live
        else:
            matched = live
            for group in query.groups:
                matched &= scorer.group_match(group)
            if not matched & filtered and len(query.groups) > 1:
                relaxed = True
                matched = 0
                for group in query.groups:
                    matched |= scorer.group_match(group)
                matched &= live
            for clause in query.excluded:
                matched &= ~scorer.match(clause)
        hits = matched & filtered
        facets = {}
        for facet in FACETS:
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
            tiers = _tiers(scorer, query, hits, relaxed)
            sort = "newest"
        else:
            tiers = [(0, hits)]
            if sort == "relevance":
                sort = "newest"
        page, skip = [], request.offset
        for _, members in tiers:
            size = members.bit_count()
            if skip >= size:
                skip -= size
                continue
            page.extend(view.ranked(members, sort, skip, request.limit - len(page)))
            skip = 0
            if len(page) >= request.limit:
                break
        pid = view.columns["pid"]
        return SearchHits(
            ids=[pid[d] for d in page], total=hits.bit_count(), facets=facets,
            suggestion=self._suggestion(view, scorer, query), relaxed=relaxed,
            highlight=frozenset(scorer.highlight),
        )

    @staticmethod
    def _suggestion(view, scorer, query) -> str | None:
        """The query with each word the index has never seen replaced by its nearest word."""
        corrected, changed = query.text, False
        for group in query.groups:
            for clause in group:
                if clause.kind != "word" or scorer.match(clause):
                    continue
                word = clause.forms[0].tokens[0]
                better = view.correct(word)
                if better and better != word:
                    corrected = _replace_word(corrected, clause.raw, better)
                    changed = True
        return corrected if changed else None

    # -- checking ------------------------------------------------------------------------------

    def check(self):
        view = self.view()
        held, duplicates = {}, []
        with self._lock:
            for segment, leaf, offset in view.leaves:
                deleted = segment.deleted_bits(leaf)
                fingerprints = leaf.column_reader("fp", translate=False)
                for docnum in range(segment.size):
                    if deleted >> docnum & 1:
                        continue
                    pid = segment.columns["pid"][docnum]
                    if pid in held:
                        duplicates.append(pid)
                    held[pid] = IndexedDocument(bytes(fingerprints[docnum]),
                                                segment.columns["expires"][docnum])
        return held, duplicates


def _replace_word(query: str, raw: str, better: str) -> str:
    index = query.lower().find(raw.lower())
    if index < 0:
        return better
    return query[:index] + better + query[index + len(raw):]
