"""Journeys that used to lose work or surprise users: refused résumés, too-long text, double
sends, withdrawing, the employer's dashboard and pipeline, the seeker's lists."""
import io
import re
import threading
from datetime import timedelta

import pytest

from jobboard.extensions import db
from jobboard.models.activity import Report, SavedSearch
from jobboard.models.application import Application, IllegalMove
from jobboard.models.base import utcnow
from jobboard.models.mail import OutboundEmail
from jobboard.models.posting import Posting
from jobboard.models.submission import FormSubmission
from jobboard.models.user import User
from tests.conftest import ONCE_RE, PASSWORD, Auth, confirmation_link, csrf_from, post_form
from tests.factories import make_employer, make_posting
from tests.test_applications import applied, pdf_bytes, seeker_with_resume
from tests.test_postings import FORM


@pytest.fixture
def job(app):
    with app.app_context():
        employer = make_employer(email="boss@example.com")
        return make_posting(author=employer, title="Remote E/M Coder",
                            specialties=["evaluation-management"]).id


def once_of(html, name="once"):
    return next(value for field, value in ONCE_RE.findall(html) if field == name)


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- applying keeps what the seeker wrote ---------------------------------------------------

NOTE = "Six years of E/M audits; I know 99214 versus 99215 cold."


@pytest.mark.parametrize("data, name, reason", [
    (b"just some words, not a PDF at all", "resume.pdf", "Upload a PDF or a Word (.docx) file."),
    (b"MZ\x90\x00" + b"\x00" * 2000, "setup.exe", "Upload a PDF or a Word (.docx) file."),
    (b"", "empty.pdf", "The file is empty."),
])
def test_refused_resume_comes_back_beside_the_field_with_the_note(app, job, data, name, reason):
    client = app.test_client()
    Auth(client).register("seeker")
    page = f"/jobs/{job}"
    response = post_form(client, f"{page}/apply", {"cover_note": NOTE, "resume": (io.BytesIO(data), name)},
                         page=page, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html.split('id="resume"', 1)[1].split("</div>", 1)[0]
    assert reason in field
    assert re.search(r'<textarea[^>]*id="cover_note"[^>]*>\s*' + re.escape(NOTE.replace("'", "&#39;")), html)
    with app.app_context():
        assert count(Application) == 0
        assert db.session.get(FormSubmission, once_of(html)) is None  # free for the corrected form


def test_a_six_megabyte_file_shows_the_apply_form_with_the_reason(app, job):
    client = app.test_client()
    Auth(client).register("seeker")
    big = pdf_bytes() + b"0" * (6 * 1024 * 1024)
    response = post_form(client, f"/jobs/{job}/apply", {"cover_note": NOTE, "resume": (io.BytesIO(big), "cv.pdf")},
                         page=f"/jobs/{job}", content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "<h1>Remote E/M Coder</h1>" in html
    field = html.split('id="resume"', 1)[1].split("</div>", 1)[0]
    assert "This file is larger than 5 MB" in field and "write your cover note again" in field
    assert 'data-max-bytes="5242880"' in html  # the browser checks the size before sending


def test_a_too_long_cover_note_is_refused_not_cut(app, job):
    client = seeker_with_resume(app)
    long_note = "x" * 10_000
    response = post_form(client, f"/jobs/{job}/apply", {"cover_note": long_note}, page=f"/jobs/{job}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Keep the note to 4,000 characters; it has 10000." in html
    assert long_note in html and 'maxlength' not in html.split('id="cover_note"', 1)[1].split(">", 1)[0]
    with app.app_context():
        assert count(Application) == 0


# --- one-time tokens -------------------------------------------------------------------------

def test_the_same_apply_form_sent_twice_applies_once(app, job, mailbox):
    client = seeker_with_resume(app)
    html = client.get(f"/jobs/{job}").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(html), "once": once_of(html), "cover_note": NOTE}
    first = client.post(f"/jobs/{job}/apply", data=fields)
    second = client.post(f"/jobs/{job}/apply", data=fields)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/jobs/{job}"
    assert "This form was already sent" in client.get(f"/jobs/{job}").get_data(as_text=True)
    with app.app_context():
        assert count(Application) == 1
    assert len(mailbox.to("boss@example.com")) == 1


def test_two_simultaneous_publishes_of_one_form_make_one_posting(app):
    from jobboard.services.codes import load_curated_codes

    with app.app_context():
        load_curated_codes()
    clients = [app.test_client(), app.test_client()]
    Auth(clients[0]).register("employer", email="poster@example.com", company_name="Summit Coding")
    Auth(clients[1]).login("poster@example.com")
    html = clients[0].get("/jobs/new").get_data(as_text=True)
    token = once_of(html)
    start, responses = threading.Barrier(2), []

    def publish(client):
        page = client.get("/jobs/new").get_data(as_text=True)
        fields = {**FORM, "action": "publish", "csrf_token": csrf_from(page), "once": token}
        start.wait()
        responses.append(client.post("/jobs/new", data=fields))

    threads = [threading.Thread(target=publish, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status_code for r in responses) == [302, 302]
    with app.app_context():
        [posting] = db.session.scalars(db.select(Posting)).all()
        assert db.session.get(FormSubmission, token).result_url == f"/jobs/{posting.id}/edit"
    # The slower send goes where the first one's result is, or to the dashboard with a message.
    assert {r.headers["Location"] for r in responses} <= {f"/jobs/{posting.id}/edit", "/employer"}


def test_register_save_search_and_report_are_sent_once(app, job):
    client = app.test_client()
    html = client.get("/register").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(html), "once": once_of(html), "role": "seeker", "name": "Ann",
              "email": "ann@example.com", "password": "Sturdy-passphrase-42", "confirm": "Sturdy-passphrase-42"}
    first = client.post("/register", data=fields)
    assert first.status_code == 302 and first.headers["Location"] == "/register/check-email"
    other = app.test_client()  # the second send comes from a browser without the new session
    again = other.post("/register", data={**fields, "csrf_token": csrf_from(other.get("/register").get_data(
        as_text=True))})
    assert again.status_code == 302 and again.headers["Location"] == "/register/check-email"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail).where(
            OutboundEmail.recipient == "ann@example.com")) == 1  # one account, one link
    assert Auth(client).confirm(confirmation_link(app, "ann@example.com")).status_code == 302

    page = client.get("/jobs?q=coder").get_data(as_text=True)
    search = {"csrf_token": csrf_from(page), "once": once_of(page), "name": "E/M", "query": "q=coder",
              "frequency": "weekly"}
    client.post("/seeker/searches", data=search)
    client.post("/seeker/searches", data=search)

    page = client.get(f"/jobs/{job}").get_data(as_text=True)
    report = {"report-csrf_token": csrf_from(page), "report-once": once_of(page, "report-once"),
              "report-reason": "spam"}
    client.post(f"/jobs/{job}/report", data=report)
    client.post(f"/jobs/{job}/report", data=report)
    with app.app_context():
        assert count(User) == 2 and count(SavedSearch) == 1 and count(Report) == 1


def test_the_worker_prunes_form_tokens_past_their_retention(app, job, caplog):
    from jobboard.worker import prune_old_rows

    app.config["FORM_SUBMISSION_RETENTION"] = 3600
    client = seeker_with_resume(app)
    page = client.get(f"/jobs/{job}").get_data(as_text=True)
    report = {"report-csrf_token": csrf_from(page), "report-once": once_of(page, "report-once"),
              "report-reason": "spam"}
    assert client.post(f"/jobs/{job}/report", data=report).status_code == 303
    old = report["report-once"]
    with app.app_context():
        tokens = set(db.session.scalars(db.select(FormSubmission.token)))
        assert old in tokens and len(tokens) > 1
        db.session.get(FormSubmission, old).created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
        with caplog.at_level("INFO"):
            prune_old_rows()
        assert set(db.session.scalars(db.select(FormSubmission.token))) == tokens - {old}
    assert "Pruned 1 used form tokens." in caplog.text


def test_a_tampered_token_is_refused_with_a_message(app, job):
    client = seeker_with_resume(app)
    response = post_form(client, f"/jobs/{job}/apply", {"cover_note": NOTE, "once": "<script>"}, page=f"/jobs/{job}")
    assert response.status_code == 422
    assert "Reload the page and send the form again." in response.get_data(as_text=True)
    with app.app_context():
        assert count(Application) == 0


# --- nothing is cut silently on the posting form --------------------------------------------

@pytest.fixture
def employer_client(app):
    from jobboard.services.codes import load_curated_codes

    with app.app_context():
        load_curated_codes()
    client = app.test_client()
    Auth(client).register("employer", company_name="Summit Coding")
    return client


@pytest.mark.parametrize("changes, message", [
    ({"title": "T" * 10_000}, "Keep this to 200 characters; it has 10000."),
    ({"description": "word " * 5_000}, "Keep this to 20,000 characters; it has 25000."),
    ({"expires_at": (utcnow() - timedelta(days=3)).date().isoformat()},
     "The closing date is in the past: choose today or a later date."),
])
def test_posting_form_refuses_rather_than_changes(app, employer_client, changes, message):
    response = post_form(employer_client, "/jobs/new", {**FORM, **changes, "action": "publish"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if "title" in changes:
        assert 'value="' + "T" * 10_000 + '"' in html and "maxlength" not in html
    with app.app_context():
        assert count(Posting) == 0


# --- withdrawing -----------------------------------------------------------------------------

def test_withdraw_asks_first_warns_at_interview_and_can_be_undone(app, job):
    applicant, application_id = applied(app, job)
    with app.app_context():
        db.session.get(Application, application_id).move_to("interview")
        db.session.commit()
    profile = applicant.get("/seeker").get_data(as_text=True)
    assert f'href="/seeker/applications/{application_id}/withdraw">Withdraw…</a>' in profile
    confirm = applicant.get(f"/seeker/applications/{application_id}/withdraw").get_data(as_text=True)
    assert "You are at the interview stage." in confirm and "undo this from your profile for" in confirm
    with app.app_context():
        assert db.session.get(Application, application_id).stage == "interview"  # GET changed nothing

    page = f"/seeker/applications/{application_id}/withdraw"
    assert post_form(applicant, page, {}).status_code == 302
    profile = applicant.get("/seeker").get_data(as_text=True)
    assert "Undo withdrawal" in profile
    post_form(applicant, f"/seeker/applications/{application_id}/undo-withdraw", {}, page="/seeker")
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.stage == "interview" and application.withdrawn_from is None


def test_undo_has_a_time_limit_and_other_seekers_get_404(app, job):
    applicant, application_id = applied(app, job)
    stranger = app.test_client()
    Auth(stranger).register("seeker")
    assert stranger.get(f"/seeker/applications/{application_id}/withdraw").status_code == 404
    with app.app_context():
        application = db.session.get(Application, application_id)
        application.withdraw(now=utcnow() - timedelta(days=8))
        db.session.commit()
        assert not application.can_undo_withdraw()
        with pytest.raises(IllegalMove):
            application.undo_withdraw()
    post_form(applicant, f"/seeker/applications/{application_id}/undo-withdraw", {}, page="/seeker")
    assert "can no longer be taken back" in applicant.get("/seeker").get_data(as_text=True)


# --- the employer's dashboard and pipeline ----------------------------------------------------

def test_dashboard_counts_applicants_by_stage_filters_sorts_and_pages(app, job):
    applied(app, job)
    with app.app_context():
        boss = db.session.scalar(db.select(User).where(User.email == "boss@example.com"))
        make_posting(author=boss, title="Aardvark Auditor", status="draft")
        for n in range(21):
            make_posting(author=boss, title=f"Closed coder {n:02}", status="closed")
        year = db.session.get(Posting, job).published_at.year
    employer = app.test_client()
    Auth(employer).login("boss@example.com")
    html = employer.get("/employer?status=published").get_data(as_text=True)
    row = html.split("Remote E/M Coder", 1)[1].split("</tr>", 1)[0]
    assert '<span class="text-nowrap" data-stage="applied">Applied 1</span>' in row
    assert f", {year}</td>" in row
    assert "Closed coder" not in html and "Published (1)" in html and "Closed (21)" in html
    by_title = employer.get("/employer?sort=title").get_data(as_text=True)
    assert by_title.index("Aardvark Auditor") < by_title.index("Closed coder 00")
    assert "Remote E/M Coder" not in by_title  # page 1 of 2 holds 20 of 23
    second = employer.get("/employer?sort=title&page=2").get_data(as_text=True)
    assert "Remote E/M Coder" in second
    beyond = employer.get("/employer?page=9").get_data(as_text=True)
    assert "No postings on page 9." in beyond and 'href="/employer?page=2">Go to the last page' in beyond


def test_bulk_reject_rejects_only_open_applicants_of_that_posting(app, job, mailbox):
    first, first_id = applied(app, job)
    second = seeker_with_resume(app, "second@example.com")
    post_form(second, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        second_id = db.session.scalar(db.select(Application.id).where(Application.id != first_id))
        db.session.get(Application, second_id).move_to("offer")
        db.session.get(Application, second_id).move_to("hired")
        db.session.commit()
    employer = app.test_client()
    Auth(employer).login("boss@example.com")
    mailbox.clear()
    page = f"/employer/jobs/{job}/applicants"
    assert f'value="{first_id}" id="pick-{first_id}" form="bulk-reject"' in employer.get(page).get_data(as_text=True)
    response = post_form(employer, f"{page}/reject", {"application": [str(first_id), str(second_id), "999"]},
                         page=page)
    assert response.status_code == 302
    assert "1 applicant marked not selected." in employer.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, first_id).stage == "rejected"
        assert db.session.get(Application, second_id).stage == "hired"
    assert [m["To"] for m in mailbox.messages] == ["applicant@example.com"]


def test_stage_rules_live_on_the_model(app, job):
    _, application_id = applied(app, job)
    with app.app_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(IllegalMove):
            application.move_to("hired")  # an offer comes first
        application.move_to("offer")
        application.move_to("screening")  # back
        application.reject()
        application.move_to("interview")  # a rejection taken back
        with pytest.raises(IllegalMove):
            application.move_to("withdrawn")
        assert application.stage == "interview"


# --- the seeker's lists ------------------------------------------------------------------------

def test_recommendations_leave_out_jobs_already_applied_to(app, job):
    client = seeker_with_resume(app)
    post_form(client, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["evaluation-management"]})

    def recommended():
        html = client.get("/seeker").get_data(as_text=True)
        return html.split('id="recommended"', 1)[1].split("</section>", 1)[0]

    assert f'/jobs/{job}"' in recommended()
    post_form(client, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    assert f'/jobs/{job}"' not in recommended()


def test_a_visitor_saves_a_job_after_signing_in(app, job):
    client = app.test_client()
    html = client.get(f"/jobs/{job}").get_data(as_text=True)
    assert f'href="/login?next=/jobs/{job}?save%3D1">Save this job</a>' in html
    email, _ = Auth(client).register("seeker")
    Auth(client).logout()
    login = f"/login?next=/jobs/{job}?save%3D1"
    response = post_form(client, login, {"email": email, "password": PASSWORD})
    assert response.headers["Location"] == f"/jobs/{job}?save=1"
    page = client.get(f"/jobs/{job}?save=1").get_data(as_text=True)
    assert "You are signed in. Save this job to your list?" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["saved_job"])) == 0
    post_form(client, f"/jobs/{job}/save", {}, page=f"/jobs/{job}?save=1")
    assert "Remove from saved jobs" in client.get(f"/jobs/{job}").get_data(as_text=True)


def test_saved_search_can_be_renamed_and_edited(app):
    client = app.test_client()
    Auth(client).register("seeker")
    post_form(client, "/seeker/searches", {"name": "Surgery", "query": "q=surgery&state=CO",
                                           "frequency": "weekly"}, page="/jobs")
    with app.app_context():
        search_id = db.session.scalar(db.select(SavedSearch.id))
    edit = f"/seeker/searches/{search_id}/edit"
    assert f'href="{edit}">Rename or edit</a>' in client.get("/seeker").get_data(as_text=True)
    assert 'value="surgery"' in client.get(edit).get_data(as_text=True)
    too_long = post_form(client, edit, {"name": "n" * 300, "words": "x", "frequency": "daily"})
    assert too_long.status_code == 422 and "Keep the name to 120 characters; it has 300." in too_long.get_data(
        as_text=True)
    post_form(client, edit, {"name": "Lymph node surgery", "words": '"sentinel lymph node"',
                             "frequency": "daily"})
    with app.app_context():
        search = db.session.get(SavedSearch, search_id)
        assert (search.name, search.frequency, search.alerts) == ("Lymph node surgery", "daily", False)
        assert search.query == "q=%22sentinel+lymph+node%22&state=CO"
    other = app.test_client()
    Auth(other).register("seeker")
    assert other.get(edit).status_code == 404


# --- /jobs: no dead ends -------------------------------------------------------------------

@pytest.fixture
def listed(app):
    """25 open postings: two pages of 20, the first one mentioning risk adjustment."""
    with app.app_context():
        author = make_employer(email="lister@example.com")
        ids = [make_posting(author=author, title=f"Coder {n:02}",
                            description="Risk adjustment coding for HCC programs." if n == 0
                            else "Outpatient coding.").id for n in range(25)]
    return ids


def test_a_bad_filter_keeps_the_search_and_says_why_beside_it(client, listed):
    response = client.get("/jobs", query_string={"q": "coder", "code": "3890", "state": "CO"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="coder"' in html and '<option value="CO" selected>' in html
    code_field = html.split('id="search-code"', 1)[1].split("</div>", 2)
    assert 'value="3890"' in code_field[0] and "is-invalid" in html.split('id="search-code"', 1)[0][-80:]
    assert 'id="search-code-error">code: ' in html
    assert "<h1 class=\"h2 mb-3\">Jobs for “coder”</h1>" in html
    response = client.get("/jobs", query_string={"q": "coder", "specialty": "nope"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "specialty: unknown specialty" in html and "The rest of your search is kept below." in html


def test_the_search_box_example_finds_jobs(client, listed):
    html = client.get("/jobs").get_data(as_text=True)
    placeholder = re.search(r'id="search-q"[^>]*placeholder="([^"]+)"', html).group(1)
    phrase = re.search(r"&quot;([^&]+)&quot;", placeholder).group(1)
    body = client.get("/api/v1/jobs", query_string={"q": f'"{phrase}"'}).get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == listed[0]


def test_a_quoted_phrase_with_no_match_offers_the_words(client, listed):
    html = client.get("/jobs", query_string={"q": '"adjustment risk"'}).get_data(as_text=True)
    assert 'href="/jobs?q=adjustment+risk">search for them without the quotes</a>' in html


def test_a_page_past_the_end_says_so_and_links_to_the_last(client, listed):
    response = client.get("/jobs", query_string={"page": "999"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No jobs on page 999" in html and "This search has 2 pages" in html
    assert 'href="/jobs?page=2">Go to the last page</a>' in html
    assert "results stop at" not in html and 'class="card mb-3"' not in html


def test_pagination_shows_first_previous_window_next_last(app):
    template = app.jinja_env.from_string(
        '{% from "_macros.html" import pagination %}{{ pagination(page, pages, link) }}')

    def link(page):
        return f"/p{page}"

    with app.test_request_context():
        html = template.render(page=8, pages=15, link=link)
    labels = re.findall(r'class="page-link"[^>]*>([^<]+)<', html)
    assert labels == ["Previous", "1", "…", "6", "7", "8", "9", "10", "…", "15", "Next"]
    assert 'href="/p8" aria-current="page"' in html and 'href="/p7" rel="prev"' in html
    with app.test_request_context():
        first = template.render(page=1, pages=3, link=link)
    assert re.findall(r'class="page-link"[^>]*>([^<]+)<', first) == ["Previous", "1", "2", "3", "Next"]


def test_result_cards_show_the_date_and_what_the_seeker_did(app, listed):
    client = seeker_with_resume(app)
    applied_to, saved_one = listed[-1], listed[-2]  # the newest, on page 1
    post_form(client, f"/jobs/{applied_to}/apply", {}, page=f"/jobs/{applied_to}")
    post_form(client, f"/jobs/{saved_one}/save", {}, page=f"/jobs/{saved_one}")
    html = client.get("/jobs", query_string={"sort": "newest", "per_page": "20"}).get_data(as_text=True)
    cards = {int(m.group(1)): m.group(0) for m in re.finditer(
        r'<article class="card mb-3">\s*<div class="card-body">\s*<h3[^>]*><a href="/jobs/(\d+)">.*?</article>',
        html, re.S)}
    with app.app_context():
        posted = db.session.get(Posting, applied_to).published_at.strftime("%b %d, %Y")
    assert f"Posted {posted}</time>" in cards[applied_to]
    assert "mark-applied" in cards[applied_to] and "mark-saved" not in cards[applied_to]
    assert "mark-saved" in cards[saved_one] and "mark-applied" not in cards[saved_one]
    assert all("mark-" not in card for i, card in cards.items() if i not in (applied_to, saved_one))


def test_the_button_lock_script_is_static_under_the_same_csp(client):
    response = client.get("/register")
    html = response.get_data(as_text=True)
    assert '<script src="/static/js/forms.js"></script>' in html
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", html)
    script = client.get("/static/js/forms.js")
    assert script.status_code == 200 and b"dataset.sending" in script.data


def test_applying_to_a_draft_never_shows_its_text(app, job):
    with app.app_context():
        boss = db.session.scalar(db.select(User).where(User.email == "boss@example.com"))
        draft = make_posting(author=boss, title="Secret reorganisation", status="draft",
                             description="Internal plans nobody outside may read.").id
    client = seeker_with_resume(app)
    response = post_form(client, f"/jobs/{draft}/apply", {"cover_note": "x" * 5000}, page=f"/jobs/{job}")
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 404
    with app.app_context():
        assert count(Application) == 0
