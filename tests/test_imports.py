"""Feeds: `jobs import` and `demo load` check each line on their own, write in batches, skip
unchanged lines, close postings a feed dropped, and leave the search index in step."""
import json
import os
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.posting import Posting
from jobboard.services import imports
from jobboard.services.codes import load_curated_codes
from jobboard.services.imports import import_postings
from tests.factories import make_posting


@pytest.fixture
def codes(app):
    with app.app_context():
        load_curated_codes()


def write_lines(tmp_path, records, name="postings.jsonl"):
    """A JSON Lines file; a str or bytes item is written as given, a dict as JSON."""
    path = tmp_path / name
    with open(path, "wb") as handle:
        for record in records:
            if isinstance(record, dict):
                record = json.dumps(record)
            handle.write((record if isinstance(record, bytes) else record.encode()) + b"\n")
    return str(path)


def feed(n, company="Bluebonnet Health", changes=None):
    """``n`` fully tagged lines of one company, external ids F-0..F-(n-1)."""
    return [{"title": f"Surgical Coder {i}", "company": company, "external_id": f"F-{i}",
             "description": "Code lymph node biopsies and excisions for a surgical group.",
             "state": "TX", "arrangement": "remote", "specialties": ["hemic-lymphatic"],
             # remote postings are covered by pay transparency laws: they state their pay
             "salary_min": 52000, "salary_max": 61000,
             "cpt_codes": ["38900"], "credentials_required": ["CPC"], **(changes or {}).get(i, {})}
            for i in range(n)]


def postings(app):
    with app.app_context():
        return {p.external_id: (p.title, p.status) for p in db.session.scalars(db.select(Posting))}


def assert_index_clean(runner):
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def search_ids(client, q):
    return {job["id"] for job in client.get("/api/v1/jobs", query_string={"q": q, "per_page": 100})
            .get_json()["items"]}


# --- each line on its own -----------------------------------------------------------------------

def test_jobs_import_keeps_good_lines_and_reports_bad_ones(app, runner, tmp_path, codes):
    good = {"title": "Risk Adjustment Coder", "company": "Bluebonnet Health",
            "description": "Remote HCC coding for Medicare Advantage chart review. CRC required.",
            "state": "TX", "arrangement": "remote", "external_id": "A-1",
            "salary_min": 52000, "salary_max": 61000}  # remote: pay transparency laws cover it
    tagged = {"title": "Surgical Coder", "company": "Bluebonnet Health", "external_id": "A-2",
              "description": "Lymph node surgery.", "specialties": ["hemic-lymphatic"],
              "cpt_codes": ["38900"], "credentials_required": ["CPC"], "salary_min": 60000,
              "salary_max": 50000}
    lines = [good, "{not json", {"company": "X", "description": "no title"},
             {**tagged, "salary_max": 70000}, tagged, {**good, "arrangement": "moon"}]
    result = runner.invoke(args=["jobs", "import", write_lines(tmp_path, lines)])
    assert result.exit_code == 1
    assert "line 2: not valid JSON" in result.output
    assert "line 3: title is required" in result.output
    assert "line 5: salary_max: The maximum pay must be at least the minimum." in result.output
    assert "line 6: arrangement: Choose remote, hybrid or onsite." in result.output
    assert "2 created, 0 updated, 0 unchanged, 4 failed" in result.output
    with app.app_context():
        stored = db.session.scalars(db.select(Posting).order_by(Posting.id)).all()
        assert [p.external_id for p in stored] == ["A-1", "A-2"]
        inferred = stored[0]
        assert [s.slug for s in inferred.specialties] == ["risk-adjustment"]
        assert [c.abbreviation for c in inferred.credentials_required] == ["CRC"]
        assert [c.code for c in stored[1].cpt_codes] == ["38900"]

    again = runner.invoke(args=["jobs", "import", write_lines(tmp_path, [{**good, "title": "HCC Coder"}])])
    assert again.exit_code == 0 and "0 created, 1 updated, 0 unchanged, 0 failed" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 2
        assert db.session.scalar(db.select(Posting.title).where(Posting.external_id == "A-1")) == "HCC Coder"


def test_left_out_tags_are_inferred_and_given_lists_kept(app, codes):
    base = {"title": "Surgical Coder", "company": "Bluebonnet Health",
            "description": "Code lymph node biopsies (CPT 38900) for our surgeons. CPC required."}
    lines = [{**base, "external_id": "inferred", "cpt_codes": None, "credentials_required": ""},
             {**base, "external_id": "given", "specialties": ["general-surgery"], "cpt_codes": [],
              "credentials_required": [], "credentials_preferred": []}]
    with app.app_context():
        report = import_postings([json.dumps(r) for r in lines])
        assert report.created == 2, report.failed
        inferred, given = (db.session.scalar(db.select(Posting).where(Posting.external_id == key))
                           for key in ("inferred", "given"))
        assert [c.code for c in inferred.cpt_codes] == ["38900"]
        assert [c.abbreviation for c in inferred.credentials_required] == ["CPC"]
        assert "hemic-lymphatic" in [s.slug for s in inferred.specialties]
        assert ([s.slug for s in given.specialties], given.cpt_codes, given.credential_links) == (
            ["general-surgery"], [], [])


def test_each_line_is_tagged_once_and_a_tagged_line_only_classified(app, codes, monkeypatch):
    from jobboard.services import postings as posting_service

    calls = []
    for module in (imports, posting_service):
        for name in ("suggest_tags", "coding_verdict"):
            if hasattr(module, name):
                real = getattr(module, name)
                monkeypatch.setattr(module, name, lambda text, real=real, name=name: calls.append(name) or real(text))
    untagged = {"title": "Surgical Coder", "company": "Bluebonnet Health", "external_id": "U-1",
                "description": "Code lymph node biopsies (CPT 38900) for our surgeons. CPC required."}
    with app.app_context():
        report = import_postings([json.dumps(untagged), *map(json.dumps, feed(2))])
        assert report.created == 3, report.failed
        inferred = db.session.scalar(db.select(Posting).where(Posting.external_id == "U-1"))
        assert [c.code for c in inferred.cpt_codes] == ["38900"]
    assert sorted(calls) == ["coding_verdict", "coding_verdict", "suggest_tags"]


def _stored_by_external_id(company):
    """Every column a line decides, and the tags, of a company's postings."""
    skipped = {"id", "company_id", "created_at", "updated_at", "published_at", "expires_at", "source_hash"}
    stored = {}
    for posting in db.session.scalars(db.select(Posting).join(Company).where(Company.name == company)):
        columns = {c.key: getattr(posting, c.key) for c in Posting.__table__.columns if c.key not in skipped}
        stored[posting.external_id] = (columns, [s.slug for s in posting.specialties],
                                       [c.code for c in posting.cpt_codes],
                                       sorted((link.credential.abbreviation, link.required)
                                              for link in posting.credential_links))
    return stored


def test_worker_processes_read_lines_as_the_importer_does(app, codes, monkeypatch):
    from jobboard.demo import demo_postings
    from jobboard.services import import_readings

    untagged = [{k: v for k, v in r.items() if k not in imports.TAG_FIELDS}
                for r in demo_postings(6, seed=2)]
    lines = [*feed(3), *untagged, "{broken", {"company": "X", "title": 7, "description": "d"},
             {**feed(1)[0], "external_id": "bad-state", "state": "Texas"},
             {"title": "Backend Engineer", "company": "X", "external_id": "swe", "salary_min": 1, "salary_max": 2,
              "description": "Build Python services for our payments platform."},
             {**untagged[0], "external_id": "own-codes", "cpt_codes": ["99213"]},
             {**untagged[1], "external_id": "some-fields", "work_setting": "inpatient", "encoders": ["epic"]}]
    pooled = []
    real = import_readings.Readers.readings
    monkeypatch.setattr(import_readings.Readers, "readings",
                        lambda self, job, count: pooled.append(job is not None) or real(self, job, count))

    def run(company):
        records = [{**r, "company": company} if isinstance(r, dict) else r for r in lines]
        with app.app_context():
            report = import_postings([r if isinstance(r, str) else json.dumps(r) for r in records], batch_size=5)
            return report, _stored_by_external_id(company)

    serial, serial_postings = run("Serial Health")
    monkeypatch.setattr(import_readings, "POOL_MIN_LINES", 1)
    pool, pool_postings = run("Pool Health")
    assert pooled[-1] and not any(pooled[:len(pooled) // 2])  # the second feed was read by workers
    assert (pool.created, pool.not_coding, pool.failed) == (serial.created, serial.not_coding, serial.failed)
    assert [n for n, _ in pool.failed] == [10, 11, 12]
    assert pool_postings == serial_postings and len(pool_postings) == 12


def test_a_feed_whose_reader_processes_die_is_read_by_the_importer_itself(monkeypatch):
    """A worker killed mid-feed (out of memory, say) breaks the pool: the batch it held and the
    rest of the feed are read in the importer's process, with the same readings."""
    import signal

    from jobboard.demo import demo_postings
    from jobboard.services import import_readings

    records = list(demo_postings(6, seed=3))
    expected = [import_readings.read(record) for record in records]
    importer, real_read = os.getpid(), import_readings.read

    def read_or_die(record):  # forked workers inherit it: each dies on its first line
        if os.getpid() != importer:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_read(record)

    monkeypatch.setattr(import_readings, "read", read_or_die)
    monkeypatch.setattr(import_readings, "POOL_MIN_LINES", 1)
    readers = import_readings.Readers()
    readers.workers = 1
    try:
        job = readers.submit(records)
        assert job is not None and job.chunks
        assert readers.readings(job, len(records)) == expected
        assert readers.workers == 0 and readers.submit(records) is None  # the rest: read here
    finally:
        readers.close()


def test_the_importer_reads_the_chunks_no_worker_has_started(monkeypatch):
    """A batch splits itself between the workers and the importer by their speed: with a slow
    worker, the importer reads most chunks itself, and the readings keep the batch's order."""
    import time

    from jobboard.demo import demo_postings
    from jobboard.services import import_readings

    records = list(demo_postings(30, seed=4))
    expected = [import_readings.read(record) for record in records]
    importer, real_read = os.getpid(), import_readings.read
    read_here = []

    def read(record):
        if os.getpid() == importer:
            read_here.append(record)
        else:  # forked workers inherit it: each line takes them a while
            time.sleep(0.2)
        return real_read(record)

    monkeypatch.setattr(import_readings, "read", read)
    monkeypatch.setattr(import_readings, "POOL_MIN_LINES", 1)
    monkeypatch.setattr(import_readings, "CHUNK_LINES", 1)
    readers = import_readings.Readers()
    readers.workers = 1
    try:
        job = readers.submit(records)
        assert job is not None and len(job.chunks) == 30
        assert readers.readings(job, len(records)) == expected
    finally:
        readers.close()
    assert 20 <= len(read_here) < 30


def test_a_batch_looks_its_tags_up_a_few_times_not_per_line(app, codes):
    """Specialties, credentials and codes are looked up once per name and transaction."""
    from sqlalchemy import event

    lookups = []

    def count(conn, cursor, statement, *args):
        columns = ("specialty.slug", "credential.abbreviation", "cpt_code.code")
        if any(f"{column} IN" in statement for column in columns):
            lookups.append(statement)

    with app.app_context():
        from jobboard.models.taxonomy import CptCode

        known = db.session.scalars(db.select(CptCode.code).order_by(CptCode.code).limit(40)).all()
        # Every line names a code no other line names: still one look-up per kind for the batch.
        lines = feed(40, changes={i: {"cpt_codes": [code]} for i, code in enumerate(known)})
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            report = import_postings([json.dumps(r) for r in lines], batch_size=50)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        stored = {p.external_id: [c.code for c in p.cpt_codes] for p in db.session.scalars(db.select(Posting))}
    assert len(known) == 40 and report.created == 40 and len(lookups) == 3
    assert stored == {f"F-{i}": [code] for i, code in enumerate(known)}


def test_changed_lines_setting_different_columns_are_each_updated(app, codes):
    """Changed postings are written in one statement per set of columns their lines give."""
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(4)])
        published = dict(db.session.execute(db.select(Posting.external_id, Posting.published_at)).all())
        changed = feed(4, changes={1: {"title": "Risk Adjustment Coder"},
                                   2: {"title": "Pathology Coder", "posted_at": "2026-01-05T09:00:00Z"}})
        report = import_postings([json.dumps(r) for r in changed])
        after = {p.external_id: (p.title, p.published_at) for p in db.session.scalars(db.select(Posting))}
    assert (report.updated, report.unchanged) == (2, 2)
    assert after["F-1"] == ("Risk Adjustment Coder", published["F-1"])
    assert after["F-2"][0] == "Pathology Coder" and after["F-2"][1].replace(tzinfo=None) == datetime(2026, 1, 5, 9)
    assert after["F-0"] == ("Surgical Coder 0", published["F-0"])


def test_an_admins_coding_approval_stands_when_the_feed_changes_the_posting(app, codes):
    """A feed posting the classifier doubted and an admin confirmed stays confirmed after the
    feed changes it, as it does after an employer's edit."""
    doubted = {"title": "Front Desk Receptionist", "description": "Greet patients and answer the phones.",
               "company": "Bluebonnet Health", "external_id": "R-1", "state": "TX", "specialties": [],
               "cpt_codes": [], "credentials_required": [], "credentials_preferred": []}
    with app.app_context():
        first = import_postings([json.dumps(doubted)])
        posting = db.session.scalar(db.select(Posting).where(Posting.external_id == "R-1"))
        assert (first.not_coding, posting.coding_related) == (1, False)
        posting.approve_as_coding()
        db.session.commit()
        again = import_postings([json.dumps({**doubted, "title": "Front Desk and Scheduling"})])
        db.session.refresh(posting)
        assert (again.updated, again.not_coding) == (1, 0)
        assert posting.title == "Front Desk and Scheduling"
        assert posting.coding_related and posting.coding_reviewed_at is not None


HOSTILE = [
    ({"state": ["TX"]}, "state must be a string"),
    ({"city": 5}, "city must be a string"),
    ({"salary_min": "NaN"}, "salary_min: not a number"),
    ({"salary_max": "sNaN"}, "salary_max"),
    ({"salary_min": 1e308, "salary_max": 1e308}, "salary_min: enter a pay figure"),
    ({"salary_min": True}, "salary_min must be a number"),
    ({"title": "Coder\x00II"}, "title: Remove the invisible control characters"),
    ({"title": "Coder\u202eII"}, "title: Write this on one line"),
    ({"city": "Austin\r\nSet-Cookie: x"}, "city: Write this on one line"),
    ({"description": "Lymph node \x07 coding"}, "description: Remove the invisible control characters"),
    ({"title": "Coder \ud800"}, "title: Remove the invisible control characters"),
    ({"apply_url": "javascript:alert(1)"}, "apply_url must be an http or https address"),
    ({"apply_url": "ftp://files.example.com/job"}, "apply_url must be an http or https address"),
    ({"posted_at": "9999-12-31T23:59:59-01:00"}, "posted_at is not an ISO 8601 date"),
    ({"posted_at": 20260101}, "posted_at must be a string"),
    ({"expires_at": "soon"}, "expires_at is not an ISO 8601 date"),
    ({"cpt_codes": [38900]}, "cpt_codes must be a list of strings"),
    ({"specialties": {"a": 1}}, "specialties must be a list of strings"),
    ({"cpt_codes": ["38900"] * 101}, "cpt_codes has more than 100 entries"),
    ({"external_id": "x" * 121}, "external_id is longer than 120 characters"),
    ({"company": ""}, "company is required"),
    ({"surprise": 1}, "unknown field: surprise"),
]


def test_hostile_lines_are_reported_and_the_rest_imported(app, runner, tmp_path, codes):
    """Issue 8 item 10: none of these stops the import; each is reported with its reason."""
    base = feed(1)[0]
    lines = [{**base, "external_id": f"H-{i}", **change} for i, (change, _) in enumerate(HOSTILE)]
    lines += ["[" * 100_000 + "]" * 100_000, '{"title": ' + "9" * 5000 + "}", b'{"title": "\xff"}',
              "[1, 2]", {**base, "external_id": "GOOD"}]
    result = runner.invoke(args=["jobs", "import", write_lines(tmp_path, lines)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    for number, (_, reason) in enumerate(HOSTILE, start=1):
        assert f"line {number}: {reason}" in result.output, reason
    n = len(HOSTILE)
    assert f"line {n + 1}: not valid JSON (nested too deeply)" in result.output
    assert f"line {n + 2}: not valid JSON" in result.output
    assert f"line {n + 3}: not valid UTF-8" in result.output
    assert f"line {n + 4}: the line is not a JSON object" in result.output
    assert f"1 created, 0 updated, 0 unchanged, {n + 4} failed" in result.output
    assert set(postings(app)) == {"GOOD"}


def test_a_bad_line_inside_a_batch_keeps_the_batch_good_lines(app, codes):
    lines = [json.dumps(r) for r in feed(7, changes={2: {"state": "Texas"}, 4: {"city": ["x"]}})]
    with app.app_context():
        report = import_postings(lines, batch_size=3)
    assert (report.created, [n for n, _ in report.failed]) == (5, [3, 5])
    assert set(postings(app)) == {"F-0", "F-1", "F-3", "F-5", "F-6"}


def test_text_that_bulk_writes_could_mangle_is_stored_as_written(app, codes):
    """Rows are streamed in bulk (COPY on PostgreSQL): tabs, backslashes, a literal \\N, quotes,
    new lines and any script come back exactly as the feed gave them."""
    tricky = ("Tab\there, back\\slash, \\N and \\. on their own,\n"
              "'quotes' \"too\", commas, pipes | and émojis 🩺 — 医療コーディング")
    lines = feed(2, changes={0: {"description": tricky, "city": "\\N"},
                             1: {"title": "Coder \\ Lead", "external_id": "F\\1"}})
    with app.app_context():
        report = import_postings([json.dumps(r) for r in lines])
        stored = {p.external_id: p for p in db.session.scalars(db.select(Posting))}
        assert report.created == 2 and not report.failed
        assert (stored["F-0"].description, stored["F-0"].city) == (tricky, "\\N")
        assert stored["F\\1"].title == "Coder \\ Lead"
        assert stored["F-0"].salary_min == Decimal("52000.00") and stored["F-0"].closed_at is None
        # The ids came from the table's own sequence: a posting made on the site takes the next one.
        assert make_posting(title="Made on the site").id > max(p.id for p in stored.values())


def test_a_feed_refreshes_postgresql_statistics_once_half_the_postings_are_new(app, codes, monkeypatch):
    """A feed's look-ups are planned from the table statistics: a feed that doubles the posting
    table refreshes them (autovacuum may be off, or minutes away), else the plan made for a small
    table reads every row of the large one on each batch's look-up."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite keeps no statistics unless asked; the refresh is PostgreSQL's")
    from sqlalchemy import text

    monkeypatch.setattr(imports, "ANALYZE_MIN_ROWS", 20)

    def rows_planned_for():
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'posting'::regclass"))

    with app.app_context():
        assert import_postings([json.dumps(r) for r in feed(40)]).created == 40
        db.session.execute(text("SELECT pg_stat_force_next_flush()"))  # counted at once, not within a second
        db.session.commit()
        assert rows_planned_for() != 40
        assert import_postings([json.dumps(r) for r in feed(40)]).unchanged == 40
        assert rows_planned_for() == 40


def test_a_row_the_database_refuses_is_reported_and_its_batch_kept(app, runner, codes, monkeypatch):
    """A batch the database refuses is stored line by line: only the refused line is lost."""
    real = imports._insert_row

    def refuse_f2(values, stamp):
        row = real(values, stamp)
        if values["external_id"] == "F-2":
            row["status"] = "bogus"  # breaks the status check constraint
        return row

    monkeypatch.setattr(imports, "_insert_row", refuse_f2)
    with app.app_context():
        report = import_postings([json.dumps(r) for r in feed(4)], batch_size=10)
    assert report.created == 3
    [(number, reason)] = report.failed
    assert number == 3 and reason.startswith("the database refused it")
    assert set(postings(app)) == {"F-0", "F-1", "F-3"}
    assert_index_clean(runner)


def test_the_same_posting_twice_in_one_feed_keeps_the_later_line(app, codes):
    lines = [json.dumps(r) for r in feed(3)] + [json.dumps(feed(2, changes={1: {"title": "Lead Coder"}})[1])]
    with app.app_context():
        report = import_postings(lines)
    assert (report.created, report.updated, report.failed) == (3, 1, [])
    assert postings(app)["F-1"] == ("Lead Coder", "published")


# --- re-imports -----------------------------------------------------------------------------------

def test_reimport_skips_unchanged_lines_and_updates_changed_ones(app, runner, client, tmp_path, codes):
    path = write_lines(tmp_path, feed(5))
    first = runner.invoke(args=["jobs", "import", path])
    assert "5 created, 0 updated, 0 unchanged, 0 failed" in first.output
    with app.app_context():
        stamps = dict(db.session.execute(db.select(Posting.external_id, Posting.updated_at)).all())

    same = runner.invoke(args=["jobs", "import", path])
    assert same.exit_code == 0 and "0 created, 0 updated, 5 unchanged, 0 failed" in same.output
    changed = feed(5, changes={3: {"title": "Pathology Coder", "specialties": ["pathology-lab"],
                             "cpt_codes": ["88305"]}})
    again = runner.invoke(args=["jobs", "import", write_lines(tmp_path, changed, "v2.jsonl")])
    assert again.exit_code == 0 and "0 created, 1 updated, 4 unchanged, 0 failed" in again.output
    with app.app_context():
        after = {p.external_id: p for p in db.session.scalars(db.select(Posting))}
        assert {k for k, p in after.items() if p.updated_at != stamps[k]} == {"F-3"}
        assert after["F-3"].title == "Pathology Coder"
        assert [s.slug for s in after["F-3"].specialties] == ["pathology-lab"]
        assert [c.code for c in after["F-3"].cpt_codes] == ["88305"]
        assert [c.abbreviation for c in after["F-3"].credentials_required] == ["CPC"]
        f3 = after["F-3"].id
    assert_index_clean(runner)
    assert f3 in search_ids(client, "pathology")


def _stamps_and_codes():
    stored = db.session.scalars(db.select(Posting))
    return {p.external_id: (p.updated_at, [c.code for c in p.cpt_codes]) for p in stored}


def test_reimport_with_one_changed_line_writes_only_that_posting_and_its_index_entry(app, runner, client, codes):
    from jobboard.models.search import SearchChange

    with app.app_context():
        import_postings([json.dumps(r) for r in feed(6)])
        logged = db.session.scalar(db.select(db.func.max(SearchChange.id)))
        before = _stamps_and_codes()
        changed = feed(6, changes={4: {"title": "Pathology Coder", "cpt_codes": ["88305"]}})
        report = import_postings([json.dumps(r) for r in changed], batch_size=4)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
        after = _stamps_and_codes()
        f4 = db.session.scalar(db.select(Posting.id).where(Posting.external_id == "F-4"))
        assert db.session.scalars(db.select(SearchChange.posting_id).where(SearchChange.id > logged)).all() == [f4]
    assert {k for k in after if after[k] != before[k]} == {"F-4"}
    assert after["F-4"][1] == ["88305"]
    assert_index_clean(runner)
    assert search_ids(client, "pathology") == {f4}


def test_reimport_parses_only_the_lines_no_posting_holds(app, codes, monkeypatch):
    parsed = []
    real = imports._parse
    monkeypatch.setattr(imports, "_parse", lambda number, *args: parsed.append(number) or real(number, *args))
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(6)])
        parsed.clear()
        changed = feed(6, changes={2: {"title": "Lead Coder"}})
        report = import_postings([json.dumps(r) for r in changed] + ["{broken"], batch_size=4,
                                 close_missing=True)
    assert (report.updated, report.unchanged, [n for n, _ in report.failed]) == (1, 5, [7])
    assert parsed == [3, 7]
    assert postings(app)["F-2"] == ("Lead Coder", "published")


def test_an_unchanged_line_after_a_changed_one_for_its_posting_still_wins(app, codes):
    # Line 1 changes F-1; line 3 is F-1's original line, which the posting still holds when the
    # batch is read: it is checked in its turn, so the later line wins as for any other line.
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(2)])
        original = json.dumps(feed(2)[1])
        changed = json.dumps(feed(2, changes={1: {"title": "Lead Coder"}})[1])
        report = import_postings([changed, json.dumps(feed(1)[0]), original])
    assert (report.updated, report.unchanged, report.failed) == (2, 1, [])
    assert postings(app)["F-1"] == ("Surgical Coder 1", "published")


def test_close_missing_counts_unparsed_unchanged_lines_as_still_in_the_feed(app, codes):
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(3)])
        report = import_postings([json.dumps(r) for r in feed(2)], close_missing=True)
    assert (report.unchanged, report.closed) == (2, 1)
    assert postings(app) == {"F-0": ("Surgical Coder 0", "published"), "F-1": ("Surgical Coder 1", "published"),
                             "F-2": ("Surgical Coder 2", "closed")}


def test_lines_without_external_id_are_matched_by_their_content(app, codes):
    lines = [json.dumps({k: v for k, v in r.items() if k != "external_id"}) for r in feed(3)]
    with app.app_context():
        first = import_postings(lines)
        second = import_postings(lines)
        assert (first.created, second.created, second.unchanged) == (3, 0, 3)
        assert db.session.scalar(db.select(db.func.count(Posting.id))) == 3


def test_close_missing_closes_only_the_feed_postings_it_dropped(app, runner, client, tmp_path, codes):
    other = feed(1, company="Lakeside Regional")
    runner.invoke(args=["jobs", "import", write_lines(tmp_path, feed(4) + other)])
    with app.app_context():
        bluebonnet = db.session.scalar(db.select(Posting.company_id).where(Posting.external_id == "F-0"))
        own = make_posting(author=None, company=db.session.get(Company, bluebonnet), title="Site posting")
        own_id = own.id
    kept = feed(4)[:2]
    without_close = runner.invoke(args=["jobs", "import", write_lines(tmp_path, kept, "a.jsonl")])
    assert "2 unchanged" in without_close.output and "closed" not in without_close.output
    assert postings(app)["F-3"][1] == "published"

    result = runner.invoke(args=["jobs", "import", "--close-missing", write_lines(tmp_path, kept, "b.jsonl")])
    assert result.exit_code == 0
    assert "0 created, 0 updated, 2 unchanged, 0 failed, 2 closed" in result.output
    states = postings(app)
    assert {k: s for k, (_, s) in states.items() if k} == {
        "F-0": "published", "F-1": "published", "F-2": "closed", "F-3": "closed"}
    with app.app_context():
        assert db.session.get(Posting, own_id).status == "published"   # not from a feed
        assert db.session.scalar(db.select(Posting.status).where(
            Posting.title == "Surgical Coder 0", Posting.company_id != bluebonnet)) == "published"
    assert_index_clean(runner)
    assert "Surgical Coder 2" not in str(client.get("/api/v1/jobs?q=surgical").get_json())


def test_close_missing_closes_nothing_when_a_line_cannot_be_read(app, runner, tmp_path, codes):
    runner.invoke(args=["jobs", "import", write_lines(tmp_path, feed(3))])
    result = runner.invoke(args=["jobs", "import", "--close-missing",
                                 write_lines(tmp_path, [*feed(1), "{broken"], "b.jsonl")])
    assert result.exit_code == 1
    assert "Nothing closed: 1 lines could not be read" in result.output
    assert {s for _, s in postings(app).values()} == {"published"}


def test_a_line_that_fails_does_not_close_its_posting(app, codes):
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(2)])
        report = import_postings([json.dumps(r) for r in feed(2, changes={1: {"state": "Texas"}})], close_missing=True)
    assert report.closed == 0 and [n for n, _ in report.failed] == [2]
    assert postings(app)["F-1"][1] == "published"


# --- index, progress, demo ---------------------------------------------------------------------------

def test_import_feeds_the_index_one_batch_at_a_time(app, runner, client, codes, monkeypatch):
    # Each batch is handed to the search change log once, in its own transaction.
    drains = []
    real = imports.reindex_postings
    monkeypatch.setattr(imports, "reindex_postings", lambda ids: drains.append(len(set(ids))) or real(ids))
    with app.app_context():
        report = import_postings([json.dumps(r) for r in feed(12)], batch_size=5)
    assert report.created == 12 and drains == [5, 5, 2]
    assert_index_clean(runner)
    assert len(search_ids(client, "surgical coder")) == 12

    drains.clear()
    changed = feed(12, changes={1: {"title": "Lead Coder 1"}, 9: {"title": "Lead Coder 9"}})
    with app.app_context():
        report = import_postings([json.dumps(r) for r in changed], batch_size=5)
    assert (report.updated, report.unchanged) == (2, 10) and drains == [2]  # one hand-over, not three
    assert_index_clean(runner)
    assert len(search_ids(client, "lead coder")) == 2


def test_a_feed_follows_the_log_once_at_its_end_and_rebuilds_after_a_large_one(app, runner, client, codes,
                                                                              monkeypatch):
    from jobboard.search.sync import log, maintenance

    with app.app_context():
        maintenance.rebuild()  # this host's index exists: following it is possible
    calls = []
    for module, name in ((log, "follow"), (maintenance, "follow"), (maintenance, "rebuild")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, real=real, name=name, **k: calls.append(name) or real(*a, **k))
    with app.app_context():
        import_postings([json.dumps(r) for r in feed(12)], batch_size=5)
    assert calls == ["follow"]  # one catch-up, not one follow per batch commit
    assert len(search_ids(client, "surgical coder")) == 12

    calls.clear()
    monkeypatch.setattr(maintenance, "REBUILD_MIN_ENTRIES", 5)
    with app.app_context():
        report = import_postings([json.dumps(r) for r in feed(12, company="Lakeside Regional")], batch_size=5)
    assert report.created == 12 and calls == ["rebuild", "follow"]  # the log names half the postings
    assert_index_clean(runner)
    assert len(search_ids(client, "surgical coder")) == 24


def test_import_reports_progress_per_batch_and_a_timed_summary(app, runner, tmp_path, codes):
    done = []
    lines = [json.dumps(r) for r in feed(7)] + ["", "{broken"]
    with app.app_context():
        report = import_postings(lines, progress=done.append, batch_size=3)
    assert done == [3, 3, 3] and report.created == 7 and report.elapsed > 0
    result = runner.invoke(args=["jobs", "import", write_lines(tmp_path, feed(3))])
    assert result.exit_code == 0
    assert ("Imported postings: 0 created, 0 updated, 3 unchanged, 0 failed, 0 not coding jobs (listed for admins) in "
            in result.output)
    assert " lines/s)." in result.output


def test_jobs_import_reads_standard_input(app, runner, codes):
    data = "\n".join(json.dumps(r) for r in feed(2)).encode() + b"\n{broken\n"
    result = runner.invoke(args=["jobs", "import", "-"], input=data)
    assert result.exit_code == 1
    assert "line 3: not valid JSON" in result.output
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in result.output


def test_demo_load_is_deterministic_and_idempotent(app, runner):
    result = runner.invoke(args=["demo", "load", "--jobs", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "60 created, 0 updated, 0 unchanged, 0 failed" in result.output
    with app.app_context():
        first = db.session.execute(db.select(Posting.external_id, Posting.title)
                                   .order_by(Posting.external_id)).all()
        specialties = db.session.scalar(db.select(db.func.count(db.distinct(Posting.id)))
                                        .where(Posting.specialties.any()))
    assert len(first) == 60 and specialties == 60
    again = runner.invoke(args=["demo", "load", "--jobs", "60", "--seed", "7"])
    assert "0 created, 0 updated, 60 unchanged, 0 failed" in again.output
    with app.app_context():
        assert db.session.execute(db.select(Posting.external_id, Posting.title)
                                  .order_by(Posting.external_id)).all() == first
    assert_index_clean(runner)
    home = app.test_client().get("/").get_data(as_text=True)
    assert "Summit Health Revenue Partners" in home and "Hemic and Lymphatic" in home


def test_a_large_demo_is_open_not_mostly_expired():
    """However many postings a demo asks for, they were posted within the last 25 days, so all
    of them are open (postings run 30 days): a 100,000-posting demo shows 100,000 jobs."""
    from datetime import UTC, timedelta

    from jobboard.demo import demo_postings

    now = datetime.now(UTC)
    oldest = min(datetime.fromisoformat(r["posted_at"]) for r in demo_postings(40_000, seed=1, now=now))
    assert timedelta(days=24) < now - oldest <= timedelta(days=26)


def test_demo_lines_state_the_job_fields_their_text_does():
    from jobboard.demo import demo_postings
    from jobboard.tagging import job_fields

    for record in demo_postings(300, seed=5):
        found = job_fields(f"{record['title']}\n{record['description']}", tuple(record["cpt_codes"]))
        assert (record["apprentice"], record["work_setting"], set(record["code_sets"]), tuple(record["encoders"]),
                record["productivity"], record["productivity_per"], record["chart_type"], record["accuracy_pct"]) == (
            found.apprentice, found.setting, set(found.code_sets), found.encoders, found.productivity,
            found.productivity_per, found.chart_type, found.accuracy), record["external_id"]


def test_demo_load_only_classifies_its_tagged_lines_and_builds_the_index_once(app, runner, client, monkeypatch):
    from jobboard.search.sync import maintenance
    from jobboard.services import postings as posting_service

    calls = []
    for name in ("job_fields", "coding_verdict", "suggest_tags"):
        real = getattr(posting_service, name)
        monkeypatch.setattr(posting_service, name, lambda *a, real=real, name=name: calls.append(name) or real(*a))
    rebuild = maintenance.rebuild
    monkeypatch.setattr(maintenance, "REBUILD_MIN_ENTRIES", 10)
    monkeypatch.setattr(maintenance, "rebuild", lambda: calls.append("rebuild") or rebuild())
    result = runner.invoke(args=["demo", "load", "--jobs", "30"])
    assert result.exit_code == 0, result.output
    assert sorted(set(calls)) == ["coding_verdict", "rebuild"] and calls.count("coding_verdict") == 30
    with app.app_context():
        stored = db.session.scalars(db.select(Posting).order_by(Posting.external_id)).all()
        assert all(p.specialties and p.code_sets and p.encoders and p.productivity for p in stored)
        assert sum(p.apprentice for p in stored) == 5
    assert_index_clean(runner)
    assert len(search_ids(client, "coder")) == 30


# --- fuzz ----------------------------------------------------------------------------------------

# Any code point, with NUL, other controls, lone surrogates, bidi overrides and non-ASCII digits
# drawn often enough to matter.
ANY_TEXT = st.text(st.characters(exclude_categories=())
                   | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=())
                   | st.sampled_from("\x00\x07\r\n\u202e\u2028²①٣"), max_size=30)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
           | st.sampled_from(["TX", "remote", "hour", "38900", "CPC", "hemic-lymphatic",
                              "https://jobs.example.com/1", "2026-01-05", "NaN", "1e-999999"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=6)
RAW = st.sampled_from(["9" * 5000, "1e999999", "-1e-999999", "Infinity", "NaN",
                       "[" * 5000 + "]" * 5000, '"\\u0000"', '"\\ud800"'])


@st.composite
def feed_lines(draw):
    lines = []
    for i in range(draw(st.integers(1, 4))):
        record = {"title": f'"Surgical Coder {i}"', "company": '"Fuzz Health"',
                  "description": '"Code lymph node biopsies."'}
        for name in draw(st.sets(st.sampled_from(sorted(imports.IMPORT_FIELDS)), max_size=5)):
            record[name] = draw(RAW) if draw(st.booleans()) and i % 2 else json.dumps(draw(VALUES))
        lines.append("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in record.items()) + "}")
    return lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=feed_lines())
def test_fuzzed_lines_are_imported_or_reported_never_a_traceback(app, runner, tmp_path, codes, lines):
    path = write_lines(tmp_path, lines, "fuzz.jsonl")
    result = runner.invoke(args=["jobs", "import", path])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    summary = [line for line in result.output.splitlines() if line.startswith("Imported postings:")][-1]
    counts = dict((word, int(n)) for n, word in
                  (part.split()[:2] for part in summary.split(":", 1)[1].split(" in ")[0].split(",")))
    reported = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert counts["failed"] == len(reported)
    assert counts["created"] + counts["updated"] + counts["unchanged"] + counts["failed"] == len(lines)
    assert result.exit_code == (1 if reported else 0)
