"""Benchmark the pay benchmarks at 100 000 open postings.

    .venv/bin/python bench/salaries_bench.py [--size 100000] [--seed 1] [--dir DIR]

Writes N deterministic demo postings (as bench/search_bench.py does) into a fresh SQLite database,
then times in-process through the test client: ``/salaries`` and ``/api/v1/salaries`` (a fixed mix
of filters) with the per-process cache warm, and again right after a posting changed (the data
version moves, so the figures are computed afresh). Baseline in the same run: the naive way, which
loads every open posting as an object with its tags and computes the same figures in Python
(run once each: at 100 000 postings it takes a minute or more).
Prints p50 / p95 / max in milliseconds and the process's CPU time at p50 (steady when other work
shares the machine). Figures only; read them, nothing is asserted.
"""
from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from statistics import median, quantiles

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import figures, write_postings  # noqa: E402
from sqlalchemy import select, update  # noqa: E402
from workdir import workdir  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.demo import demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.base import utcnow  # noqa: E402
from jobboard.models.posting import Posting, with_tags  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402
from jobboard.services.pay import pay_breakdown, pay_figures  # noqa: E402

API_FILTERS = [{}, {"specialty": "radiology"}, {"credential": "CPC"}, {"state": "TX"},
               {"specialty": "risk-adjustment", "credential": "CRC"}, {"specialty": "cardiology", "state": "OH"},
               {"credential": "CCS", "state": "FL"}, {"specialty": "evaluation-management", "credential": "CPC",
                                                      "state": "CA"}]


def naive_figures(filters: dict | None = None) -> dict:
    """The baseline: every open posting loaded as an object, grouped and ranked in Python."""
    filters = filters or {}
    groups = defaultdict(list)
    for posting in db.session.scalars(with_tags(Posting.visible())).unique():
        if posting.salary_min is None and posting.salary_max is None:
            continue
        keys = {"specialty": {s.slug for s in posting.specialties},
                "credential": {c.abbreviation for c in posting.credentials_required},
                "state": {posting.state} if posting.state else set()}
        if any(value not in keys[name] for name, value in filters.items()):
            continue
        low = posting.annual(posting.salary_min if posting.salary_min is not None else posting.salary_max)
        high = posting.annual(posting.salary_max if posting.salary_max is not None else posting.salary_min)
        groups["all"].append((low + high) / 2)
        if not filters:
            for name, values in keys.items():
                for value in values:
                    groups[(name, value)].append((low + high) / 2)
    return {key: quantiles(values, n=4, method="inclusive") for key, values in groups.items() if len(values) >= 5}


def timed(call, repeat: int) -> list[tuple[float, float]]:
    """Milliseconds of each call: wall clock, and this process's CPU time (SQLite works in-process,
    so the CPU figure holds when other work shares the machine and stretches the wall clock)."""
    times = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        times.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
    return times


def shown(times: list[tuple[float, float]]) -> str:
    return figures([wall for wall, _ in times]) + f"  cpu p50 {median(cpu for _, cpu in times):7.1f}"


def run(size: int, seed: int, workdir: str) -> None:
    print(f"=== {size:,} postings ===")
    records = demo_posting_records(size, seed)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(workdir, "bench.sqlite"),
        "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console",
    })
    with app.app_context():
        db.create_all()
        load_curated_codes()
        write_postings(records)
        del records
        with_pay = sum(1 for _ in db.session.scalars(select(Posting.id).where(Posting.salary_min.is_not(None))))
        print(f"{size:,} open postings written ({with_pay:,} with a minimum pay)")
        client = app.test_client()

        def get(url, args=None):
            response = client.get(url, query_string=args or {})
            assert response.status_code == 200, response.status_code

        def touch():
            """One posting edited: the data version moves and every cached figure is recomputed."""
            db.session.execute(update(Posting).where(Posting.id == 1).values(updated_at=utcnow()))
            db.session.commit()

        def changed_then(call):
            touch()
            return call()

        get("/salaries")
        print("/salaries, cache warm          ", shown(timed(lambda: get("/salaries"), 30)))
        print("/salaries, after a change      ", shown(timed(lambda: changed_then(lambda: get("/salaries")), 5)))
        mix = [lambda f=f: get("/api/v1/salaries", f) for f in API_FILTERS]
        for call in mix:
            call()
        print("/api/v1/salaries mix, warm     ", shown(timed(lambda: [c() for c in mix], 10)) + "  per 8 calls")
        print("/api/v1/salaries, after change ", shown([t for call in mix for t in
                                                         timed(lambda c=call: changed_then(c), 2)]))

        ours = {("all"): pay_figures({}), **{(r.key): r.figures for r in pay_breakdown("specialty").rows}}
        naive = {}
        print("baseline /salaries (objects)   ", shown(timed(lambda: naive.update(naive_figures()), 1)))
        print("baseline API, one filter       ", shown(timed(lambda: naive_figures(API_FILTERS[1]), 1)))
        agree = ours["all"].median == round(naive["all"][1]) and all(
            ours[key[1]].median == round(values[1]) for key, values in naive.items()
            if key != "all" and key[0] == "specialty")
        print(f"baseline medians equal ours (overall and per specialty): {agree}")


def main(argv=None) -> int:
    parser = bench_parser(__doc__, size="--size", seed=True, work_dir=True)
    args = parser.parse_args(argv)
    with workdir(args.dir, "salaries-bench-") as folder:
        run(args.size, args.seed, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
