"""The index follows the database: flush -> change log -> commit, rollbacks, bulk changes,
crashes, pruning, rebuilds, two writing processes and a long-lived reader."""
import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.models.search import SearchChange
from jobboard.models.taxonomy import CptCode
from jobboard.search import sync
from jobboard.search.params import parse_params
from jobboard.search.service import search_postings
from jobboard.search.sync import log as change_log
from jobboard.search.whoosh import WhooshBackend, storage
from jobboard.services.moderation import suspend_user, unpublish_posting
from jobboard.services.postings import change_status, expire_due, update_posting
from tests.conftest import base_config
from tests.factories import make_company, make_employer, make_posting, posting_fields


@pytest.fixture
def app_config():
    return {"SEARCH_WRITER_TIMEOUT": 5.0}


def indexed(app) -> set[int]:
    held, duplicates = app.extensions["search"].check()
    assert not duplicates
    return set(held)


def found(q="", **args) -> list[int]:
    from werkzeug.datastructures import MultiDict

    params = parse_params(MultiDict({"q": q, "per_page": "100", **args}))
    return [p.id for p in search_postings(params).postings]


def logged() -> list[int]:
    """Posting ids of the change log's entries, oldest first."""
    return db.session.scalars(select(SearchChange.posting_id).order_by(SearchChange.id)).all()


def behind() -> int:
    return sync.lag().entries


def check(app):
    return app.test_cli_runner().invoke(args=["search", "check"])


# --- commit, flush, rollback -------------------------------------------------------------------

def test_commit_logs_the_change_and_the_index_follows(app):
    with app.app_context():
        posting = make_posting(title="Hemic Coder")
        assert indexed(app) == {posting.id}
        assert found("hemic") == [posting.id]
        assert logged() == [posting.id]
        assert behind() == 0
        assert change_log.Position.load().applied == db.session.scalar(select(db.func.max(SearchChange.id)))


def test_flush_then_commit_indexes(app):
    with app.app_context():
        company = make_company()
        author = make_employer(company)
        posting = Posting(company=company, created_by=author, title="Flushed Coder",
                          description="Lymph node procedures.")
        posting.publish()
        db.session.add(posting)
        db.session.flush()
        assert posting.id not in indexed(app)
        assert logged() == [posting.id]  # written in the same transaction
        posting.title = "Flushed Then Renamed Coder"
        db.session.flush()
        db.session.commit()
        assert indexed(app) == {posting.id}
        assert found("renamed") == [posting.id]
        assert behind() == 0


def test_rollback_does_not_index(app):
    with app.app_context():
        company = make_company()
        posting = Posting(company=company, title="Rolled Back Coder", description="Gone.")
        posting.publish()
        db.session.add(posting)
        db.session.flush()
        db.session.rollback()
        kept = make_posting(title="Kept Coder")  # a later commit must not resurrect it
        assert indexed(app) == {kept.id}
        assert found("rolled") == []
        assert logged() == [kept.id]


def test_draft_is_not_indexed_until_published(app):
    with app.app_context():
        posting = make_posting(status="draft", title="Draft Coder")
        assert indexed(app) == set()
        change_status(posting, "publish")
        assert indexed(app) == {posting.id}


@pytest.mark.parametrize("action", ["close", "expire", "unpublish", "suspend_author", "delete",
                                    "delete_company"])
def test_postings_leaving_public_view_leave_the_index(app, action):
    with app.app_context():
        posting = make_posting(title="Leaving Coder")
        other = make_posting(title="Staying Coder")
        assert indexed(app) == {posting.id, other.id}
        if action == "close":
            change_status(posting, "close")
        elif action == "expire":
            posting.expire()
            db.session.commit()
        elif action == "unpublish":
            unpublish_posting(posting)
        elif action == "suspend_author":
            suspend_user(posting.created_by)
        elif action == "delete":
            db.session.delete(posting)
            db.session.commit()
        else:
            db.session.delete(db.session.get(Company, posting.company_id))
            db.session.commit()
        assert indexed(app) == {other.id}
        assert found("coder") == [other.id]
        assert check(app).exit_code == 0


def test_bulk_expiry_removes_every_expired_posting(app):
    with app.app_context():
        author = make_employer()
        due = [make_posting(author=author, title=f"Due Coder {i}") for i in range(4)]
        fresh = make_posting(author=author, title="Fresh Coder")
        db.session.execute(update(Posting).where(Posting.id.in_([p.id for p in due]))
                           .values(expires_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        # Past their expiry but not yet swept: searches already skip them.
        assert found("coder") == [fresh.id]
        assert expire_due() == 4
        assert indexed(app) == {fresh.id}
        result = check(app)
        assert result.exit_code == 0, result.output


def test_tag_company_and_code_changes_reach_the_index(app):
    with app.app_context():
        posting = make_posting(title="Tagged Coder", specialties=["general-surgery"],
                               cpt_codes=["38900"])
        update_posting(posting, posting_fields(title="Tagged Coder", specialties=["radiology"],
                                               credentials_required=["RCC"], cpt_codes=["70551"]))
        assert found(specialty="radiology") == [posting.id]
        assert found(specialty="general-surgery") == []
        assert found(credential="RCC") == [posting.id]
        assert found(code="70551") == [posting.id]
        posting.company.name = "Zephyrine Imaging"
        db.session.commit()
        assert found("zephyrine") == [posting.id]
        code = db.session.scalar(select(CptCode).where(CptCode.code == "70551"))
        code.section = "Quixotic Section"  # a CMS re-import reclassifying a code
        db.session.commit()
        assert found("quixotic") == [posting.id]
        assert check(app).exit_code == 0


def test_bulk_sql_changes_reach_the_index_through_reindex_postings(app):
    with app.app_context():
        author = make_employer()
        postings = [make_posting(author=author, title="Before Coder") for _ in range(3)]
        ids = [p.id for p in postings]
        db.session.execute(update(Posting).where(Posting.id.in_(ids)).values(title="After Coder"))
        db.session.commit()
        result = check(app)
        assert result.exit_code == 1 and "3 postings out of date" in result.output
        db.session.execute(update(Posting).where(Posting.id.in_(ids)).values(title="Final Coder"))
        sync.reindex_postings(ids)
        db.session.commit()
        assert sorted(found("final")) == sorted(ids)
        assert check(app).exit_code == 0


# --- failures ----------------------------------------------------------------------------------

def test_a_host_whose_process_died_before_following_catches_up_with_the_worker(app, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(change_log, "follow", lambda: None)  # the process dies here
        posting = make_posting(title="Survivor Coder")
        assert indexed(app) == set()
        assert logged() == [posting.id]
        assert behind() == 1
        result = check(app)
        assert result.exit_code == 1
        assert "1 log entries" in result.output and "1 postings missing from the index" in result.output
        monkeypatch.undo()
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert "Applied 1 index updates" in result.output
        assert indexed(app) == {posting.id}
        assert behind() == 0
        result = check(app)
        assert result.exit_code == 0 and "0 log entries (0.0 s) behind" in result.output


def test_a_busy_index_never_fails_a_request(app):
    app.config["SEARCH_WRITER_TIMEOUT"] = 0.2
    with app.app_context():
        posting = make_posting(title="Busy Coder")
        backend = app.extensions["search"]
        writer = storage.open_writer(backend.ix, timeout=1)  # someone else holds the index
        try:
            change_status(posting, "close")
            assert posting.id in indexed(app)  # not yet removed...
            assert found("busy") == []         # ...but searches re-check the database
            assert behind() == 1
        finally:
            writer.cancel()
        assert sync.follow() == 1
        assert indexed(app) == set()


def test_web_requests_only_write_the_log_when_following_after_commit_is_off(app, auth, client):
    app.config["SEARCH_FOLLOW_AFTER_COMMIT"] = False  # production: each host's worker follows
    with app.app_context():
        assert sync.rebuild() == 0  # a new host starts with `search reindex`
        posting = make_posting(title="Queued Coder")
        assert indexed(app) == set() and behind() == 1
        assert sync.follow() == 1
        assert indexed(app) == {posting.id}


def test_a_new_host_starts_with_reindex_then_follows_the_log(app, tmp_path):
    with app.app_context():
        ids = [make_posting(title=f"Replayed Coder {i}").id for i in range(3)]
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app({**base_config(uri, tmp_path / "host-b", 25), "SEARCH_FOLLOW_AFTER_COMMIT": False})
    with other.app_context():
        assert indexed(other) == set()
        with pytest.raises(sync.FellBehind, match="not been built"):
            sync.follow()
        result = other.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0 and "Indexed 3 postings" in result.output, result.output
        assert sync.lag().entries == 0
    with app.app_context():
        change_status(db.session.get(Posting, ids[0]), "close")
        kept = set(ids[1:])
    with other.app_context():
        assert sync.lag().entries == 1
        assert sync.follow() == 1
        assert indexed(other) == kept
        assert check(other).exit_code == 0


def test_an_index_of_an_older_document_shape_is_rebuilt_by_the_worker(app, tmp_path):
    from whoosh import fields, index

    with app.app_context():
        posting_id = make_posting(title="Upgraded Coder").id
        folder = app.config["SEARCH_INDEX_DIR"]
    index.create_in(folder, fields.Schema(id=fields.ID(unique=True)), indexname=storage.INDEX_NAME)
    upgraded = create_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, 25),
                           "SEARCH_FOLLOW_AFTER_COMMIT": False})
    with upgraded.app_context():
        with pytest.raises(sync.FellBehind, match="other document fields"):
            sync.reindex_postings([posting_id])
            db.session.commit()
            sync.follow()
        result = upgraded.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert indexed(upgraded) == {posting_id}
        assert check(upgraded).exit_code == 0


def test_a_host_behind_the_retention_point_rebuilds_itself(app, tmp_path):
    with app.app_context():
        first = make_posting(title="Pruned Coder").id
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app({**base_config(uri, tmp_path / "host-b", 25), "SEARCH_FOLLOW_AFTER_COMMIT": False})
    with other.app_context():
        assert sync.rebuild() == 1  # host B is in step...
    with app.app_context():
        second = make_posting(title="Later Coder").id
        third = make_posting(title="Latest Coder").id
        db.session.execute(update(SearchChange).where(SearchChange.posting_id != third)
                           .values(created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        assert sync.prune() == 2      # ...then its next entry is pruned; the newest always stays
        assert logged() == [change_log.PRUNED, third]
        assert sync.follow() == 0     # host A had applied everything already
    with other.app_context():
        with pytest.raises(sync.FellBehind):
            sync.follow()
        result = other.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert indexed(other) == {first, second, third}
        assert check(other).exit_code == 0
        assert change_log.Position.load().applied == db.session.scalar(select(db.func.max(SearchChange.id)))


# --- rebuilds and consistency ------------------------------------------------------------------

QUERIES = [{}, {"q": "coder"}, {"q": "surgery"}, {"specialty": "radiology"},
           {"q": "coder", "sort": "salary"}, {"arrangement": "onsite"}, {"q": "hemic OR radiology"}]


def snapshot():
    from werkzeug.datastructures import MultiDict

    out = []
    for args in QUERIES:
        result = search_postings(parse_params(MultiDict({**args, "per_page": "100"})))
        out.append(([p.id for p in result.postings], result.total, result.facets))
    return out


def test_rebuild_gives_the_same_results_as_incremental_updates(app):
    with app.app_context():
        postings, author = [], make_employer()
        for i in range(12):
            postings.append(make_posting(
                author=author,
                title=f"{'Radiology' if i % 3 == 0 else 'Surgical'} Coder {i}",
                specialties=["radiology"] if i % 3 == 0 else ["general-surgery", "hemic-lymphatic"],
                arrangement=["remote", "hybrid", "onsite"][i % 3], salary_min=50000 + i * 1000,
                salary_max=60000 + i * 1000))
        update_posting(postings[1], posting_fields(title="Renamed Radiology Coder",
                                                   specialties=["radiology"]))
        change_status(postings[2], "close")
        incremental = snapshot()
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0 and "Indexed 11 postings" in result.output
        assert snapshot() == incremental
        assert check(app).exit_code == 0


def test_parallel_rebuild_writes_several_segments_with_the_same_results(app, monkeypatch):
    monkeypatch.setattr(storage, "PARALLEL_MIN_DOCS", 1)  # worker processes even here
    monkeypatch.setattr(storage, "BATCH_DOCS", 2)
    monkeypatch.setattr(storage, "SEGMENT_DOCS", 3)
    with app.app_context():
        author = make_employer()
        for i in range(9):
            make_posting(author=author, title=f"{'Radiology' if i % 2 else 'Surgical'} Coder {i}",
                         specialties=["radiology"] if i % 2 else ["general-surgery"])
        incremental = snapshot()
        assert sync.rebuild() == 9
        assert len(app.extensions["search"].view().leaves) >= 3
        assert snapshot() == incremental
        assert check(app).exit_code == 0


def test_long_lived_reader_across_commits_and_merges_never_sees_a_duplicate(app):
    with app.app_context():
        author = make_employer()
        postings = [make_posting(author=author, title=f"Merge Coder {i}") for i in range(6)]
        reader = WhooshBackend(app.config["SEARCH_INDEX_DIR"])  # another process's view
        generations = set()
        for round_ in range(30):
            posting = postings[round_ % len(postings)]
            update_posting(posting, posting_fields(title=f"Merge Coder {round_}"))
            generations.add(reader.view().generation)
            from jobboard.search.backend import SearchRequest
            from jobboard.search.query import parse

            hits = reader.search(SearchRequest(query=parse("merge"), now=utcnow(), limit=50))
            assert len(hits.ids) == len(set(hits.ids)) == hits.total == len(postings)
            held, duplicates = reader.check()
            assert not duplicates and set(held) == {p.id for p in postings}
        assert len(generations) == 30
        assert len(reader.view().leaves) < 10  # small segments were merged along the way


WRITER = textwrap.dedent("""
    import sys
    from jobboard import create_app
    from jobboard.extensions import db
    from jobboard.models.company import Company
    from jobboard.services.postings import PostingFields, create_posting

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "SEARCH_INDEX_DIR": sys.argv[2], "SEARCH_WRITER_TIMEOUT": 30.0})
    with app.app_context():
        company = db.session.get(Company, int(sys.argv[3]))
        for i in range(int(sys.argv[4])):
            create_posting(company, None, PostingFields(
                title=f"Parallel {sys.argv[5]} Coder {i}", description="Concurrent writes.",
                specialties=["general-surgery"]), publish=True)
""")


def test_two_processes_writing_at_once_both_land(app):
    with app.app_context():
        company_id = make_company().id
    uri, index = app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, uri, index, str(company_id), "15",
                                   name], env=env, stderr=subprocess.PIPE)
                 for name in ("alpha", "beta")]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read().decode()
    with app.app_context():
        ids = set(db.session.scalars(select(Posting.id)))
        assert len(ids) == 30
        assert indexed(app) == ids
        assert behind() == 0
        assert len(found("alpha", per_page="100")) == 15 and len(found("beta")) == 15
        result = check(app)
        assert result.exit_code == 0, result.output


def test_the_worker_compacts_a_big_segment_with_many_deleted_documents(app, monkeypatch):
    monkeypatch.setattr(storage, "COMPACT_MIN_DOCS", 8)  # "big" at test scale
    with app.app_context():
        author = make_employer()
        ids = [make_posting(author=author, title=f"Compacted Coder {i}").id for i in range(10)]
        assert sync.rebuild() == 10  # one segment of 10, as a reindex writes
        for posting_id in ids[:3]:   # requests' followers never compact
            change_status(db.session.get(Posting, posting_id), "close")

        def deleted_by_segment_size():
            return sorted((s.doc_count_all(), s.deleted_count())
                          for s in app.extensions["search"].ix._segments())

        assert (10, 3) in deleted_by_segment_size()
        sync.reindex_postings([ids[3]])
        db.session.info.pop(change_log.LOGGED)  # leave the entry to the worker
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert "Applied 1 index updates" in result.output
        assert all(deleted == 0 for _, deleted in deleted_by_segment_size())
        assert indexed(app) == set(ids[3:])
        assert found("compacted") and check(app).exit_code == 0
