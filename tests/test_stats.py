"""Employer figures: views, unique views, applications and apply clicks per posting."""
import hashlib
import hmac
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from jobboard.extensions import db
from jobboard.models.activity import PostingStats, PostingVisitor
from jobboard.models.application import Application
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import stats
from tests.conftest import PASSWORD, Auth, post_form
from tests.factories import approve_join_requests, make_employer, make_posting

APPLY_URL = "https://careers.example.com/apply/42?src=medcode"


def figures(app, posting_id):
    """The stored figures, after this process's pending counts are written."""
    assert stats.pending_counts(app).flush()
    with app.app_context():
        row = db.session.get(PostingStats, posting_id)
        return (row.views, row.unique_views, row.apply_clicks) if row else None


def signed_in_employer(app):
    """A client signed in as a newly registered employer, and that employer."""
    client = app.test_client()
    email, _ = Auth(client).register("employer")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
    return client, user


def posting_by(app, user, **overrides):
    with app.app_context():
        return make_posting(author=db.session.get(User, user.id), **overrides).id


def test_views_and_unique_views_are_counted(app, client):
    with app.app_context():
        posting_id = make_posting().id
    for _ in range(3):
        assert client.get(f"/jobs/{posting_id}").status_code == 200
    assert figures(app, posting_id) == (3, 1, 0)

    other = app.test_client()
    other.get(f"/jobs/{posting_id}")
    other.get(f"/jobs/{posting_id}")
    assert figures(app, posting_id) == (5, 2, 0)


def test_visitor_key_is_a_keyed_hash_of_the_session_id_never_the_address(app, client):
    with app.app_context():
        posting_id = make_posting().id
    client.get(f"/jobs/{posting_id}", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    with client.session_transaction() as session:
        anonymous_id = session["visitor"]
    with app.app_context():
        stored = db.session.scalars(select(PostingVisitor.visitor)).all()
    expected = hmac.new(app.config["SECRET_KEY"].encode(), anonymous_id.encode(),
                        hashlib.sha256).hexdigest()
    assert stored == [expected]
    assert "203.0.113.7" not in stored[0] and anonymous_id not in stored[0]


def test_own_employers_views_are_not_counted(app):
    client, employer = signed_in_employer(app)
    posting_id = posting_by(app, employer)
    colleague = app.test_client()
    with app.app_context():
        company = db.session.get(User, employer.id).company
        Auth(colleague).register("employer", join_code=company.join_code)
        approve_join_requests()

    assert client.get(f"/jobs/{posting_id}").status_code == 200
    assert colleague.get(f"/jobs/{posting_id}").status_code == 200
    assert figures(app, posting_id) is None

    stranger, _ = signed_in_employer(app)
    stranger.get(f"/jobs/{posting_id}")
    assert figures(app, posting_id) == (1, 1, 0)


@pytest.mark.parametrize("status", ["draft", "closed", "expired"])
def test_postings_that_are_not_public_count_no_views(app, client, status):
    with app.app_context():
        posting_id = make_posting(status=status).id
    assert client.get(f"/jobs/{posting_id}").status_code in (404, 410)
    assert figures(app, posting_id) is None


def test_a_failing_counter_never_fails_the_page(app, client, monkeypatch, caplog):
    with app.app_context():
        posting_id = make_posting().id

    def broken(*args, **kwargs):
        raise OperationalError("UPDATE posting_stats", {}, Exception("database is locked"))

    monkeypatch.setattr(stats, "_write", broken)
    response = client.get(f"/jobs/{posting_id}")
    assert response.status_code == 200
    assert "Surgical Coder" in response.get_data(as_text=True)
    assert "Could not write the view counts of 1 postings" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostingVisitor)) == 0
    monkeypatch.undo()
    assert figures(app, posting_id) == (1, 1, 0)  # kept, and written once the database answers


def test_concurrent_first_views_neither_fail_nor_lose_counts(app):
    with app.app_context():
        posting_id = make_posting().id
    errors = []
    keys = [f"visitor-{n % 5}" for n in range(20)]
    barrier = threading.Barrier(len(keys))

    def view(key):
        try:
            with app.app_context():
                posting = db.session.get(Posting, posting_id)
                db.session.close()  # hold no connection while waiting for the others
                barrier.wait()
                stats.record_view(posting, key)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=view, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert figures(app, posting_id) == (20, 5, 0)


# --- counts gathered per process and written in batches -------------------------------------

def batched(app, seconds=3600.0):
    """Counts kept pending for ``seconds`` (written here only by an explicit flush)."""
    app.config["VIEW_FLUSH_SECONDS"] = seconds
    return stats.pending_counts(app)


def stored(app, posting_id):
    with app.app_context():
        row = db.session.get(PostingStats, posting_id)
        return (row.views, row.unique_views, row.apply_clicks) if row else None


def test_page_views_write_nothing_until_the_batch_is_flushed(app):
    pending = batched(app)
    with app.app_context():
        first, second = make_posting(apply_url=APPLY_URL).id, make_posting(title="Second").id
        engine = db.engine
    writes = []

    def remember(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes.append(statement)

    visitor, other_visitor = app.test_client(), app.test_client()
    event.listen(engine, "before_cursor_execute", remember)
    try:
        for browser in (visitor, visitor, other_visitor):
            assert browser.get(f"/jobs/{first}").status_code == 200
        visitor.get(f"/jobs/{second}")
        post_form(visitor, f"/jobs/{first}/apply-external", {}, page="/login")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert not [w for w in writes if "posting_stats" in w or "posting_visitor" in w]
    assert stored(app, first) is None

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert pending.flush()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert stored(app, first) == (3, 2, 1)
    assert stored(app, second) == (1, 1, 0)
    # One statement for the visitors and one for the counters, whatever the number of postings.
    assert len([w for w in writes if "posting_visitor" in w]) == 1
    assert len([w for w in writes if "posting_stats" in w]) == 1
    assert pending.flush() and stored(app, first) == (3, 2, 1)  # nothing is written twice


def test_the_dashboard_shows_views_still_pending_in_its_process(app):
    client, employer = signed_in_employer(app)
    batched(app)
    mine = posting_by(app, employer, title="Inpatient DRG Coder")
    for _ in range(2):
        app.test_client().get(f"/jobs/{mine}")
    assert stored(app, mine) is None
    html = client.get("/employer").get_data(as_text=True)
    assert dashboard_rows(html)["Inpatient DRG Coder"]["views"] == 2
    assert dashboard_rows(html)["Inpatient DRG Coder"]["unique_views"] == 2


def test_processes_and_hosts_add_to_the_same_figures(app):
    """Each process (here two pending sets on one database) adds its own counts; a visitor
    seen by both counts as one unique view."""
    with app.app_context():
        posting_id = make_posting().id
    here, elsewhere = batched(app), stats.PendingCounts(app)
    for pending, visitors in ((here, ["a", "b", "a"]), (elsewhere, ["b", "c"])):
        for visitor in visitors:
            pending.add(posting_id, views=1, visitor=visitor)
    pending_clicks = stats.PendingCounts(app)
    pending_clicks.add(posting_id, clicks=1)
    assert here.flush() and elsewhere.flush() and pending_clicks.flush()
    assert stored(app, posting_id) == (5, 3, 1)


@pytest.mark.parametrize("error", [
    OperationalError("INSERT INTO posting_stats", {}, Exception("database is locked")),
    RuntimeError("anything else"),
])
def test_a_failed_flush_keeps_the_counts_for_the_next_one(app, monkeypatch, caplog, error):
    pending = batched(app)
    with app.app_context():
        posting_id = make_posting().id
    app.test_client().get(f"/jobs/{posting_id}")
    real_write = stats._write

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(stats, "_write", broken)
    assert pending.flush() is False
    assert "Could not write the view counts of 1 postings" in caplog.text
    app.test_client().get(f"/jobs/{posting_id}")
    monkeypatch.setattr(stats, "_write", real_write)
    assert pending.flush()
    assert stored(app, posting_id) == (2, 2, 0)


def test_counts_of_a_posting_deleted_before_the_flush_are_dropped_alone(app):
    pending = batched(app)
    with app.app_context():
        kept, deleted = make_posting().id, make_posting(title="Gone").id
    for posting_id in (kept, deleted):
        app.test_client().get(f"/jobs/{posting_id}")
    with app.app_context():
        db.session.delete(db.session.get(Posting, deleted))
        db.session.commit()
    assert pending.flush()
    assert stored(app, kept) == (1, 1, 0)
    assert stored(app, deleted) is None


def test_the_background_thread_writes_pending_counts_then_stops(app):
    pending = batched(app, seconds=0.05)
    with app.app_context():
        posting_id = make_posting().id
    app.test_client().get(f"/jobs/{posting_id}")
    deadline = time.monotonic() + 30
    while (stored(app, posting_id) is None or pending.flusher is not None) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(app, posting_id) == (1, 1, 0)
    assert pending.flusher is None  # nothing pending: no thread left waiting


def test_a_process_that_ends_writes_its_pending_counts(app):
    with app.app_context():
        posting_id = make_posting().id
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                                "SEARCH_INDEX_DIR", "UPLOAD_DIR", "SERVER_NAME")}
    script = f"""
from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.posting import Posting
from jobboard.services import stats

app = create_app({{**{config!r}, "TESTING": True, "VIEW_FLUSH_SECONDS": 3600}})
with app.app_context():
    posting = db.session.get(Posting, {posting_id})
    for visitor in ("a", "b", "a"):
        stats.record_view(posting, visitor)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120,
                   cwd=Path(__file__).resolve().parent.parent)
    assert stored(app, posting_id) == (3, 2, 0)


# --- apply on the employer's site ----------------------------------------------------------------

def test_apply_click_is_counted_and_redirected_with_303(app, client):
    with app.app_context():
        posting_id = make_posting(apply_url=APPLY_URL).id
    page = client.get(f"/jobs/{posting_id}")
    html = page.get_data(as_text=True)
    assert f'action="/jobs/{posting_id}/apply-external"' in html
    assert f'href="{APPLY_URL}' not in html.replace("&amp;", "&")
    # Chrome and Safari apply form-action to the redirect that follows the POST.
    csp = page.headers["Content-Security-Policy"]
    assert "form-action 'self' https://careers.example.com" in csp

    response = post_form(client, f"/jobs/{posting_id}/apply-external", {},
                         page=f"/jobs/{posting_id}")
    assert response.status_code == 303
    assert response.headers["Location"] == APPLY_URL
    assert figures(app, posting_id) == (2, 1, 1)


def test_apply_click_needs_the_csrf_token(app, client):
    with app.app_context():
        posting_id = make_posting(apply_url=APPLY_URL).id
    assert client.post(f"/jobs/{posting_id}/apply-external").status_code == 400
    assert figures(app, posting_id) is None


def test_other_pages_keep_the_strict_form_action(app, client):
    assert client.get("/").headers["Content-Security-Policy"].endswith("form-action 'self'")


@pytest.mark.parametrize("status",
                         ["draft", "closed", "expired", "suspended", "on-site", "missing"])
def test_apply_external_is_404_unless_the_posting_is_public_with_an_apply_url(app, client, status):
    with app.app_context():
        if status == "missing":
            posting_id = 9999
        else:
            public = status in ("suspended", "on-site")
            posting = make_posting(status="published" if public else status,
                                   apply_url="" if status == "on-site" else APPLY_URL)
            if status == "suspended":
                from jobboard.services.moderation import unpublish_posting

                unpublish_posting(posting)
            posting_id = posting.id
    response = post_form(client, f"/jobs/{posting_id}/apply-external", {}, page="/login")
    assert response.status_code == 404
    assert figures(app, posting_id) is None


# --- the dashboard ------------------------------------------------------------------------------

def dashboard_rows(html):
    """{title: {figure: n}} from the dashboard's postings table."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        title = re.search(r'<a href="/jobs/\d+/edit">([^<]+)</a>', row)
        cells = re.findall(r'data-figure="(\w+)">(\d+)<', row)
        if title:
            rows[title.group(1)] = {name: int(value) for name, value in cells}
    return rows


def add_applications(posting_id, count):
    for n in range(count):
        seeker = User(email=f"seeker{posting_id}-{n}@example.com", password=PASSWORD, role="seeker")
        db.session.add(Application(posting_id=posting_id, seeker=seeker))
    db.session.commit()


def test_dashboard_shows_each_postings_figures_for_the_right_company_only(app):
    client, employer = signed_in_employer(app)
    mine = posting_by(app, employer, title="Inpatient DRG Coder", apply_url=APPLY_URL)
    posting_by(app, employer, title="Draft Auditor", status="draft")
    with app.app_context():
        theirs = make_posting(author=make_employer(), title="Competitor Coder").id
        add_applications(mine, 2)
        add_applications(theirs, 4)

    visitor, other_visitor = app.test_client(), app.test_client()
    for browser in (visitor, visitor, other_visitor):
        browser.get(f"/jobs/{mine}")
        browser.get(f"/jobs/{theirs}")
    post_form(visitor, f"/jobs/{mine}/apply-external", {}, page="/login")

    html = client.get("/employer").get_data(as_text=True)
    for heading in ("Views", "Unique visitors", "Applications", "Apply clicks"):
        assert f">{heading}</th>" in html
    assert dashboard_rows(html) == {
        "Inpatient DRG Coder":
            {"views": 3, "unique_views": 2, "applications": 2, "apply_clicks": 1},
        "Draft Auditor": {"views": 0, "unique_views": 0, "applications": 0, "apply_clicks": 0},
    }
    assert "Competitor Coder" not in html


def test_dashboard_counts_applications_in_one_grouped_query(app):
    client, employer = signed_in_employer(app)
    for n in range(5):
        posting_id = posting_by(app, employer, title=f"Coder {n}")
        with app.app_context():
            add_applications(posting_id, n)
    statements = []
    with app.app_context():
        engine = db.engine

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        html = client.get("/employer").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert [r["applications"] for r in dashboard_rows(html).values()] == [4, 3, 2, 1, 0]
    # One grouped query per kind of figure, never one per posting.
    assert 1 <= len([s for s in statements if "FROM application" in s]) <= 2


@pytest.mark.parametrize("url", ["https://evil.example;script-src *", "javascript://x.example",
                                 "https://user@careers.example.com/apply"])
def test_only_plain_origins_widen_form_action(app, url):
    from flask import g

    from jobboard.views.helpers import allow_form_target

    with app.test_request_context():
        allow_form_target(url)
        assert g.get("form_targets") is None
