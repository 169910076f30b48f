"""A new index generation reuses what was read from the segments it shares with the last one;
expiry needs no reindex; the reused sets equal those of a process that reads everything anew."""
import pickle
from collections import defaultdict
from datetime import timedelta

import pytest
from whoosh.writing import SegmentWriter

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from jobboard.search import sync
from jobboard.search.backend import SearchRequest
from jobboard.search.query import parse
from jobboard.search.whoosh import WhooshBackend, bits, segments, storage
from jobboard.search.whoosh.segments import PINNED, Segment
from jobboard.search.whoosh.spelling import correct
from jobboard.services.postings import update_posting
from tests.factories import make_employer, make_posting, posting_fields


@pytest.fixture
def reads(monkeypatch):
    """Segment ids per kind of computation: columns read, term sets read (a term, or a whole
    field: "*"), term sets joined."""
    seen = defaultdict(list)
    read_column, read_postings, postings = segments.read_column, segments.read_postings, Segment.postings
    read_field = segments.read_field

    def column(reader, *args):
        seen["column"].append(reader.segment().segment_id())
        return read_column(reader, *args)

    def term(reader, *args):
        seen["term"].append((reader.segment().segment_id(), *args))
        return read_postings(reader, *args)

    def field(reader, name):
        seen["term"].append((reader.segment().segment_id(), name, "*"))
        return read_field(reader, name)

    def joined(self, *args):
        seen["joined"].append(self.id)
        return postings(self, *args)

    monkeypatch.setattr(segments, "read_column", column)
    monkeypatch.setattr(segments, "read_postings", term)
    monkeypatch.setattr(segments, "read_field", field)
    monkeypatch.setattr(Segment, "postings", joined)
    return seen


def search(backend, q, now=None, **filters):
    return backend.search(SearchRequest(query=parse(q), now=now or utcnow(), limit=50, **filters))


def same_as_a_fresh_reader(app, view):
    """Every pinned set, the live set and a few searches equal a new process's."""
    fresh = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    other = fresh.view()
    now = int(utcnow().timestamp())
    assert other.generation == view.generation
    assert other.live(now) == view.live(now)
    for field in PINNED:
        assert other.values(field) == view.values(field)
        for value in view.values(field):
            assert other.term(field, value) == view.term(field, value), (field, value)
    backend = app.extensions["search"]
    for q, filters in (("coder", {}), ("radiology", {"sort": "salary"}), ("", {"sort": "newest"}),
                       ("coder", {"salary_min": 60000})):
        mine, theirs = search(backend, q, **filters), search(fresh, q, **filters)
        assert (mine.ids, mine.total, mine.facets) == (theirs.ids, theirs.total, theirs.facets)


def test_a_new_generation_reads_only_the_new_segment(app, reads):
    with app.app_context():
        author = make_employer()
        postings = [make_posting(author=author, title=f"Radiology Coder {i}",
                                 specialties=["radiology"], salary_min=50000 + i * 1000,
                                 salary_max=70000 + i * 1000) for i in range(8)]
        assert sync.rebuild() == 8    # one segment of 8, as a reindex writes
        backend = app.extensions["search"]
        backend.warm_up()
        assert search(backend, "coder").total == 8
        old = backend.view()
        (big, _, _), = old.leaves
        orders = dict(big.orders)
        spelling = big.derived["words"]
        specialty = old.term("specialty", "radiology")
        reads.clear()

        added = make_posting(author=author, title="Surgical Coder", specialties=["general-surgery"])
        assert search(backend, "coder").total == 9
        view = backend.view()
        assert view.generation > old.generation and view.leaves[0].segment is big
        new = view.leaves[1].segment
        assert new.size == 1
        # Only the new segment was read (the same search: no new terms for the old segment).
        assert set(reads["column"]) == {new.id}
        assert {read[0] for read in reads["term"]} == {new.id}
        reads["joined"].clear()
        assert view.term("specialty", "radiology") == specialty  # taken over, not re-joined
        assert set(reads["joined"]) <= {new.id}
        assert big.reader is old.leaves[0].segment.reader
        assert all(big.orders[sort] is orders[sort] for sort in orders)
        assert big.derived["words"] is spelling
        same_as_a_fresh_reader(app, view)

        # An edit deletes a document of the big segment: only its deletion mask is redone.
        reads.clear()
        update_posting(postings[0], posting_fields(title="Renamed Cardiology Coder",
                                                   specialties=["cardiology"]))
        assert search(backend, "cardiology").ids == [postings[0].id]
        view = backend.view()
        assert view.leaves[0].segment is big and view.leaves[0].info.deleted_count() == 1
        assert big.id not in reads["column"]
        assert {read[1:] for read in reads["term"] if read[0] == big.id} <= {
            ("title", "renamed"), ("title", "cardiology"),
            ("body", "cardiology"), ("meta", "cardiology"), ("tags", "cardiology")}
        assert all(big.orders[sort] is orders[sort] for sort in orders)
        assert search(backend, "radiology").total == 7
        assert added.id in search(backend, "surgical").ids
        same_as_a_fresh_reader(app, view)


def test_segments_merged_away_are_forgotten_and_results_stay_right(app):
    with app.app_context():
        author = make_employer()
        ids = [make_posting(author=author, title=f"Merged Coder {i}").id for i in range(12)]
        backend = app.extensions["search"]
        view = backend.view()
        assert len(view.leaves) < 12     # one-document segments were merged on commit
        assert set(backend._segments) == set(view.ids)
        assert sorted(search(backend, "merged").ids) == sorted(ids)
        same_as_a_fresh_reader(app, view)


def test_a_posting_expiring_between_two_searches_disappears_without_a_reindex(app):
    with app.app_context():
        author = make_employer()
        lasting = make_posting(author=author, title="Lasting Coder").id
        leaving = make_posting(author=author, title="Leaving Coder")
        expires = utcnow() + timedelta(hours=1)
        leaving.expires_at = expires
        db.session.commit()
        backend = app.extensions["search"]
        before = search(backend, "coder", now=expires - timedelta(seconds=1))
        view = backend.view()
        after = search(backend, "coder", now=expires + timedelta(seconds=1))
        assert backend.view() is view    # the same generation: nothing was written
        assert sorted(before.ids) == sorted([lasting, leaving.id]) and before.total == 2
        assert after.ids == [lasting] and after.total == 1
        assert search(backend, "coder", now=expires - timedelta(seconds=1)).total == 2
        assert db.session.get(Posting, leaving.id).status == Posting.PUBLISHED


def test_spelling_suggestions_come_from_every_segment(app):
    with app.app_context():
        author = make_employer()
        make_posting(author=author, title="Cardiology Coder", specialties=["cardiology"])
        assert sync.rebuild() == 1
        make_posting(author=author, title="Dermatology Coder", specialties=["risk-adjustment"])
        view = app.extensions["search"].view()
        assert len(view.leaves) == 2
        assert correct(view, "cardiolgy") == "cardiology"
        assert correct(view, "dermatolgy") == "dermatology"


def write_index(folder, documents: int, words) -> None:
    """An index of ``documents`` documents whose body holds each word its test accepts."""
    ix = storage.create_index(str(folder))
    writer = storage.Writer(ix)
    for n in range(documents):
        writer.add_document(id=str(n), body=[word for word, held in words.items() if held(n)])
    writer.commit()


def test_term_lists_of_many_blocks_read_as_whoosh_reads_them(tmp_path, monkeypatch):
    """Dense blocks (read from the pickles' bytes), gaps of 256 and more inside a block
    (unpickled) and blocks of one to three postings give the sets Whoosh's own matcher reads."""
    monkeypatch.setattr(storage, "CODEC", storage.LeanCodec(blocklimit=8))
    words = {"every": lambda n: True, "third": lambda n: n % 3 == 0,
             "sparse": lambda n: n % 257 == 0, "mixed": lambda n: n % 300 < 2 or n % 7 == 0,
             "pair": lambda n: n in (5, 900)}
    write_index(tmp_path, 1200, words)
    reader = storage.open_index(str(tmp_path)).reader()
    try:
        for word, held in words.items():
            expected = [n for n in range(1200) if held(n)]
            assert list(reader.postings("body", word).all_ids()) == expected, word
            assert bits.to_ids(storage.read_postings(reader, "body", word)).tolist() == expected, word
    finally:
        reader.close()


def test_segments_are_written_byte_for_byte_as_whoosh_writes_them(tmp_path, monkeypatch):
    """The writer's own document adding and block-wise flush write the files Whoosh's
    ``add_document`` and per-posting ``add_postings`` write: full blocks, a last block of one,
    terms of one posting, several fields, terms given as a string, numeric and byte columns."""
    monkeypatch.setattr(storage, "CODEC", storage.LeanCodec(blocklimit=8))
    words = {"every": lambda n: True, "sixteen": lambda n: n < 16, "seventeen": lambda n: n < 17,
             "one": lambda n: n == 40, "third": lambda n: n % 3 == 0}

    def segment_files(folder):
        writer = storage.Writer(storage.create_index(str(folder)))
        for n in range(100):
            body = [word for word, held in words.items() if held(n)]
            writer.add_document(id=str(n), body=body, title="one two" if n % 2 else ["two"],
                                pid=n * 7, posted=1_700_000_000 + n, fp=n.to_bytes(8, "big"))
        writer.commit()
        return {f.name.split(".", 1)[1]: f.read_bytes() for f in folder.iterdir()
                if f.suffix not in (".toc", "")}  # by what follows the segment's name

    ours = segment_files(tmp_path / "ours")
    monkeypatch.setattr(storage.Writer, "add_document", SegmentWriter.add_document)
    monkeypatch.setattr(storage.Writer, "_flush_segment", SegmentWriter._flush_segment)
    whooshs = segment_files(tmp_path / "whoosh")
    assert set(ours) == {"pst", "trm", "_stored.col", "pid.col", "posted.col", "fp.col"}
    assert ours == whooshs


def test_a_term_list_is_written_in_blocks_of_1024_postings(tmp_path, monkeypatch):
    write_index(tmp_path, 1100, {"every": lambda n: True})
    sizes = []
    block_ids = storage._block_ids
    monkeypatch.setattr(storage, "_block_ids", lambda data, count: sizes.append(count) or block_ids(data, count))
    reader = storage.open_index(str(tmp_path)).reader()
    try:
        assert bits.to_ids(storage.read_postings(reader, "body", "every")).tolist() == list(range(1100))
    finally:
        reader.close()
    assert sizes == [storage.BLOCK_POSTINGS, 1100 - storage.BLOCK_POSTINGS] == [1024, 76]


def test_a_dense_block_beyond_document_65535_starts_from_a_four_byte_id():
    block = pickle.dumps(((70_000, 1, 2, 255, 1), None, None), 2)
    assert storage._block_ids(block, 5).tolist() == [70_000, 70_001, 70_003, 70_258, 70_259]
    sparse = pickle.dumps(((3, 300, 1, 1), None, None), 2)   # a gap over 255: unpickled
    assert storage._block_ids(sparse, 4).tolist() == [3, 303, 304, 305]


def test_a_block_holding_fewer_ids_than_its_header_says_is_unpickled_not_overrun():
    """A damaged block (its header counts more postings than it holds) is read by pickle, never
    indexed past its end."""
    short = pickle.dumps(((5, 1, 1, 1), None, None), 2)
    assert storage._block_ids(short, 20).tolist() == [5, 6, 7, 8]


def test_every_page_is_a_slice_of_the_whole_order(app):
    """A group small enough to sort in memory sorts only the members a page needs: each page of
    each order is the matching slice of the whole list."""
    with app.app_context():
        author = make_employer()
        for i in range(9):
            make_posting(author=author, title=f"Paged Coder {i}", salary_min=50000 + i % 4 * 1000,
                         salary_max=60000 + i % 4 * 1000)
        backend = app.extensions["search"]
        for sort in ("newest", "salary", "relevance"):
            whole = backend.search(SearchRequest(query=parse("coder"), now=utcnow(), sort=sort)).ids
            assert len(whole) == 9
            for limit in (1, 2, 4, 9):
                pages = [backend.search(SearchRequest(query=parse("coder"), now=utcnow(), sort=sort,
                                                      offset=offset, limit=limit)).ids
                         for offset in range(0, 9, limit)]
                assert sum(pages, []) == whole, (sort, limit)
