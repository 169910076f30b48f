"""Benchmark the pay benchmarks at 100 000 open postings.

    .venv/bin/python bench/salaries_bench.py [--size 100000] [--seed 1] [--dir DIR]

Writes N deterministic demo postings (as bench/search_bench.py does) into a SQLite database (a
``--dir`` that already holds them is reused), then times in-process through the test client:
``/salaries`` and ``/api/v1/salaries`` (a fixed mix of filters) with the per-process cache warm,
and again right after a posting changed (its pay edited, every other change closing one: the data
version moves, so the figures are computed afresh). Baseline in the same run: the naive way, which
loads every open posting as an object with its tags and computes the same figures in Python
(run once each: at 100 000 postings it takes a minute or more), then checks that every shown
figure of ours, read after those changes, equals the baseline's.
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
from sqlalchemy import func, select, update  # noqa: E402
from workdir import workdir  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.demo import demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.base import utcnow  # noqa: E402
from jobboard.models.posting import HOURS_PER_YEAR, Posting, with_tags  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402
from jobboard.services.pay import DIMENSIONS, pay_breakdown, pay_figures  # noqa: E402

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
        low = posting.salary_min if posting.salary_min is not None else posting.salary_max
        high = posting.salary_max if posting.salary_max is not None else posting.salary_min
        # The midpoint a year, in floats as the database computes it (``annual`` rounds to dollars).
        pay = (float(low) + float(high)) * (HOURS_PER_YEAR / 2 if posting.salary_unit == "hour" else 0.5)
        groups["all"].append(pay)
        if not filters:
            for name, values in keys.items():
                for value in values:
                    groups[(name, value)].append(pay)
    return {key: [round(q) for q in quantiles(values, n=4, method="inclusive")]
            for key, values in groups.items() if len(values) >= 5}


def our_figures(filters: dict | None = None) -> dict:
    """Ours, keyed as ``naive_figures`` keys them: shown figures only."""
    found = {"all": pay_figures(filters or {})}
    if not filters:
        found |= {(name, row.key): row.figures for name in DIMENSIONS for row in pay_breakdown(name).rows}
    return {key: [f.p25, f.median, f.p75] for key, f in found.items() if f.shown}


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
        if db.session.scalar(select(func.count(Posting.id))) != size:
            load_curated_codes()
            write_postings(records)
        del records
        with_pay = sum(1 for _ in db.session.scalars(select(Posting.id).where(Posting.salary_min.is_not(None))))
        print(f"{size:,} open postings written ({with_pay:,} with a minimum pay)")
        client = app.test_client()

        def get(url, args=None):
            response = client.get(url, query_string=args or {})
            assert response.status_code == 200, response.status_code

        changes = iter(range(1, size + 1))

        def touch():
            """One posting's pay edited, every other time one closed: the data version moves and
            every cached figure is recomputed."""
            number = next(changes)
            values = ({"status": "closed"} if number % 2 else
                      {"salary_min": 40_000 + number * 100, "salary_max": 45_000 + number * 100, "salary_unit": "year"})
            db.session.execute(update(Posting).where(Posting.id == number * 7).values(updated_at=utcnow(), **values))
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

        naive: dict = {}
        naive_filtered: dict = {}
        print("baseline /salaries (objects)   ", shown(timed(lambda: naive.update(naive_figures()), 1)))
        print("baseline API, one filter       ",
              shown(timed(lambda: naive_filtered.update(naive_figures(API_FILTERS[1])), 1)))
        agree = our_figures() == naive and our_figures(API_FILTERS[1]) == naive_filtered
        print(f"baseline figures equal ours after the changes (p25, median, p75; overall, per specialty, "
              f"credential and state, and one filter; {len(naive) + len(naive_filtered)} groups): {agree}")


def main(argv=None) -> int:
    parser = bench_parser(__doc__, size="--size", seed=True, work_dir=True)
    args = parser.parse_args(argv)
    with workdir(args.dir, "salaries-bench-") as folder:
        run(args.size, args.seed, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
