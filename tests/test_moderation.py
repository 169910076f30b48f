"""Reports of postings, the admins' queue, unpublishing postings and suspending accounts."""
import pytest
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.activity import Report
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import DomainError
from jobboard.services.accounts import create_admin
from jobboard.services.moderation import report_posting
from tests.conftest import PASSWORD, Auth, post_form
from tests.factories import make_employer, make_posting

ADMIN = "admin@example.com"


def reports(app):
    with app.app_context():
        return [(r.posting_id, r.reporter_id, r.reason, r.note, r.resolution)
                for r in db.session.scalars(select(Report).order_by(Report.id))]


def report(client, posting_id, reason="spam", note=""):
    return post_form(client, f"/jobs/{posting_id}/report",
                     {"report-reason": reason, "report-note": note}, page=f"/jobs/{posting_id}")


def user_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def signed_in(app, role, **extra):
    """A fresh client signed in as a new user of ``role``, and the user's email."""
    client = app.test_client()
    if role == "admin":
        with app.app_context():
            create_admin(ADMIN, PASSWORD)
        Auth(client).login(ADMIN)
        return client, ADMIN
    email, _ = Auth(client).register(role, **extra)
    return client, email


# --- reporting ----------------------------------------------------------------------------------

def test_a_visitor_reports_a_posting(app, client):
    with app.app_context():
        posting_id = make_posting().id
    page = client.get(f"/jobs/{posting_id}").get_data(as_text=True)
    assert "Report this posting" in page
    assert '<label class="form-label" for="report-reason">Reason</label>' in page

    response = report(client, posting_id, "spam", "  Asks applicants for a training fee.  ")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/jobs/{posting_id}"
    page = client.get(f"/jobs/{posting_id}").get_data(as_text=True)
    assert "An admin will review this posting" in page
    assert reports(app) == [(posting_id, None, "spam", "Asks applicants for a training fee.", "")]


def test_a_seeker_reports_once_while_the_report_is_open(app):
    client, email = signed_in(app, "seeker")
    with app.app_context():
        posting_id = make_posting().id
    assert report(client, posting_id, "misleading").status_code == 303
    repeat = report(client, posting_id, "spam")
    assert repeat.status_code == 303
    page = client.get(repeat.headers["Location"]).get_data(as_text=True)
    assert "You already reported this posting" in page
    assert reports(app) == [(posting_id, user_id(app, email), "misleading", "", "")]

    other, _ = signed_in(app, "seeker")
    assert report(other, posting_id, "spam").status_code == 303
    assert len(reports(app)) == 2


@pytest.mark.parametrize("reason, note, message", [
    ("", "", "Choose a reason."),
    ("fee", "", "Not a valid choice."),
    ("other", "x" * 2001, "Write at most 2000 characters."),
])
def test_a_report_needs_a_listed_reason_and_a_short_note(app, client, reason, note, message):
    with app.app_context():
        posting_id = make_posting().id
    response = report(client, posting_id, reason, note)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reports(app) == []
    assert report(client, posting_id, "other", "x" * 2000).status_code == 303


def test_the_service_refuses_unlisted_reasons(app):
    with app.app_context():
        posting = make_posting()
        with pytest.raises(DomainError) as error:
            report_posting(posting, None, "fee")
        assert error.value.field == "reason"


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_only_public_postings_can_be_reported(app, client, status):
    with app.app_context():
        posting_id = make_posting(status=status).id
    response = post_form(client, f"/jobs/{posting_id}/report", {"report-reason": "spam"},
                         page="/login")
    assert response.status_code == 404
    assert reports(app) == []


def test_reports_are_rate_limited(app, client):
    with app.app_context():
        posting_id = make_posting().id
    statuses = [report(client, posting_id).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(reports(app)) == 5


# --- who may moderate ---------------------------------------------------------------------------

def admin_posts(posting_id, user_id):
    return [f"/admin/postings/{posting_id}/dismiss", f"/admin/postings/{posting_id}/unpublish",
            f"/admin/users/{user_id}/suspend", f"/admin/users/{user_id}/unsuspend"]


@pytest.mark.parametrize("role", ["visitor", "seeker", "employer"])
def test_only_admins_moderate(app, role):
    if role == "visitor":
        client = app.test_client()
    else:
        client, _ = signed_in(app, role)
    with app.app_context():
        posting = make_posting()
        posting_id, author_id = posting.id, posting.created_by_id
    report(app.test_client(), posting_id)

    expected = 302 if role == "visitor" else 403
    response = client.get("/admin")
    assert response.status_code == expected
    if role == "visitor":
        assert response.headers["Location"].endswith("/login?next=/admin")
    token_page = "/login" if role == "visitor" else "/"
    for url in admin_posts(posting_id, author_id):
        assert post_form(client, url, {}, page=token_page).status_code == expected, url
    with app.app_context():
        assert db.session.get(Posting, posting_id).suspended_at is None
        assert db.session.get(User, author_id).active
    assert reports(app)[0][4] == ""


def test_the_nav_links_admins_to_moderation(app):
    client, _ = signed_in(app, "admin")
    assert 'href="/admin">Moderation</a>' in client.get("/").get_data(as_text=True)
    seeker, _ = signed_in(app, "seeker")
    assert 'href="/admin"' not in seeker.get("/").get_data(as_text=True)


# --- the queue ----------------------------------------------------------------------------------

def test_the_queue_lists_postings_with_open_reports_most_reported_first(app):
    admin, _ = signed_in(app, "admin")
    with app.app_context():
        quiet = make_posting(title="Quiet Coder").id
        busy = make_posting(title="Busy Coder").id
    report(app.test_client(), quiet, "filled")
    report(app.test_client(), busy, "spam", "<script>alert(1)</script>")
    report(app.test_client(), busy, "misleading", "Pay is per visit, not hourly.")

    html = admin.get("/admin").get_data(as_text=True)
    assert html.index("Busy Coder") < html.index("Quiet Coder")
    assert '<td class="report-count" data-label="Reports">2</td>' in html
    assert '<td class="report-count" data-label="Reports">1</td>' in html
    for label in ("Spam or scam", "Misleading pay or details", "The job is filled or closed"):
        assert label in html
    assert "Pay is per visit, not hourly." in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_dismissing_closes_the_reports_and_keeps_the_posting(app, client):
    admin, _ = signed_in(app, "admin")
    with app.app_context():
        posting_id = make_posting(title="Fine Coder").id
    report(app.test_client(), posting_id)
    report(app.test_client(), posting_id, "other")

    response = post_form(admin, f"/admin/postings/{posting_id}/dismiss", {}, page="/admin")
    assert response.status_code == 303
    assert "Dismissed 2 reports." in admin.get("/admin").get_data(as_text=True)
    assert [r[4] for r in reports(app)] == ["dismissed", "dismissed"]
    assert "No open reports." in admin.get("/admin").get_data(as_text=True)
    assert client.get(f"/jobs/{posting_id}").status_code == 200


# --- hidden everywhere --------------------------------------------------------------------------

TITLE = "Sentinel Node Surgical Coder"


def public_sightings(client, posting_id, company_slug):
    """Where the posting shows to the public: page, company, code, specialty, API, home, sitemap."""
    pages = {
        "posting": f"/jobs/{posting_id}", "company": f"/companies/{company_slug}",
        "code": "/codes/38900", "specialty": "/specialties/general-surgery", "home": "/",
    }
    seen = {name for name, url in pages.items() if TITLE in client.get(url).get_data(as_text=True)}
    if client.get(f"/api/v1/jobs/{posting_id}").status_code == 200:
        seen.add("api")
    if f"/jobs/{posting_id}<" in client.get("/sitemap.xml").get_data(as_text=True):
        seen.add("sitemap")
    return seen


EVERYWHERE = {"posting", "company", "code", "specialty", "home", "api", "sitemap"}


def public_posting(app, email=None):
    with app.app_context():
        author = (db.session.scalar(select(User).where(User.email == email)) if email
                  else make_employer())
        posting = make_posting(author=author, title=TITLE, cpt_codes=["38900"])
        return posting.id, posting.company.slug, posting.created_by_id


def test_unpublishing_hides_the_posting_everywhere(app, client):
    admin, _ = signed_in(app, "admin")
    posting_id, slug, _ = public_posting(app)
    report(app.test_client(), posting_id, "not_coding")
    assert public_sightings(client, posting_id, slug) == EVERYWHERE

    response = post_form(admin, f"/admin/postings/{posting_id}/unpublish", {}, page="/admin")
    assert response.status_code == 303
    assert public_sightings(client, posting_id, slug) == set()
    assert client.get(f"/jobs/{posting_id}").status_code == 404
    assert reports(app)[0][4] == "unpublished"
    with app.app_context():
        assert db.session.get(Posting, posting_id).suspended_at is not None


def test_the_employer_sees_the_unpublished_posting_marked_on_the_dashboard(app):
    employer, email = signed_in(app, "employer")
    admin, _ = signed_in(app, "admin")
    posting_id, _, _ = public_posting(app, email)
    post_form(admin, f"/admin/postings/{posting_id}/unpublish", {}, page="/admin")
    html = employer.get("/employer").get_data(as_text=True)
    assert TITLE in html and "suspended</span>" in html


# --- suspending accounts ------------------------------------------------------------------------

def test_a_suspended_user_is_signed_out_cannot_sign_in_and_their_postings_disappear(app, client):
    employer, email = signed_in(app, "employer")
    remembered = app.test_client()
    Auth(remembered).login(email, remember="y")
    remember_cookie = remembered.get_cookie("remember_token", domain="jobs.test").value
    replay = app.test_client()
    replay.set_cookie("remember_token", remember_cookie, domain="jobs.test")
    assert replay.get("/employer").status_code == 200
    admin, _ = signed_in(app, "admin")
    posting_id, slug, author_id = public_posting(app, email)
    with app.app_context():
        company = db.session.get(User, author_id).company
        colleague = make_employer(company)
        kept = make_posting(author=colleague, title="Colleague Coder").id
    report(app.test_client(), posting_id, "spam")
    assert employer.get("/employer").status_code == 200

    response = post_form(admin, f"/admin/users/{author_id}/suspend", {}, page="/admin")
    assert response.status_code == 303
    assert f"{email} is suspended" in admin.get("/admin").get_data(as_text=True)

    # Their session and remember-me cookies, replayed, no longer sign them in.
    assert employer.get("/employer").status_code == 302
    assert replay.get("/employer").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember_cookie, domain="jobs.test")
    assert fresh.get("/employer").status_code == 302
    login = Auth(app.test_client()).login(email)
    assert login.status_code == 401
    assert "This account is suspended" in login.get_data(as_text=True)

    assert public_sightings(client, posting_id, slug) == set()
    assert client.get(f"/jobs/{kept}").status_code == 200
    assert "Colleague Coder" in client.get(f"/companies/{slug}").get_data(as_text=True)
    assert reports(app)[0][4] == "author suspended"
    with app.app_context():
        user = db.session.get(User, author_id)
        assert user.active is False


def test_a_closed_posting_of_a_suspended_author_is_gone_not_closed(app, client):
    admin, _ = signed_in(app, "admin")
    with app.app_context():
        posting = make_posting(status="closed")
        posting_id, author_id = posting.id, posting.created_by_id
    assert client.get(f"/jobs/{posting_id}").status_code == 410
    post_form(admin, f"/admin/users/{author_id}/suspend", {}, page="/admin")
    assert client.get(f"/jobs/{posting_id}").status_code == 404


def test_lifting_a_suspension_restores_sign_in_and_postings(app, client):
    _, email = signed_in(app, "employer")
    admin, _ = signed_in(app, "admin")
    posting_id, slug, author_id = public_posting(app, email)
    post_form(admin, f"/admin/users/{author_id}/suspend", {}, page="/admin")
    assert email in admin.get("/admin").get_data(as_text=True)

    response = post_form(admin, f"/admin/users/{author_id}/unsuspend", {}, page="/admin")
    assert response.status_code == 303
    assert f"{email} can sign in again." in admin.get("/admin").get_data(as_text=True)
    assert Auth(app.test_client()).login(email).status_code == 302
    assert public_sightings(client, posting_id, slug) == EVERYWHERE


def test_admins_cannot_be_suspended(app):
    admin, _ = signed_in(app, "admin")
    admin_id = user_id(app, ADMIN)
    response = post_form(admin, f"/admin/users/{admin_id}/suspend", {}, page="/admin")
    assert response.status_code == 303
    assert "Admin accounts cannot be suspended" in admin.get("/admin").get_data(as_text=True)
    assert admin.get("/admin").status_code == 200


def test_unknown_targets_are_404(app):
    admin, _ = signed_in(app, "admin")
    for url in admin_posts(9999, 9999):
        assert post_form(admin, url, {}, page="/admin").status_code == 404, url
