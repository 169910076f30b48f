"""Benchmark posting search at 10 000 and 100 000 postings.

    .venv/bin/python bench/search_bench.py [--sizes 10000 100000] [--seed 1] [--dir DIR]
        [--edits 10000] [--changing-only]

For each size N: writes N deterministic demo postings (``demo_posting_records``) straight into a
fresh SQLite database, times ``search.sync.rebuild`` (what ``flask search reindex`` runs), the
delay from publishing one posting to finding it through the API, and a fixed mix of 200 API
queries through the test client (text, phrase, text with filters, filters and facets only, each
sort, deep pages; every response carries facet counts and highlighted snippets). The text and
phrase queries also run against an SQLite FTS5 table of the same postings in the same run (top
20 by bm25 plus the match count, no facets or snippets) as a baseline. Prints p50 / p95 / max
in milliseconds per query kind.

Then two hosts follow the change log as in production (web requests only write the log; each
host's ``flask worker`` applies it to that host's own index folder; host B starts from a copy of
host A's index): the time from publishing a posting to finding it in host B's index while
another thread keeps searching. (Employers saving at once over HTTP: ``bench/edit_bench.py``.)

Last, an index that keeps changing, each figure beside its baseline from the same run: the query
mix while another process publishes one posting a second (and ``flask worker`` applies it) beside
the mix idle, in alternating slices, and what opening each new generation cost the searching
process; the first search of a new web worker (a fresh process) after the gunicorn warm-up
hook and without it; the mix after 10 000 edits applied without a reindex beside the mix on a
fresh index of the same postings, with ``search check`` after the edits; and the resident memory
of a worker process after the mix beside that of a bare app process. Figures only; the targets
are checked by reading them.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import runpy
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.demo import COMPANIES, demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.base import utcnow  # noqa: E402
from jobboard.models.company import Company  # noqa: E402
from jobboard.models.posting import (  # noqa: E402
    DEFAULT_LIFETIME,
    Posting,
    PostingCredential,
    posting_cpt_code,
    posting_specialty,
)
from jobboard.models.taxonomy import CptCode, Credential, Specialty  # noqa: E402
from jobboard.search import sync  # noqa: E402
from jobboard.search.backend import SearchRequest  # noqa: E402
from jobboard.search.query import parse  # noqa: E402
from jobboard.search.sync import log as change_log  # noqa: E402
from jobboard.search.whoosh import WhooshBackend  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402
from jobboard.services.postings import PostingFields, create_posting  # noqa: E402

TEXT = ["coder", "remote coder", "E/M", "E&M coder", "HCC", "risk adjustment", "radiology",
        "interventional radiology", "ED coder", "oncology coder", "anesthesia", "denials",
        "cardiology coder", "CPC", "CPC-A", "CCS", "38900", "99214", "inpatient", "surgical coder",
        "pediatric coder", "coding auditor", "GI coder", "urology", "modifiers", "documentation",
        "productivity accuracy", "senior coder", "lead coder", "CDI specialist", "biller",
        "remote HCC coder", "orthopedic coder", "ASC coder", "pathology", "dermatology coder",
        "behavioral health", "OB/GYN", "primary care coder", "denials billing", "radiolgy",
        "anesthsia", "cardiolgy coder", "hcc chart review", "medical decision making",
        "global period", "operative reports", "lymph node", "chemotherapy infusion", "CEUs"]
PHRASES = ['"risk adjustment"', '"coding team"', '"charts per day"', '"clean, compliant claims"',
           '"medical decision making"', '"operative reports"', '"paid time off"',
           '"query providers"', '"coding edits"', '"surgical coder"', '"billing team"',
           '"home-office equipment"', '"productivity standard"', '"evaluation and management"',
           '"chart review"', '"emergency medicine"', '"lymph node"', '"cath lab"',
           '"professional fee"', '"supportive QA team"', '"interventional radiology"',
           '"accuracy on audits"', '"coding credential"', '"ICD-10-CM codes"', '"401(k) match"',
           '"growing its coding team"', '"denials down"', '"E/M coder"', '"ED coder"',
           '"risk adjustment coder"']
FILTERS = [{"specialty": "radiology"}, {"arrangement": "remote"}, {"state": "TX"},
           {"salary_min": "65000"}, {"credential": "CPC"}, {"posted_within": "7"},
           {"code": "38900"}, {"employment_type": "part_time"},
           {"specialty": ["cardiology", "radiology"], "arrangement": ["remote", "hybrid"]},
           {"state": "OH", "salary_min": "55000"}]


def query_mix() -> list[tuple[str, dict]]:
    """The fixed 200: (kind, query arguments)."""
    mix = [("text", {"q": q}) for q in TEXT]                                          # 50
    mix += [("phrase", {"q": q}) for q in PHRASES]                                    # 30
    pairs = zip(itertools.cycle(TEXT[:20]), itertools.cycle(FILTERS))
    mix += [("text+filters", {"q": q, **f}) for q, f in itertools.islice(pairs, 40)]  # 40
    mix += [("facets", dict(f)) for f in FILTERS + FILTERS[:10]]                      # 20
    for sort in ("relevance", "newest", "salary"):                                    # 30
        mix += [(f"sort={sort}", {"q": q, "sort": sort}) for q in TEXT[:10]]
    deep = zip(itertools.cycle(["coder", "remote", "coding", "CPC", "", "HCC"]),
               itertools.cycle([25, 50, 100, 200, 400]))
    mix += [("deep pages", {"q": q, "page": str(page)})                               # 30
            for q, page in itertools.islice(deep, 30)]
    assert len(mix) == 200, len(mix)
    return mix


def write_postings(records) -> None:
    """The demo records as published postings, inserted in bulk (no per-row ORM work)."""
    companies = {c.name: c.id for c in db.session.scalars(select(Company))}
    for name, slug, city, state, about in COMPANIES:
        if name not in companies:
            company = Company(name=name, slug=slug, city=city, state=state, about=about)
            db.session.add(company)
            db.session.flush()
            companies[name] = company.id
    specialties = {s.slug: s.id for s in db.session.scalars(select(Specialty))}
    credentials = {c.abbreviation: c.id for c in db.session.scalars(select(Credential))}
    codes = {c.code: c.id for c in db.session.scalars(select(CptCode))}
    now = utcnow()
    for start in range(0, len(records), 5000):
        rows, tags, creds, cpts = [], [], [], []
        for offset, record in enumerate(records[start:start + 5000]):
            posting_id = start + offset + 1
            # Spread over the last 25 days, so that every posting is open (visible).
            posted = now - timedelta(seconds=posting_id * 2593 % (25 * 86400))
            rows.append({
                "id": posting_id, "company_id": companies[record["company"]],
                "title": record["title"], "description": record["description"],
                "city": record["city"], "state": record["state"],
                "arrangement": record["arrangement"], "employment_type": record["employment_type"],
                "salary_min": record.get("salary_min"), "salary_max": record.get("salary_max"),
                "salary_unit": record.get("salary_unit") or "year", "external_id": record["external_id"],
                "status": "published", "published_at": posted,
                "expires_at": posted + DEFAULT_LIFETIME, "created_at": posted, "updated_at": posted,
            })
            tags += [{"posting_id": posting_id, "specialty_id": specialties[s]}
                     for s in record["specialties"]]
            creds += [{"posting_id": posting_id, "credential_id": credentials[c],
                       "required": c in record["credentials_required"]}
                      for c in dict.fromkeys(record["credentials_required"]
                                             + record["credentials_preferred"])]
            cpts += [{"posting_id": posting_id, "cpt_code_id": codes[c]}
                     for c in record["cpt_codes"] if c in codes]
        db.session.execute(insert(Posting), rows)
        db.session.execute(insert(posting_specialty), tags)
        if creds:
            db.session.execute(insert(PostingCredential), creds)
        if cpts:
            db.session.execute(insert(posting_cpt_code), cpts)
        db.session.commit()


def fts5_table(path: str, records) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("CREATE VIRTUAL TABLE fts USING fts5(title, company, description, tags, "
                       "tokenize='porter unicode61')")
    connection.executemany("INSERT INTO fts(rowid, title, company, description, tags) "
                           "VALUES (?, ?, ?, ?, ?)",
                           [(i + 1, r["title"], r["company"], r["description"],
                             " ".join(r["specialties"] + r["credentials_required"]
                                      + r["cpt_codes"]))
                            for i, r in enumerate(records)])
    connection.commit()
    return connection


def fts5_query(text: str) -> str:
    """The same words for FTS5: phrases kept, every other token quoted (no FTS5 syntax)."""
    if text.startswith('"'):
        return '"' + text.strip('"').replace('"', "") + '"'
    return " ".join('"' + token.replace('"', "") + '"' for token in text.split())


def figures(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return (f"p50 {statistics.median(ordered):7.1f}  p95 {p95:7.1f}  max {ordered[-1]:7.1f}"
            f"  (n={len(ordered)})")


def app_config(workdir: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(workdir, "bench.sqlite"),
            "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console"}


def api_caller(app):
    """(milliseconds, JSON) of one API search through a test client of ``app``."""
    client = app.test_client()

    def api(args):
        started = time.perf_counter()
        response = client.get("/api/v1/jobs", query_string=args)
        assert response.status_code == 200, (args, response.status_code)
        return (time.perf_counter() - started) * 1000, response.get_json()

    return api


def run(size: int, seed: int, workdir: str, edits: int) -> None:
    print(f"\n=== {size:,} postings ===")
    started = time.perf_counter()
    records = demo_posting_records(size, seed)
    print(f"demo records generated in {time.perf_counter() - started:.1f} s (not timed below)")

    app = create_app(app_config(workdir))
    with app.app_context():
        db.create_all()
        load_curated_codes()
        started = time.perf_counter()
        write_postings(records)
        print(f"postings written to SQLite in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        count = sync.rebuild()
        elapsed = time.perf_counter() - started
        print(f"reindex: {count:,} postings in {elapsed:.1f} s = {count / elapsed:,.0f} docs/s")
        fts = fts5_table(os.path.join(workdir, "fts.sqlite"), records)
        del records  # a web process does not hold every posting in memory
        gc.collect()

        api = api_caller(app)
        api({"q": "coder"})  # the first search after a reindex opens the new generation
        company = db.session.scalar(select(Company).limit(1))
        delays = []
        for i in range(5):
            word = f"zephyr{i}quux"
            started = time.perf_counter()
            create_posting(company, None, PostingFields(
                title=f"Coder {word}", description="Published to time the index.",
                specialties=["general-surgery"]), publish=True)
            while not api({"q": word})[1]["total"]:
                time.sleep(0.005)
            delays.append((time.perf_counter() - started) * 1000)
        print(f"publish -> searchable through the API (ms): {figures(delays)}")

        by_kind: dict[str, list[float]] = {}
        whoosh_text: list[float] = []
        slowest = []
        for kind, args in query_mix():
            took, body = api(args)
            by_kind.setdefault(kind, []).append(took)
            slowest.append((took, kind, args))
            if kind in ("text", "phrase"):
                whoosh_text.append(took)
        everything = [t for times in by_kind.values() for t in times]
        print("API search, 200 queries with facets and highlighted snippets (ms):")
        for kind, times in by_kind.items():
            print(f"  {kind:14} {figures(times)}")
        print(f"  {'all':14} {figures(everything)}")
        for took, kind, args in sorted(slowest, key=lambda s: -s[0])[:3]:
            print(f"  slowest: {took:6.1f} {kind} {args}")

        backend, backend_text = app.extensions["search"], []
        for kind, args in query_mix():
            if kind in ("text", "phrase"):
                started = time.perf_counter()
                backend.search(SearchRequest(query=parse(args["q"]), now=utcnow()))
                backend_text.append((time.perf_counter() - started) * 1000)

        two_hosts(app, workdir, api)
        changing_index(app, workdir, api, seed, edits)

    fts_text = []
    for kind, args in query_mix():
        if kind not in ("text", "phrase"):
            continue
        match = fts5_query(args["q"])
        started = time.perf_counter()
        fts.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20",
                    (match,)).fetchall()
        fts.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()
        fts_text.append((time.perf_counter() - started) * 1000)
    fts.close()
    print("text and phrase queries (ms):")
    print(f"  Whoosh, full API     {figures(whoosh_text)}")
    print(f"  Whoosh, index only   {figures(backend_text)}")
    print(f"  SQLite FTS5          {figures(fts_text)}")
    ratio = statistics.median(whoosh_text) / max(statistics.median(fts_text), 1e-6)
    ratio_index = statistics.median(backend_text) / max(statistics.median(fts_text), 1e-6)
    print(f"  median ratio to FTS5: API {ratio:.1f}x, index only {ratio_index:.1f}x")


def start_worker(app, index_dir: str, workdir: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": "bench-worker-secret",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SEARCH_INDEX_DIR": index_dir,
           "JOBBOARD_INSTANCE_PATH": os.path.join(workdir, "instance"), "MAIL_SERVER": "console",
           "SITE_URL": "http://bench.test"}  # outside debug/testing the app refuses to start without it
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "jobboard", "worker"],
                            env=env, cwd=str(ROOT))


def two_hosts(app, workdir: str, api) -> None:
    """Publish -> searchable on the other host under search load."""
    app.config["SEARCH_FOLLOW_AFTER_COMMIT"] = False   # production: web requests write the log
    app.config["RATELIMIT_ENABLED"] = False
    index_a = app.config["SEARCH_INDEX_DIR"]
    index_b = os.path.join(workdir, "index-b")
    shutil.copytree(index_a, index_b)                  # host B starts from a copy of A's index
    workers = [start_worker(app, index_a, workdir), start_worker(app, index_b, workdir)]
    host_b = WhooshBackend(index_b)
    try:
        host_b.search(SearchRequest(query=parse("coder"), now=utcnow()))
        stop = threading.Event()
        searched = []

        def search_load():
            client = app.test_client()
            for q in itertools.cycle(TEXT):
                if stop.is_set():
                    return
                started = time.perf_counter()
                client.get("/api/v1/jobs", query_string={"q": q})
                searched.append((time.perf_counter() - started) * 1000)

        company = db.session.scalar(select(Company).limit(1))
        loader = threading.Thread(target=search_load)
        loader.start()
        delays = []
        try:
            create_posting(company, None, PostingFields(  # both workers are up and following
                title="Coder warmupword", description="Warm-up.", specialties=["radiology"]),
                publish=True)
            while not host_b.search(SearchRequest(query=parse("warmupword"), now=utcnow())).total:
                time.sleep(0.05)
            for i in range(10):
                word = f"quasar{i}zed"
                started = time.perf_counter()
                create_posting(company, None, PostingFields(
                    title=f"Coder {word}", description="Published on host A.",
                    specialties=["general-surgery"]), publish=True)
                while not host_b.search(SearchRequest(query=parse(word), now=utcnow())).total:
                    time.sleep(0.01)
                delays.append((time.perf_counter() - started) * 1000)
                time.sleep(0.5)
        finally:
            stop.set()
            loader.join()
        print(f"two hosts: publish on A -> searchable on B, under search load (ms): {figures(delays)}")
        print(f"  searches meanwhile on A (ms): {figures(searched)}")
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)


PUBLISHER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.services.postings import PostingFields, create_posting

app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": sys.argv[2],
                  "SEARCH_INDEX_DIR": sys.argv[3], "SEARCH_FOLLOW_AFTER_COMMIT": False})
with app.app_context():
    company = db.session.scalar(db.select(Company).limit(1))
    for i in range(100_000):
        started = time.monotonic()
        create_posting(company, None, PostingFields(
            title=f"Radiology Coder published{i}", description="Published every second.",
            specialties=["radiology"]), publish=True)
        time.sleep(max(0.0, started + 1 - time.monotonic()))
"""


def paired(run_a, run_b, rounds: int = 8) -> tuple[list[float], list[float]]:
    """The query mix twice over, in ``rounds`` slices run under condition A then B in turn, so
    that both see the same machine load (other work on the machine varies a lot)."""
    mix = query_mix() * 2
    step = -(-len(mix) // rounds)
    a: list[float] = []
    b: list[float] = []
    for start in range(0, len(mix), step):
        a += run_a(mix[start:start + step])
        b += run_b(mix[start:start + step])
    return a, b


def changing_index(app, workdir: str, api, seed: int, edits: int) -> None:
    """The four figures of an index that keeps changing, each beside its baseline."""
    app.config["SEARCH_FOLLOW_AFTER_COMMIT"] = False   # production: web requests write the log
    index = app.config["SEARCH_INDEX_DIR"]
    backend = app.extensions["search"]

    def queries(chunk):
        return [api(args)[0] for _, args in chunk]

    print("an index that keeps changing:")
    worker = start_worker(app, index, workdir)
    publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(ROOT),
                                  app.config["SQLALCHEMY_DATABASE_URI"], index])
    try:
        time.sleep(5)  # the publisher is up and publishing, the worker following
        first = backend.view().generation

        def idle(chunk):
            publisher.send_signal(signal.SIGSTOP)
            time.sleep(1.5)   # the last publication is applied and opened
            api({"q": "coder"})
            try:
                return queries(chunk)
            finally:
                publisher.send_signal(signal.SIGCONT)

        reopened: list[float] = []   # ms to open each new generation and read what it needs
        seen = [backend.view().generation]

        def busy_queries(chunk):
            times = []
            for _, args in chunk:
                started = time.perf_counter()
                if backend.view().generation != seen[0]:
                    backend.warm_up()
                    reopened.append((time.perf_counter() - started) * 1000)
                    seen[0] = backend.view().generation
                times.append(api(args)[0])
            return times

        idle_times, busy = paired(idle, busy_queries)
        generations = backend.view().generation - first
    finally:
        publisher.terminate()
        publisher.wait(timeout=60)
        worker.terminate()
        worker.wait(timeout=60)
    sync.follow()
    print(f"  (a) mix, idle                  {figures(idle_times)}")
    print(f"      mix, one publish a second  {figures(busy)}  ({generations} generations)")
    print(f"      opening each new generation in the searching process (view, live set, orders, "
          f"pinned sets, word lists): {figures(reopened or [0.0])}")

    probes = {mode: probe_process(mode, workdir) for mode in ("bare", "cold", "warm")}
    cold, warm = probes["cold"], probes["warm"]
    print(f"  (b) first search of a new worker: after warm-up {warm['first_ms']:.1f} ms "
          f"(warm-up {warm['warm_up_ms']:.0f} ms, second search {warm['second_ms']:.1f} ms); "
          f"without warm-up {cold['first_ms']:.1f} ms (second {cold['second_ms']:.1f} ms)")

    print(f"  (d) RSS after warm-up and the mix: worker {warm['rss_mb']:.0f} MB "
          f"(not warmed {cold['rss_mb']:.0f} MB); bare app process {probes['bare']['rss_mb']:.0f} MB")
    if edits:
        after_edits(app, workdir, queries, seed, edits)


def after_edits(app, workdir: str, queries, seed: int, edits: int) -> None:
    """(c): the mix after ``edits`` edits without a reindex, beside a fresh index of the same
    postings, and ``search check`` after the edits."""
    index, backend = app.config["SEARCH_INDEX_DIR"], app.extensions["search"]
    took = edit_run(seed, edits)
    result = app.test_cli_runner().invoke(args=["search", "check"])
    edited_dir = os.path.join(workdir, "index-edited")
    shutil.rmtree(edited_dir, ignore_errors=True)
    shutil.copytree(index, edited_dir)
    edited = WhooshBackend(edited_dir)
    started = time.perf_counter()
    sync.rebuild()
    rebuilt = time.perf_counter() - started

    def on(which):
        def run_on(chunk):
            app.extensions["search"] = which
            try:
                return queries(chunk)
            finally:
                app.extensions["search"] = backend
        return run_on

    on(edited)(query_mix()[:20])   # open both before timing
    edited_times, fresh_times = paired(on(edited), on(backend))
    print(f"  (c) mix after {edits:,} edits, no reindex  {figures(edited_times)}  "
          f"({len(edited.view().leaves)} segments; edits applied in {took:.0f} s)")
    print(f"      mix on a fresh index            {figures(fresh_times)}  "
          f"({len(backend.view().leaves)} segments; rebuilt in {rebuilt:.0f} s)")
    print(f"      search check after the edits: exit {result.exit_code}: "
          + " ".join(result.output.split())[:200])


def edit_run(seed: int, edits: int, batch: int = 50) -> float:
    """``edits`` posting edits (bulk SQL, logged), followed into the index ``batch`` at a time
    as the worker does (a background writer: merges and compactions included)."""
    rng = random.Random(seed)
    ids = db.session.scalars(select(Posting.id).where(Posting.status == Posting.PUBLISHED)).all()
    started = time.perf_counter()
    for start in range(0, edits, batch):
        chosen = sorted({rng.choice(ids) for _ in range(batch)})
        db.session.execute(update(Posting).where(Posting.id.in_(chosen)).values(
            description=Posting.description + f" Revised {start // batch % 7}."))
        change_log.reindex_postings(chosen)
        db.session.commit()
        sync.follow(background=True)
    return time.perf_counter() - started


def probe_process(mode: str, workdir: str) -> dict:
    """Run ``probe`` in a new process (a new web worker) and return its figures."""
    found = subprocess.run([sys.executable, __file__, "--probe", mode, "--dir", workdir],
                           capture_output=True, text=True, check=True, cwd=str(ROOT))
    return json.loads(found.stdout.strip().splitlines()[-1])


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def probe(mode: str, workdir: str) -> None:
    """A new worker process: ``bare`` (the app only), ``cold`` (first search unprepared) or
    ``warm`` (gunicorn's ``post_worker_init`` first); prints its figures as JSON."""
    app = create_app(app_config(workdir))
    found: dict[str, float] = {}
    if mode == "warm":
        hook = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["post_worker_init"]
        started = time.perf_counter()
        hook(SimpleNamespace(wsgi=app))
        found["warm_up_ms"] = (time.perf_counter() - started) * 1000
    if mode != "bare":
        client = app.test_client()
        for name, q in (("first_ms", "coder"), ("second_ms", "remote radiology")):
            started = time.perf_counter()
            assert client.get("/api/v1/jobs", query_string={"q": q}).status_code == 200
            found[name] = (time.perf_counter() - started) * 1000
        for _, args in query_mix():
            client.get("/api/v1/jobs", query_string=args)
    else:
        with app.app_context():
            db.session.scalar(select(Company.id).limit(1))
    gc.collect()
    found["rss_mb"] = resident_mb()
    print(json.dumps(found))


def main(argv=None) -> int:
    parser = bench_parser(__doc__, sizes="--sizes", seed=True, work_dir=True)
    parser.add_argument("--edits", type=int, default=10_000,
                        help="edits applied without a reindex for figure (c); 0 skips it")
    parser.add_argument("--changing-only", action="store_true",
                        help="keep the database and index an earlier run left in --dir and "
                             "measure only the figures of a changing index")
    parser.add_argument("--probe", choices=("bare", "cold", "warm"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe(args.probe, args.dir)
        return 0
    if args.changing_only:
        if not args.dir:
            parser.error("--changing-only needs the --dir of an earlier run")
        app = create_app(app_config(args.dir))
        with app.app_context():
            api = api_caller(app)
            api({"q": "coder"})
            changing_index(app, args.dir, api, args.seed, args.edits)
        return 0
    for size in args.sizes:
        workdir = args.dir or tempfile.mkdtemp(prefix="search-bench-")
        if args.dir:
            shutil.rmtree(workdir, ignore_errors=True)
            os.makedirs(workdir)
        try:
            run(size, args.seed, workdir, args.edits)
        finally:
            if not args.dir:
                shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
