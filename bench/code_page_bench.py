"""Benchmark the CMS RVU import and the code reference page at 100 000 postings.

    .venv/bin/python bench/code_page_bench.py [--postings 100000] [--seed 1] [--dir DIR]

On a fresh SQLite database: loads the curated codes, times a full CMS RVU file import
(``codes import-rvu``'s service) beside parsing the same file alone, writes N demo postings in
bulk, rebuilds the index with ``flask search reindex``, then requests code pages in process
through the test client (rotating codes, each page with its open-job list and count from the
index, pictures, FAQ and a locality payment) beside two baselines measured in the same run: a
page that does no work (``/robots.txt``) and the search API call for the same codes. Prints
p50 / p95 / max in milliseconds. Figures only; targets are checked by reading them.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.args import bench_parser  # noqa: E402
from bench.search_bench import figures, write_postings  # noqa: E402
from bench.workdir import workdir  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.cms_rvu import parse_rvu_file  # noqa: E402
from jobboard.demo import demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.services.codes import import_gpci, import_rvu, load_curated_codes  # noqa: E402

CMS_DIR = ROOT.parent / "shared" / "reference" / "cms"
CODES = ["38900", "99213", "99214", "38792", "71046", "93000", "45378", "80053", "27447", "96413",
         "38564", "99285", "90837", "47562", "77067", "00812", "20610", "64483", "88305", "97110"]
ROUNDS = 10


def timed(client, url: str, samples: list[float]) -> None:
    started = time.perf_counter()
    response = client.get(url)
    samples.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")


def run(postings: int, seed: int, workdir: str) -> None:
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(workdir, "bench.sqlite"),
        "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console",
    })
    rvu_file = CMS_DIR / "PPRRVU23_JAN.csv"
    with app.app_context():
        db.create_all()
        load_curated_codes()
        if rvu_file.exists():
            started = time.perf_counter()
            parsed = parse_rvu_file(rvu_file)
            parse_s = time.perf_counter() - started
            started = time.perf_counter()
            summary = import_rvu(rvu_file)
            import_s = time.perf_counter() - started
            print(f"CMS file {rvu_file.name}: {len(parsed.rows):,} rows; parse alone {parse_s:.2f} s, "
                  f"full import {import_s:.2f} s ({summary.added:,} added, {summary.updated:,} updated)")
        else:
            print(f"CMS file not found at {rvu_file}: curated codes only")
        gpci = [CMS_DIR / "GPCI2025.csv", CMS_DIR / "25LOCCO1.csv"]
        if all(p.exists() for p in gpci):
            print(import_gpci(gpci).line())
        started = time.perf_counter()
        write_postings(demo_posting_records(postings, seed))
        print(f"{postings:,} demo postings generated and written in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    print(f"search reindex: {time.perf_counter() - started:.1f} s")

    client = app.test_client()
    for code in CODES:  # warm-up: the index searcher, templates, section distributions
        client.get(f"/codes/{code}")
        client.get("/api/v1/jobs", query_string={"code": code, "per_page": 10})
    count = client.get("/api/v1/codes/38900").get_json()["open_jobs"]
    print(f"open jobs needing 38900: {count:,}")
    page, local, api, floor = [], [], [], []
    for _ in range(ROUNDS):
        for code in CODES:
            timed(client, f"/codes/{code}", page)
            timed(client, f"/codes/{code}?locality=13202-01", local)
            timed(client, f"/api/v1/jobs?code={code}&per_page=10", api)
            timed(client, "/robots.txt", floor)
    print("in-process milliseconds:")
    print(f"  code page                      {figures(page)}")
    print(f"  code page with locality        {figures(local)}")
    print(f"  baseline: search API, same code {figures(api)}")
    print(f"  baseline: /robots.txt          {figures(floor)}")


def main(argv=None) -> int:
    parser = bench_parser(__doc__, size="--postings", seed=True, work_dir=True)
    args = parser.parse_args(argv)
    with workdir(args.dir, "code-page-bench-") as folder:
        run(args.postings, args.seed, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
