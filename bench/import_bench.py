"""Benchmark the JSON Lines importer (`jobs import`, `demo load`) at 10 000 and 100 000 postings.

    .venv/bin/python bench/import_bench.py [--sizes 10000 100000] [--databases sqlite postgresql]

Each (database, size) runs in its own process, so its peak memory (ru_maxrss) is its own. A run
writes N deterministic demo lines (``demo_postings``: specialties, credentials and codes given, so
the tagger gives its coding verdict and reads the job fields, which the lines leave out) to a
file, then times

- a first import into an empty database (rows, tags and search index), split into the time spent
  bringing the index up to date (``sync.catch_up`` once at the end of the feed, as under
  ``TESTING``: a rebuild after a large feed) and the rest (reading, checking, writing rows);
- a re-import of the same file with 1 % of the lines changed;
- a sample of 1 000 lines without tag fields (the tagger runs on every line);

and runs ``search check`` after each import. CPU seconds are the run's process and, apart, its
worker processes (the importer's text readers, a rebuild's segment writers). The baseline,
printed first in the same run, is the importer with one transaction (and one index segment, the
log followed after each commit) per posting, as before batching, on a small N. Wall and CPU
seconds are both printed: on a shared machine they differ.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.args import bench_parser  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BASELINE_N = 300
JOB_FIELDS = ("apprentice", "work_setting", "code_sets", "encoders", "productivity", "productivity_per",
              "chart_type", "accuracy_pct")


def write_feed(path: str, size: int, seed: int, changed_every: int = 0, untagged: bool = False) -> None:
    from jobboard.demo import demo_postings

    with open(path, "w", encoding="utf-8") as handle:
        for i, record in enumerate(demo_postings(size, seed)):
            if changed_every and i % changed_every == 0:
                record["title"] += " (updated)"
            for name in JOB_FIELDS:  # read from the text, as for most feeds (the demo sends them)
                record.pop(name)
            if untagged:
                for name in ("specialties", "credentials_required", "credentials_preferred", "cpt_codes"):
                    record.pop(name)
                record["company"] = "Untagged Feed Health"
            handle.write(json.dumps(record) + "\n")


class Clock:
    """Wall and CPU seconds of a block, and the wall seconds spent meanwhile applying the change
    log to the index (``log.follow`` after a commit, ``maintenance.catch_up`` after a feed)."""

    def __init__(self, sync):
        self.timed = [(sync.log, "follow"), (sync.maintenance, "catch_up")]
        self.index = 0.0

    def __enter__(self):
        self.real = [getattr(module, name) for module, name in self.timed]
        for (module, name), real in zip(self.timed, self.real, strict=True):
            setattr(module, name, self._timing(real))
        self.wall, self.cpu, self.workers = time.perf_counter(), time.process_time(), children_cpu()
        return self

    def _timing(self, real):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.index += time.perf_counter() - started
        return timed

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.workers = children_cpu() - self.workers
        for (module, name), real in zip(self.timed, self.real, strict=True):
            setattr(module, name, real)


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the importer's readers, rebuild workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def database_url(kind: str):
    """A fresh database for one run, and a function that drops it."""
    import sqlalchemy as sa

    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="import-bench-")
        return f"sqlite:///{folder}/bench.sqlite", folder, lambda: None
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"import_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, tempfile.mkdtemp(prefix="import-bench-"), drop


def one_run(kind: str, size: int, seed: int, baseline: bool) -> None:
    from jobboard import create_app
    from jobboard.extensions import db
    from jobboard.search import sync
    from jobboard.services import imports
    from jobboard.services.codes import load_curated_codes
    from jobboard.services.imports import import_postings

    url, folder, drop = database_url(kind)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_DIR": os.path.join(folder, "index"), "MAIL_SERVER": "console"})
        feed = os.path.join(folder, "feed.jsonl")
        with app.app_context():
            db.create_all()
            load_curated_codes()

            def run(label, path, count_label="postings", **options):
                with open(path, "rb") as handle, Clock(sync) as clock:
                    report = import_postings(handle, **options)
                drift = sync.check()
                rate = report.lines / clock.wall
                print(f"  {kind:10} {size:>7,}  {label:28} {rate:8,.0f} {count_label}/s  "
                      f"wall {clock.wall:6.1f} s (index {clock.index:5.1f} s, rows and checks "
                      f"{clock.wall - clock.index:5.1f} s)  cpu {clock.cpu:6.1f} s + workers {clock.workers:5.1f} s  "
                      f"[{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
                      f"{len(report.failed)} failed]  search check: {'DRIFT' if drift.drifted else 'clean'}",
                      flush=True)

            write_feed(feed, size, seed)
            if baseline:
                imports.following_later = lambda session: contextlib.nullcontext()
                run("one commit per posting", feed, batch_size=1)
                return
            run("first import", feed)
            write_feed(feed, size, seed, changed_every=100)
            run("re-import, 1 % changed", feed, count_label="lines")
            write_feed(feed, 1000, seed, untagged=True)
            run("1,000 untagged (tagger on)", feed)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {kind:10} {size:>7,}  peak memory (ru_maxrss of the run's process): {peak:,.0f} MB", flush=True)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = bench_parser(__doc__, sizes="--sizes", seed=True)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--one", nargs=2, metavar=("DATABASE", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_run(args.one[0], int(args.one[1]), args.seed, args.baseline)
        return
    print(f"cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    runs = [(kind, BASELINE_N, True) for kind in args.databases]
    runs += [(kind, size, False) for size in args.sizes for kind in args.databases]
    for kind, size, baseline in runs:
        command = [sys.executable, __file__, "--one", kind, str(size), "--seed", str(args.seed)]
        subprocess.run(command + (["--baseline"] if baseline else []), check=True)


if __name__ == "__main__":
    main()
