"""Every use of Whoosh's internals, in one place: codec, segment writing, raw reads.

Whoosh 2.7.4 has no public API for what a large presence-only index needs, so this module
reaches past it, and only this module:

- ``LeanCodec`` drops per-posting field-length statistics (only BM25 uses them) and remembers
  which columns exist; ``TermPool`` keeps a segment's postings as one array of document numbers
  per term instead of millions of tuples.
- ``write_segments`` builds and writes a rebuild's documents (in worker processes for large
  rebuilds) and
  ``swap_in`` makes them the whole index with one table-of-contents write under the lock
  (``SegmentWriter._finalize_segment``, ``_close_segment``, ``_commit_toc``, ``_finish``).
- ``open_generation`` reads the latest table of contents and opens readers only for segments
  not already open (``_read_toc``): a segment's files never change, only its deletions, which
  come from the table of contents.
- ``read_postings`` decodes W3 posting blocks straight from the posting file and
  ``read_column`` reads a numeric column with one read (``_postfile``, ``_dbfile``).

Upgrading Whoosh means re-checking this module against the new version, nothing else.
"""
import io
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import time
import zlib
from array import array
from collections import defaultdict

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.index import LockError
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.writing import SegmentWriter

from jobboard.search.backend import IndexBusy
from jobboard.search.whoosh import bits
from jobboard.search.whoosh.schema import SCHEMA, Terms

INDEX_NAME = "postings"
SEGMENT_DOCS = 50_000        # documents per segment written by a rebuild
BATCH_DOCS = 1_000           # documents per job handed to a rebuild worker
PARALLEL_MIN_DOCS = 5_000    # smaller rebuilds are written in-process
MERGE_TIERS = (100, 1_000, 10_000)
COMPACT_MIN_DOCS = MERGE_TIERS[-1]  # segments this large are compacted, not merged by tier
COMPACT_DELETED_SHARE = 0.1
BLOCK_POSTINGS = 1024        # postings per block of a term's list (Whoosh writes 128)


def open_index(path: str):
    """The index in ``path``, created empty if there is none. An index written with older
    document fields is still opened (searches keep working); the worker rebuilds it
    (``has_current_schema``)."""
    if whoosh_index.exists_in(path, indexname=INDEX_NAME):
        return whoosh_index.open_dir(path, indexname=INDEX_NAME)
    return create_index(path)


def create_index(path: str):
    """A new, empty index in ``path`` with the current schema (replacing any there)."""
    os.makedirs(path, exist_ok=True)
    return whoosh_index.create_in(path, SCHEMA, indexname=INDEX_NAME)


def has_current_schema(ix) -> bool:
    """Whether the index was written with the fields of ``SCHEMA`` (older ones can still be read)."""
    return set(ix.schema.names()) == set(SCHEMA.names())


class _PerDocReader(W3PerDocReader):
    """Remembers which columns exist: Whoosh asks the file system once per document and field."""

    def has_column(self, fieldname):
        known = self.__dict__.setdefault("_known_columns", {})
        if fieldname not in known:
            known[fieldname] = super().has_column(fieldname)
        return known[fieldname]


class LeanCodec(W3Codec):
    """Whoosh's codec minus per-posting field-length statistics, which only BM25 uses, with
    longer posting blocks (``BLOCK_POSTINGS``): reading a term costs a few microseconds a block."""

    length_stats = False

    def __init__(self, blocklimit=BLOCK_POSTINGS):
        super().__init__(blocklimit=blocklimit)

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

    def add_terms(self, fieldname, terms, docnum):
        """``add`` of each term of one field of a document, with weight 1 and no value."""
        postings = self._postings
        for term in terms:
            key = (fieldname, term.encode("utf-8"))
            docs = postings.get(key)
            if docs is None:
                docs = postings[key] = array("I")
                self.fieldnames.add(fieldname)
            elif docs[-1] > docnum:
                self._unsorted.add(key)
            docs.append(docnum)

    def iter_postings(self):
        extra = self._extra
        for key in sorted(self._postings):
            fieldname, term = key
            docs = self._postings[key]
            for docnum in (sorted(docs) if key in self._unsorted else docs):
                weight, value = extra.get((fieldname, term, docnum), (1.0, b"")) if extra \
                    else (1.0, b"")
                yield fieldname, term, docnum, weight, value

    def write_blocks(self, fieldwriter, schema) -> None:
        """Write every term's list a block at a time: what ``iter_postings`` through Whoosh's
        ``add_postings`` writes, byte for byte, without a call per posting (most of a segment's
        writing time). Only for presence-only postings (no weights, values or lengths)."""
        field = None
        for key in sorted(self._postings):
            fieldname, term = key
            if fieldname != field:
                if field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                field = fieldname
            docs = self._postings[key]
            if key in self._unsorted:
                docs = array("I", sorted(docs))
            fieldwriter.start_term(term)
            postings = fieldwriter._postwriter
            limit = postings._blocklimit
            for start in range(0, len(docs), limit):
                if start:  # a full block is written once another posting follows
                    postings._write_block()
                block = docs[start:start + limit]
                postings._ids, postings._maxweight = block, 1.0
                postings._weights = array("f", [1.0]) * len(block)
            fieldwriter.finish_term()  # writes the last block
        if field is not None:
            fieldwriter.finish_field()

    def cleanup(self):
        self._postings.clear()
        self._extra.clear()


def merge_tiers(writer, segments):
    """Merge five or more segments of one size tier (under 100, 1 000 or 10 000 documents).

    Keeps the segment count low after many small commits. Merging costs about half a
    millisecond a document, so only a background writer (the worker) merges the largest tier,
    and only it compacts a big segment (one a rebuild writes) once more than
    ``COMPACT_DELETED_SHARE`` of its documents are deleted: searches stop paying for them.
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
    if writer.merge_limit >= MERGE_TIERS[-1]:
        worn = [s for s in segments if s.doc_count_all() >= COMPACT_MIN_DOCS
                and s.deleted_count() > COMPACT_DELETED_SHARE * s.doc_count_all()]
        if worn:
            reader = SegmentReader(writer.storage, writer.schema, worn[0])
            writer.add_reader(reader)  # copies the live documents only
            reader.close()
            return [s for s in segments if s is not worn[0]]
    return segments


class Writer(SegmentWriter):
    """Whoosh's writer with ``LeanCodec``, ``TermPool`` and segments of separate files.

    Not compound: a reader of a compound segment copies each of its files into memory
    (``BufferFile``), once per process and segment; separate files are read where they lie.
    """

    def __init__(self, ix, merge_limit=MERGE_TIERS[1], **kwargs):
        super().__init__(ix, codec=CODEC, compound=False, **kwargs)
        self.pool = TermPool()
        self.merge_limit = merge_limit
        self._presence_only = all(isinstance(field, Terms) or not (field.indexed or field.stored)
                                  for _, field in self.schema.items())

    def add_document(self, **fields):
        """Whoosh's ``add_document`` for a schema of presence-only ``Terms`` and columns, with
        nothing stored and no boosts: a field's terms go to the pool in one call instead of a
        tuple per term through a generator (a document has about 200 terms)."""
        if not self._presence_only or any(name.startswith("_") for name in fields):
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(fields)
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            if field.indexed:
                self.pool.add_terms(name, field.terms(value), docnum)
            perdocwriter.add_field(name, field, None, 0)
            if field.column_type:
                perdocwriter.add_column_value(name, field.column_type, field.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        if self.pool._extra or self.codec.length_stats:
            return super()._flush_segment()
        self.perdocwriter.close()
        self.pool.write_blocks(self.fieldwriter, self.schema)
        self.fieldwriter.close()


def fields(document: dict) -> dict:
    """Index fields of a document: lists as given, empty values left out."""
    return {k: v for k, v in document.items() if v is not None and v != [] and v != ""}


def _build_worker(path, document, jobs, results):
    """Rebuild worker process: index the documents of the batches of postings it is given into
    segments of SEGMENT_DOCS."""
    ix = whoosh_index.open_dir(path, indexname=INDEX_NAME)
    segments, writer, count = [], None, 0
    while (job := jobs.get()) is not None:
        with open(job, "rb") as fh:
            postings = pickle.load(fh)
        os.remove(job)
        if writer is None:
            writer, count = Writer(ix, _lk=False), 0
        for posting in postings:
            writer.add_document(**fields(document(posting)))
        count += len(postings)
        if count >= SEGMENT_DOCS:
            segments.append(writer._finalize_segment())
            writer = None
    if writer is not None and count:
        segments.append(writer._finalize_segment())
    results.put(segments)


def open_writer(ix, timeout: float, **kwargs) -> Writer:
    """The index's single writer, waiting up to ``timeout`` seconds for another to finish."""
    try:
        return Writer(ix, timeout=timeout, delay=0.02, **kwargs)
    except LockError:
        raise IndexBusy(f"the search index stayed locked for {timeout} s") from None


def write_segments(ix, path: str, postings, document, progress=None,
                   total=None) -> tuple[int, list]:
    """Write the documents of ``postings`` (``document(posting)`` each) into new segments that no
    table of contents lists yet.

    A large rebuild builds its documents in the worker processes that write them: the process
    reading the postings would otherwise keep both workers waiting. The caller holds the index
    lock and passes the result to ``swap_in``.
    """
    procs = min(2, os.cpu_count() or 1)
    if procs > 1 and (total or 0) >= PARALLEL_MIN_DOCS:
        return _build_parallel(path, postings, document, progress, procs)
    return _build_here(ix, postings, document, progress)


def swap_in(parent: Writer, segments) -> None:
    """Make ``segments`` the whole index in one table-of-contents write (readers switch then)."""
    parent._close_segment()
    parent._commit_toc(segments)
    parent._finish()


def _build_here(ix, postings, document, progress):
    segments, writer, count, in_segment = [], None, 0, 0
    for posting in postings:
        if writer is None:
            writer, in_segment = Writer(ix, _lk=False), 0
        writer.add_document(**fields(document(posting)))
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

def _build_parallel(path, postings, document, progress, procs):
    # Forked workers start at once and need nothing re-imported; they touch no database.
    context = (multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods()
               else multiprocessing.get_context("spawn"))
    jobs, results = context.Queue(procs * 4), context.Queue()
    workers = [context.Process(target=_build_worker, args=(path, document, jobs, results),
                               daemon=True) for _ in range(procs)]
    for worker in workers:
        worker.start()
    scratch = tempfile.mkdtemp(prefix="reindex-", dir=path)
    count, batch = 0, list[object]()
    try:
        def hand_over():
            job = os.path.join(scratch, f"{count}.pickle")
            with open(job, "wb") as fh:
                pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
            jobs.put(job)

        for posting in postings:
            batch.append(posting)
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


def open_generation(ix, readers: dict) -> tuple[int, list[tuple]]:
    """The latest generation: its number and (reader, segment record) per segment.

    ``readers`` (by segment id) are reused for the segments they hold; only new segments are
    opened. The segment record carries that generation's deletions (a reused reader's own
    record may be older). A writer may remove a merged segment's files between reading the
    table of contents and opening them: retried, as Whoosh's own ``reader()`` does.
    """
    retries = 10
    while True:
        try:
            toc = ix._read_toc()
            return toc.generation, [
                (readers.get(info.segment_id())
                 or SegmentReader(ix.storage, toc.schema, info, generation=toc.generation), info)
                for info in toc.segments]
        except OSError:
            retries -= 1
            if not retries:
                raise
            time.sleep(0.05)


def read_postings(reader, field: str, term: str) -> int:
    """The documents of one segment holding ``term`` in ``field``, as a bit set.

    Reads Whoosh's W3 posting blocks directly (a length, a pickled block header, then the
    optionally zlib-compressed pickled delta-encoded ids): one ``get`` and C-level decoding
    instead of a matcher stepping through every posting in Python.
    """
    try:
        info = reader.term_info(field, term)
    except TermNotFound:
        return 0
    return _decode(reader, info)


def read_field(reader, field: str) -> dict[str, int]:
    """Every term of ``field`` in one segment with its documents as a bit set (one pass over
    the field's terms: cheaper than a lookup per term for the small fields)."""
    return {term.decode("utf-8"): _decode(reader, info) for term, info in reader.iter_field(field)}


def _decode(reader, info) -> int:
    if info.is_inlined():
        return bits.from_ids(info.inlined_postings()[0])
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length unpacked
        length = length[0]
    raw = reader._terms._postfile.get(offset, length)
    stream = io.BytesIO(raw)
    blocks = []
    pos, last = 4, False  # after the posting list's magic number
    while not last and pos < length:
        size = unpack_int(raw[pos:pos + _INT_SIZE])[0]
        last, size = size < 0, abs(size)
        pos += _INT_SIZE
        stream.seek(pos)
        header = pickle.load(stream)  # postings, last id, max weight, compressed, ...
        data = raw[stream.tell():pos + size]
        blocks.append(_block_ids(zlib.decompress(data) if header[3] else data, header[0]))
        pos += size
    return bits.from_ids(np.concatenate(blocks))


_MARK, _TUPLE, _BININT1 = ord("("), ord("t"), ord("K")
_BININT_WIDTH = {_BININT1: 1, ord("M"): 2, ord("J"): 4}  # pickle's opcodes of non-negative ints


def _block_ids(data: bytes, count: int) -> np.ndarray:
    """The ``count`` ids of one block, the pickle of ``(deltas, None, None)`` (the first delta
    counts from 0).

    In a dense block each delta after the first is under 256, which pickles as the opcode ``K``
    and one byte: the deltas are every second byte of the pickle from there, read with numpy
    (every opcode checked) instead of unpickled, which cost most of a cold search.
    """
    width = _BININT_WIDTH.get(data[3]) if count > 3 and data[2] == _MARK else None
    if width is not None:
        rest = np.frombuffer(data, dtype=np.uint8, offset=4 + width)
        end = 2 * (count - 1)
        if len(rest) > end and rest[end] == _TUPLE and (rest[0:end:2] == _BININT1).all():
            deltas = np.empty(count, dtype=np.int64)
            deltas[0] = int.from_bytes(data[4:4 + width], "little")
            deltas[1:] = rest[1:end:2]
            return np.cumsum(deltas)
    return np.cumsum(np.array(pickle.loads(data)[0], dtype=np.int64))


def read_column(reader, name: str, size: int) -> np.ndarray:
    """A numeric column of one segment as an int64 array (one read, not one call per document)."""
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
    return np.frombuffer(values, dtype=np.int64)
