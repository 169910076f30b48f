"""Employers editing postings at once, over HTTP, against the production serving setup.

    .venv/bin/python bench/edit_bench.py [--size 100000] [--edits 50] [--databases sqlite postgresql]

Writes SIZE demo postings into a fresh database (SQLite, and PostgreSQL as in production) with
its index, then serves the app with gunicorn and ``gunicorn.conf.py`` (threaded workers, as in
production) beside one ``flask worker`` that follows the search change log. Employers sign in
and each opens a posting's edit form and saves it, all at once: EDITS saves spread over 1, 8 and
EDITS clients. Prints p50 / p95 / max milliseconds per save (the POST alone, until its redirect
comes back) per number of clients; one client alone is the baseline of the same run, the time an
edit costs with nothing queued beside it. Afterwards the worker has applied every edit and the
index has no drift. Figures only; the target (p95 <= 150 ms) is checked by reading them.

Under each row: the CPU milliseconds per save the web server (all its workers), the index
worker, this database's PostgreSQL backends (from /proc, so Linux with the database on this
machine) and the benchmark's own clients spent on it. On N cores, saves arriving at once finish
no sooner than their total CPU / N: that per-save figure is what the p95 of a burst follows.
Then how long after the last save of the row returned the worker had every save in the index
(searchable).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from args import bench_parser  # noqa: E402
from http_bench import free_port, run_clients  # noqa: E402
from import_bench import database_url  # noqa: E402
from search_bench import figures, write_postings  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from jobboard import create_app  # noqa: E402
from jobboard.demo import demo_posting_records  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.company import Company  # noqa: E402
from jobboard.models.posting import Posting  # noqa: E402
from jobboard.models.user import User  # noqa: E402
from jobboard.search import sync  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402

PASSWORD = "Bench-passphrase-42"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build(size: int, uri: str, workdir: str):
    """The app on a new database holding ``size`` published demo postings, and its index."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri,
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console"})
    with app.app_context():
        db.create_all()
        load_curated_codes()
        write_postings(demo_posting_records(size, 1))
        db.session.commit()
        sync.rebuild()
    return app


def environment(uri: str, workdir: str, port: int) -> dict[str, str]:
    """What the web server and the worker both run with (one shared database)."""
    instance = os.path.join(workdir, "instance")
    os.makedirs(instance, exist_ok=True)
    with open(os.path.join(instance, "config.py"), "w") as config:
        config.write("RATELIMIT_ENABLED = False\n")  # every editor signs in from 127.0.0.1
    return {**os.environ, "SECRET_KEY": "edit-bench-secret", "DATABASE_URL": uri,
            "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "MAIL_SERVER": "console",
            "SITE_URL": f"http://127.0.0.1:{port}", "JOBBOARD_INSTANCE_PATH": instance,
            "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}


def start(env: dict[str, str], port: int) -> list[subprocess.Popen]:
    """gunicorn with the production configuration, and one worker following the log."""
    processes = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                          "--log-level", "warning", "--access-logfile", "/dev/null",
                          "jobboard:create_app()"], env=env, cwd=str(ROOT)),
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "jobboard", "worker",
                          ], env=env, cwd=str(ROOT),
                         stdout=subprocess.DEVNULL),
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/robots.txt", timeout=5).raise_for_status()
            return processes
        except requests.RequestException:
            time.sleep(0.2)
    stop(processes)
    raise RuntimeError("gunicorn did not start")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def cpu_by_process() -> dict[int, tuple[int, float]]:
    """Every process's parent and user + system CPU seconds so far, from /proc (empty without)."""
    ticks, found = os.sysconf("SC_CLK_TCK"), {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def database_backends(app) -> list[int]:
    """The PostgreSQL server processes serving this run's database (none for SQLite)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return []
        return list(db.session.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))


def cpu_used(app, web: int, worker: int, before: dict, after: dict) -> tuple[float, float, float]:
    """CPU seconds between two ``cpu_by_process`` readings: the web server (master and workers),
    the index worker, and this database's PostgreSQL backends (ones started since count whole)."""
    def spent(pids):
        return sum(after[p][1] - before.get(p, (0, 0.0))[1] for p in pids if p in after)

    web_pids = [p for p, (parent, _) in after.items() if p == web or parent == web]
    return spent(web_pids), spent([worker]), spent(database_backends(app))


def editors(app, clients: int) -> list[str]:
    """Emails of ``clients`` employers of one company (created once, reused by later rounds)."""
    with app.app_context():
        company = db.session.scalar(select(Company).order_by(Company.id).limit(1))
        emails = [f"bench-editor{n}@example.com" for n in range(clients)]
        known = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
        for email in emails:
            if email not in known:
                db.session.add(User(email=email, password=PASSWORD, role="employer",
                                    company=company, name="Bench Editor"))
        db.session.commit()
    return emails


def company_postings(app, count: int) -> list[int]:
    with app.app_context():
        company_id = db.session.scalar(select(Company.id).order_by(Company.id).limit(1))
        return list(db.session.scalars(select(Posting.id).where(Posting.company_id == company_id)
                                       .order_by(Posting.id.desc()).limit(count)))


def signed_in(port: int, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"http://127.0.0.1:{port}/login").text
    response = session.post(f"http://127.0.0.1:{port}/login", allow_redirects=False, data={
        "email": email, "password": PASSWORD, "csrf_token": CSRF.search(page).group(1)})
    if response.status_code != 302:
        raise AssertionError(f"sign-in failed: HTTP {response.status_code}")
    return session


def edit_forms(port: int, emails: list[str], posting_ids: list[int], label: str):
    """Each editor signed in, and the edit form of each of ``posting_ids`` filled in by one of them."""
    sessions = [signed_in(port, email) for email in emails]
    forms: list[tuple[requests.Session, int, dict]] = []
    for n, posting_id in enumerate(posting_ids):
        session = sessions[n % len(sessions)]
        page = session.get(f"http://127.0.0.1:{port}/jobs/{posting_id}/edit").text
        forms.append((session, posting_id, {
            "csrf_token": CSRF.search(page).group(1), "title": f"Edited Coder {label} {n}",
            "description": "Edited during the benchmark: radiology coding, remote.",
            "city": "Denver", "state": "CO", "arrangement": "remote",
            "employment_type": "full_time", "salary_min": "60000", "salary_max": "70000",
            "salary_unit": "year", "specialties": ["radiology"], "credentials_required": ["CPC"],
            "cpt_codes": "", "apply_url": "", "expires_at": ""}))
    return sessions, forms


def edit_round(port: int, sessions, forms) -> list[float]:
    """Every client saves its share of the forms at once; milliseconds per save."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions))

    def client(mine):
        start.wait()
        for session, posting_id, form in mine:
            started = time.perf_counter()
            response = session.post(f"http://127.0.0.1:{port}/jobs/{posting_id}/edit",
                                    data=form, allow_redirects=False)
            took = (time.perf_counter() - started) * 1000
            with lock:
                times.append(took)
                if response.status_code != 302:
                    errors.append(f"posting {posting_id}: HTTP {response.status_code}")

    run_clients([functools.partial(client, forms[n::len(sessions)]) for n in range(len(sessions))], errors)
    return times


def applied_after(app, timeout: float = 60) -> float | None:
    """Milliseconds until the worker has applied every logged change to the index (the last
    save of a round searchable), None if not within ``timeout`` seconds."""
    started = time.perf_counter()
    with app.app_context():
        while time.perf_counter() - started < timeout:
            if not sync.lag().entries:
                return (time.perf_counter() - started) * 1000
            db.session.rollback()  # the next read sees what committed since
            time.sleep(0.01)
    return None


def caught_up(app, timeout: float = 120) -> bool:
    """Whether the worker applied every edit to the index (no drift) within ``timeout``."""
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            drift = sync.check()
            if not drift.drifted and not drift.lag.entries:
                return True
            time.sleep(1)
    return False


def run(kind: str, size: int, edits: int) -> None:
    uri, workdir, drop = database_url(kind)
    try:
        app = build(size, uri, workdir)
        port = free_port()
        processes = start(environment(uri, workdir, port), port)
        try:
            print(f"\n{kind}, {size:,} postings, gunicorn.conf.py (threaded workers) and one "
                  f"flask worker, {edits} saves per row (ms per save)")
            posting_ids = company_postings(app, edits)
            for clients in (1, 8, edits):
                sessions, forms = edit_forms(port, editors(app, clients), posting_ids, f"c{clients}")
                before, clients_before = cpu_by_process(), time.process_time()
                times = edit_round(port, sessions, forms)
                clients_cpu = time.process_time() - clients_before
                searchable = applied_after(app)
                time.sleep(1)  # the worker's last pass ends
                used = cpu_used(app, processes[0].pid, processes[1].pid, before, cpu_by_process())
                web_ms, worker_ms, db_ms, clients_ms = (
                    seconds * 1000 / len(times) for seconds in (*used, clients_cpu))
                label = "alone (baseline)" if clients == 1 else "at once"
                print(f"  {clients:>3} clients {label:<17} {figures(times)}\n"
                      f"      CPU per save (ms): web {web_ms:4.1f}, index worker {worker_ms:4.1f}, "
                      f"database {db_ms:4.1f}, clients {clients_ms:4.1f}, "
                      f"all {web_ms + worker_ms + db_ms + clients_ms:4.1f}; every save searchable "
                      + (f"{searchable:.0f} ms after the last one returned" if searchable is not None
                         else "not within 60 s"))
            print(f"the worker applied every edit, no drift: {caught_up(app)}")
        finally:
            stop(processes)
            with app.app_context():
                db.engine.dispose()
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None) -> int:
    parser = bench_parser(__doc__, size="--size")
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    for kind in args.databases:
        run(kind, args.size, args.edits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
