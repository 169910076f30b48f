"""Where the time of a search request goes: the search bench's query mix, phase by phase.

    .venv/bin/python bench/search_phases.py --dir DIR [--slowest 10] [--warm]

DIR holds a database and index that ``search_bench.py --dir`` or ``http_bench.py --dir`` left
(use a copy: opening an index may write to it). A fresh process opens the index, searches once
and runs the 200 API queries of ``search_bench.query_mix`` through the test client, as the
first pass of a new web worker would (no answer is in the per-version answer cache); then the
same 200 again, each given an extra ignored argument so that the answer cache still misses: the
baseline of the same process, with term sets, snippets and SQLite pages already read. Prints
wall and CPU p50 / p95 / p99 of each pass, the mean CPU milliseconds per request of each phase
(data version, index search, rows and tags from the database, snippets, JSON items, the rest:
Flask, parameters, serialising) and the slowest requests of the first pass by CPU time.
``--warm`` first prepares the process as gunicorn's hook prepares a web worker
(``jobboard.search.warm_up_worker``) instead of searching once.
"""
from __future__ import annotations

import gc
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import api_caller, app_config, query_mix  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.search import service, warm_up_worker  # noqa: E402
from jobboard.views import search as views  # noqa: E402

PHASES = ("version", "index", "rows", "snippets", "items")


class Phases:
    """CPU and wall milliseconds spent in each timed function during one request."""

    def __init__(self):
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)

    def timed(self, phase: str, function):
        def timing(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[phase] += (time.perf_counter() - wall) * 1000
                self.cpu[phase] += (time.thread_time() - cpu) * 1000
        return timing


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(share):
        return ordered[min(len(ordered) - 1, int(round(share * len(ordered))) - 1)]
    return f"p50 {at(0.5):6.1f}  p95 {at(0.95):6.1f}  p99 {at(0.99):6.1f}  max {ordered[-1]:6.1f}"


def main(argv=None) -> int:
    parser = bench_parser(__doc__, work_dir=True)
    parser.add_argument("--slowest", type=int, default=10, help="slowest requests to list")
    parser.add_argument("--warm", action="store_true", help="warm up as a web worker first")
    args = parser.parse_args(argv)
    if not args.dir or not os.path.exists(os.path.join(args.dir, "bench.sqlite")):
        parser.error("--dir must hold bench.sqlite and index/ of an earlier bench run")
    phases = Phases()
    app = create_app(app_config(args.dir))
    if args.warm:
        warm_up_worker(app)
    backend = app.extensions["search"]
    backend.search = phases.timed("index", backend.search)
    service.visible_in_order = phases.timed("rows", service.visible_in_order)
    service.snippet = phases.timed("snippets", service.snippet)
    views.job_json = phases.timed("items", views.job_json)
    views.listing_version = phases.timed("version", views.listing_version)
    collections = []
    gc.callbacks.append(lambda stage, info: collections.append(info["generation"])
                        if stage == "stop" and info["generation"] == 2 else None)
    print(f"load average {os.getloadavg()[0]:.2f}; {len(query_mix())} queries a pass (ms)")
    with app.app_context():
        api = api_caller(app)
        api({"q": "coder"})  # the first search opens the index
        for label, extra in (("first pass", {}), ("again (baseline)", {"again": "1"})):
            rows = []
            for kind, query in query_mix():
                phases.cpu.clear()
                phases.wall.clear()
                wall, cpu = time.perf_counter(), time.thread_time()
                api({**query, **extra})
                rows.append((kind, query, (time.perf_counter() - wall) * 1000,
                             (time.thread_time() - cpu) * 1000, dict(phases.cpu)))
            print(f"{label}:")
            print(f"  wall  {percentiles([row[2] for row in rows])}")
            print(f"  CPU   {percentiles([row[3] for row in rows])}")
            means = {phase: sum(row[4].get(phase, 0) for row in rows) / len(rows) for phase in PHASES}
            rest = sum(row[3] for row in rows) / len(rows) - sum(means.values())
            print("  mean CPU per request: " + "  ".join(f"{phase} {ms:.2f}" for phase, ms in means.items())
                  + f"  rest {rest:.2f}")
            if not extra:
                for kind, query, wall_ms, cpu_ms, spent in sorted(rows, key=lambda row: -row[3])[:args.slowest]:
                    print(f"    CPU {cpu_ms:6.1f} wall {wall_ms:6.1f}  {kind:14} {query}  "
                          + " ".join(f"{phase} {ms:.1f}" for phase, ms in spent.items()))
    print(f"full garbage collections: {len(collections)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
