"""Two hosts on one database: each has its own index folder and its own ``flask worker``
following the change log; web requests only write the log."""
import os
import random
import subprocess
import sys
import threading
import time

import pytest
from werkzeug.datastructures import MultiDict

from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.search import sync
from jobboard.search.params import parse_params
from jobboard.search.service import search_postings
from jobboard.services.postings import update_posting
from tests.conftest import base_config
from tests.factories import make_employer, make_posting, posting_fields

HOST_CONFIG = {"SEARCH_FOLLOW_AFTER_COMMIT": False}  # production: only the workers write indexes


@pytest.fixture
def app_config():
    return HOST_CONFIG


class Host:
    """A web app instance and its worker process, sharing the database with the other host."""

    def __init__(self, name, database_uri, folder):
        self.name, self.folder = name, folder
        self.app = create_app({**base_config(database_uri, folder, 25), **HOST_CONFIG})
        self.worker = None

    def start_worker(self):
        env = {**os.environ, "PYTHONPATH": os.getcwd(), "SECRET_KEY": "replica-test-secret",
               "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
               "SEARCH_INDEX_DIR": self.app.config["SEARCH_INDEX_DIR"],
               "JOBBOARD_INSTANCE_PATH": str(self.folder / "instance"), "MAIL_SERVER": "console",
               "SITE_URL": "http://jobs.test"}
        self.worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "jobboard", "worker"],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop_worker(self):
        self.worker.terminate()
        self.worker.wait(timeout=30)

    def found(self, q) -> list[int]:
        with self.app.app_context():
            params = parse_params(MultiDict({"q": q, "per_page": "100"}))
            return [p.id for p in search_postings(params).postings]

    def lag(self) -> int:
        with self.app.app_context():
            return sync.lag().entries

    def check(self):
        return self.app.test_cli_runner().invoke(args=["search", "check"])


def wait_until(condition, timeout: float) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def hosts(app, tmp_path):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    pair = [Host("a", uri, tmp_path / "host-a"), Host("b", uri, tmp_path / "host-b")]
    for host in pair:
        host.start_worker()
    with app.app_context():
        warm_up = make_posting(title="Warmup Coder").id
    for host in pair:  # both workers are running and following the log
        wait_until(lambda: host.found("warmup") == [warm_up], timeout=60)  # noqa: B023
    yield pair
    for host in pair:
        if host.worker.poll() is None:
            host.stop_worker()
        assert host.worker.returncode in (0, -15), host.worker.stderr.read().decode()


def test_a_posting_published_on_one_host_is_searchable_on_the_other(hosts):
    a, b = hosts
    with a.app.app_context():
        author = make_employer()
        for round_ in range(3):
            started = time.monotonic()
            posting_id = make_posting(author=author, title=f"Replica Coder Round{round_}").id
            # The publishing request wrote the log only; each host's worker updates its index.
            waited = wait_until(lambda: b.found(f"round{round_}") == [posting_id], timeout=2.0)  # noqa: B023
            assert time.monotonic() - started < 2.0, waited
            wait_until(lambda: a.found(f"round{round_}") == [posting_id], timeout=2.0)  # noqa: B023
    wait_until(lambda: a.lag() == 0 and b.lag() == 0, timeout=5)
    for host in hosts:
        result = host.check()
        assert result.exit_code == 0, result.output
        assert "0 log entries (0.0 s) behind" in result.output


def test_a_stopped_host_catches_up_when_its_worker_restarts(hosts):
    a, b = hosts
    b.stop_worker()
    with a.app.app_context():
        ids = [make_posting(title=f"Missed Coder {i}").id for i in range(3)]
        closed = make_posting(title="Missed Coder Closed")
        closed.close()
        db.session.commit()
    wait_until(lambda: sorted(a.found("missed")) == sorted(ids), timeout=5)
    assert b.found("missed") == []          # B's index has not seen them...
    assert b.lag() >= 4
    assert b.check().exit_code == 1         # ...and says so
    b.start_worker()
    wait_until(lambda: sorted(b.found("missed")) == sorted(ids) and b.lag() == 0, timeout=10)
    for host in hosts:
        result = host.check()
        assert result.exit_code == 0, result.output


def test_200_concurrent_edits_over_both_hosts_leave_no_drift(hosts):
    a, b = hosts
    with a.app.app_context():
        author = make_employer()
        ids = [make_posting(author=author, title=f"Busy Coder {i}").id for i in range(20)]
    errors = []

    def edit(host, thread_no):
        rng = random.Random(thread_no)
        with host.app.app_context():
            for n in range(25):
                posting_id = rng.choice(ids)
                title = f"Edited Coder T{thread_no}N{n}"
                try:
                    posting = db.session.get(Posting, posting_id)
                    update_posting(posting, posting_fields(
                        title=title, specialties=[rng.choice(["radiology", "cardiology"])]))
                except Exception as error:  # any lock error or deadlock fails the test below
                    errors.append(repr(error))
                    db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(hosts[i % 2], i)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with a.app.app_context():
        titles = dict(db.session.execute(db.select(Posting.id, Posting.title)
                                         .where(Posting.id.in_(ids))).all())
    wait_until(lambda: a.lag() == 0 and b.lag() == 0, timeout=30)
    for host in hosts:
        result = host.check()
        assert result.exit_code == 0, result.output
        for posting_id, title in list(titles.items())[:5]:
            assert posting_id in host.found(title.split()[-1])
