"""Benchmark the pages users load most, over HTTP, at 100 000 postings.

    .venv/bin/python bench/http_bench.py [--size 100000] [--seconds 6] [--dir DIR [--reuse]]
                                         [--kinds KIND ...]

Writes SIZE deterministic demo postings straight into a fresh SQLite database (as
``search_bench.py`` does) and builds the index with ``search.sync.rebuild``, then serves the app
with gunicorn (``gunicorn.conf.py``, the production settings, with 2 workers on loopback) and, for each kind of URL,
keeps 4 and then 16 connections busy for SECONDS each, rotating through many URLs of that kind
(different queries, postings, codes, specialties). Prints requests per second and p50 / p99
latency in milliseconds per kind and concurrency; ``/robots.txt`` (no database, no index) is the
baseline of the same run. Every response must be a 200. Figures only;
the targets are checked by reading them. ``--reuse`` serves the database and index a previous run
left in ``--dir`` instead of writing them again (a 100 000-posting build takes minutes).
"""
from __future__ import annotations

import http.client
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import TEXT, write_postings  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.demo import demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.company import Company  # noqa: E402
from jobboard.models.posting import Posting  # noqa: E402
from jobboard.models.taxonomy import CptCode, Specialty  # noqa: E402
from jobboard.search import sync  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402

CONCURRENCY = (4, 16)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(size: int, workdir: str, reuse: bool) -> dict[str, list[str]]:
    """The database and index (kept when ``reuse``); returns the URLs of each kind to rotate through."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_uri(workdir),
        "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console",
    })
    with app.app_context():
        if not reuse:
            db.create_all()
            load_curated_codes()
            started = time.perf_counter()
            write_postings(demo_posting_records(size, 1))
            print(f"{size:,} postings written in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            count = sync.rebuild()
            print(f"reindex: {count:,} postings in {time.perf_counter() - started:.1f} s")
        postings = db.session.scalars(select(Posting.id).order_by(Posting.id)).all()
        codes = db.session.scalars(select(CptCode.code).where(CptCode.curated.is_(True))
                                   .order_by(CptCode.code)).all()
        slugs = db.session.scalars(select(Specialty.slug)).all()
        companies = db.session.scalars(select(Company.slug)).all()
    step = max(1, len(postings) // 500)
    return {
        "robots.txt": ["/robots.txt"],  # the baseline: what the machine serves with no work
        "search API": [f"/api/v1/jobs?{urlencode({'q': q})}" for q in TEXT],
        "/jobs": [f"/jobs?{urlencode({'q': q})}" for q in TEXT],
        "posting": [f"/jobs/{i}" for i in postings[::step]],
        "code page": [f"/codes/{c}" for c in codes],
        "specialty page": [f"/specialties/{s}" for s in slugs],
        "company page": [f"/companies/{s}" for s in companies],
        "home page": ["/"],
    }


def database_uri(workdir: str) -> str:
    return "sqlite:///" + os.path.join(workdir, "bench.sqlite")


def serve(workdir: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "SECRET_KEY": "http-bench-secret", "DATABASE_URL": database_uri(workdir),
           "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console",
           "SITE_URL": "http://127.0.0.1", "JOBBOARD_INSTANCE_PATH": os.path.join(workdir, "instance"),
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "jobboard:create_app()"], env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(port, "/robots.txt")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def get(port: int, url: str) -> float:
    """One request on a new connection; milliseconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", url, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise AssertionError(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def load(port: int, urls: list[str], connections: int, seconds: float) -> tuple[float, list[float]]:
    """Keep ``connections`` requests in flight for ``seconds``: (req/s, latencies in ms)."""
    rotation = itertools.cycle(urls)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            with lock:
                url = next(rotation)
            try:
                took = get(port, url)
            except (OSError, AssertionError) as error:
                errors.append(str(error))
                return
            with lock:
                latencies.append(took)

    started = time.perf_counter()
    run_clients([client] * connections, errors)
    return len(latencies) / (time.perf_counter() - started), latencies


def run_clients(clients, errors: list[str]) -> None:
    """Run each of ``clients`` (functions) in its own thread until all end; the first error the
    clients reported in ``errors`` fails the run."""
    threads = [threading.Thread(target=client) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError(errors[0])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def main(argv=None) -> int:
    parser = bench_parser(__doc__, size="--size", work_dir=True)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--reuse", action="store_true",
                        help="serve the database and index already in --dir")
    parser.add_argument("--kinds", nargs="+", metavar="KIND",
                        help="only these kinds of URL (robots.txt, the baseline, always runs)")
    args = parser.parse_args(argv)
    if args.reuse and not args.dir:
        parser.error("--reuse needs --dir")
    workdir = args.dir or tempfile.mkdtemp(prefix="http-bench-")
    if args.dir and not args.reuse:
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
    try:
        kinds = build(args.size, workdir, args.reuse)
        if args.kinds:
            unknown = set(args.kinds) - set(kinds)
            if unknown:
                parser.error(f"unknown kinds {sorted(unknown)}; choose from {sorted(kinds)}")
            kinds = {k: urls for k, urls in kinds.items() if k == "robots.txt" or k in args.kinds}
        port = free_port()
        server = serve(workdir, port)
        try:
            for urls in kinds.values():  # every worker opens the index and fills its caches
                for url in urls[:20] * 2:
                    get(port, url)
            print(f"\n{args.size:,} postings, gunicorn 2 workers, loopback, "
                  f"{args.seconds:.0f} s per row (ms)")
            print(f"{'':16}{'conns':>6}{'req/s':>9}{'p50':>9}{'p99':>9}")
            for kind, urls in kinds.items():
                for connections in CONCURRENCY:
                    rate, latencies = load(port, urls, connections, args.seconds)
                    print(f"{kind:16}{connections:>6}{rate:>9.1f}{percentile(latencies, 0.5):>9.1f}"
                          f"{percentile(latencies, 0.99):>9.1f}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if not args.dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
