"""Emailed links come from SITE_URL, never from the request's Host header; unknown hosts get 400."""
import re

import pytest

from jobboard import create_app
from jobboard.config import InvalidSetting
from jobboard.extensions import db
from jobboard.models.activity import SavedSearch
from tests.conftest import CONFIRM_LINK_RE, Auth, post_form
from tests.factories import make_employer, make_posting
from tests.test_alerts import age, saved_search
from tests.test_applications import move, pdf_bytes, upload

SITE = "https://medcodejobs.example"


@pytest.fixture
def app_config():
    return {"SITE_URL": SITE + "/"}


def hostile(client):
    """Every request of ``client`` now says ``Host: evil.example``."""
    client.environ_base["HTTP_HOST"] = "evil.example"
    return client


def links(body):
    return re.findall(r"https?://\S+", body)


def test_reset_requested_with_a_hostile_host_mails_a_link_on_site_url(app, mailbox):
    Auth(app.test_client()).register("seeker", email="victim@example.com")
    attacker = hostile(app.test_client())
    response = post_form(attacker, "/reset-password", {"email": "victim@example.com"})
    assert response.status_code == 302
    [message] = mailbox.to("victim@example.com")
    [link] = links(mailbox.body(message))
    assert link.startswith(SITE + "/reset-password/")
    assert "evil.example" not in mailbox.body(message)


def test_application_stage_and_alert_mails_link_to_site_url(app, mailbox, runner):
    with app.app_context():
        posting_id = make_posting(author=make_employer(email="boss@example.com"), title="HCC coder",
                                  specialties=["risk-adjustment"], arrangement="remote").id
    seeker = hostile(app.test_client())
    Auth(seeker).register("seeker", email="applicant@example.com", name="Jordan Reyes")
    upload(seeker, pdf_bytes(), "cv.pdf")
    post_form(seeker, f"/jobs/{posting_id}/apply", {}, page=f"/jobs/{posting_id}")
    [application_mail] = mailbox.to("boss@example.com")
    assert links(mailbox.body(application_mail)) == [f"{SITE}/employer/jobs/{posting_id}/applicants"]
    [copy] = mailbox.to("applicant@example.com")  # the seeker's copy of the application
    assert links(mailbox.body(copy)) == [f"{SITE}/jobs/{posting_id}", f"{SITE}/seeker"]
    mailbox.clear()

    employer = hostile(app.test_client())
    Auth(employer).login("boss@example.com")
    with app.app_context():
        application_id = db.session.scalar(db.text("SELECT id FROM application"))
    move(employer, application_id, "screening")
    [stage_mail] = mailbox.to("applicant@example.com")
    assert links(mailbox.body(stage_mail)) == [f"{SITE}/seeker"]

    search_id = saved_search(app, seeker, "arrangement=remote")
    with app.app_context():
        make_posting(title="Second HCC coder", specialties=["risk-adjustment"], arrangement="remote")
    age(app, search_id, 1)
    mailbox.clear()
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    [alert] = mailbox.to("applicant@example.com")
    alert_links = links(mailbox.body(alert))
    assert len(alert_links) == 3 and all(link.startswith(SITE + "/") for link in alert_links)
    assert alert_links[1] == f"{SITE}/jobs?arrangement=remote"
    assert alert_links[2].startswith(f"{SITE}/seeker/alerts/unsubscribe/")
    with app.app_context():
        assert db.session.get(SavedSearch, search_id).last_alert_at is not None


def test_registration_and_team_mails_link_to_site_url(app, mailbox):
    """Confirmation, "someone tried", join request, approval and invitation mails, each asked
    for with a hostile Host header, link only to SITE_URL."""
    with app.app_context():
        boss = make_employer(email="boss@example.com")
        code, company = boss.company.join_code, boss.company.name
    newcomer = hostile(app.test_client())
    Auth(newcomer).register("employer", email="new@example.com", follow_link=False, join_code=code)
    [confirmation] = mailbox.to("new@example.com")
    assert [link.split("/confirm-email/")[0] for link in links(mailbox.body(confirmation))] == [SITE]
    Auth(hostile(app.test_client())).register("seeker", email="boss@example.com", follow_link=False)
    [tried] = mailbox.to("boss@example.com")
    assert links(mailbox.body(tried)) and all(link.startswith(SITE + "/") for link in links(mailbox.body(tried)))
    mailbox.clear()

    Auth(newcomer).confirm(CONFIRM_LINK_RE.search(mailbox.body(confirmation)).group(1))
    [notice] = mailbox.to("boss@example.com")
    assert notice["Subject"].endswith(f"asks to join {company}")
    assert links(mailbox.body(notice)) == [f"{SITE}/employer/team"]

    employer = hostile(app.test_client())
    Auth(employer).login("boss@example.com")
    with app.app_context():
        request_id = db.session.scalar(db.text("SELECT id FROM company_join_request"))
    post_form(employer, f"/employer/team/requests/{request_id}/approve", {}, page="/employer/team")
    [joined] = mailbox.to("new@example.com")[-1:]
    assert links(mailbox.body(joined)) == [f"{SITE}/employer"]
    post_form(employer, "/employer/team/invitations", {"email": "invited@example.com"}, page="/employer/team")
    [invitation] = mailbox.to("invited@example.com")
    [link] = links(mailbox.body(invitation))
    assert link.startswith(f"{SITE}/register?role=employer&join_code=")
    assert "evil.example" not in "".join(mailbox.body(m) for m in (notice, joined, invitation, tried))


def test_site_url_with_a_path_prefix(app):
    from jobboard.urls import external_url

    app.config["SITE_URL"] = "https://example.org/coders"
    with app.app_context():
        assert external_url("postings.detail", posting_id=7) == "https://example.org/coders/jobs/7"


@pytest.mark.parametrize("app_config", [{"TRUSTED_HOSTS": ["jobs.test", ".medcodejobs.example"]}])
def test_unknown_host_gets_a_clear_400(app, client):
    assert client.get("/jobs").status_code == 200
    assert client.get("/jobs", headers={"Host": "www.medcodejobs.example"}).status_code == 200
    for method in (client.get, client.post):
        response = method("/reset-password", headers={"Host": "evil.example"})
        assert response.status_code == 400
        assert "does not answer for the host name" in response.get_data(as_text=True)
    response = client.get("/api/v1/jobs", headers={"Host": "evil.example:8080"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unknown_host"


def production(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret-from-the-environment")
    for name in ("SITE_URL", "TRUSTED_HOSTS", "SECURE_TRANSPORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("site_url", [None, "jobs.example.com", "ftp://jobs.example.com",
                                      "https://jobs.example.com/?x=1", "https://user:pw@jobs.example.com"])
def test_refuses_to_start_without_a_usable_site_url(tmp_path, monkeypatch, site_url):
    production(monkeypatch, tmp_path, **({"SITE_URL": site_url} if site_url else {}))
    with pytest.raises(InvalidSetting, match="SITE_URL"):
        create_app()


def test_production_trusts_the_site_url_host_by_default(tmp_path, monkeypatch):
    production(monkeypatch, tmp_path, SITE_URL="https://jobs.example.com/")
    app = create_app()
    assert app.config["SITE_URL"] == "https://jobs.example.com"
    assert app.config["TRUSTED_HOSTS"] == ["jobs.example.com"]
    production(monkeypatch, tmp_path, SITE_URL="https://jobs.example.com",
               TRUSTED_HOSTS="jobs.example.com, localhost")
    assert create_app().config["TRUSTED_HOSTS"] == ["jobs.example.com", "localhost"]


def test_debug_and_testing_start_without_site_url(tmp_path, monkeypatch):
    production(monkeypatch, tmp_path)
    assert create_app({"TESTING": True}).config["SITE_URL"] == "http://localhost:5000"
    assert create_app({"TESTING": True, "SERVER_NAME": "jobs.test"}).config["SITE_URL"] == "http://jobs.test"


def test_feeds_sitemap_and_api_links_are_canonical_whatever_the_host(app):
    """Links other sites and readers keep (API, Atom, sitemap, robots.txt, JSON-LD) name SITE_URL,
    so a cached answer is right for every host name and a forged Host never reaches them."""
    with app.app_context():
        posting_id = make_posting(title="Radiology coder", specialties=["radiology"],
                                  cpt_codes=["70450"]).id
    client = hostile(app.test_client())
    bodies = [client.get(url).get_data(as_text=True) for url in
              ("/api/v1/jobs", f"/api/v1/jobs/{posting_id}", "/jobs.atom", "/sitemap.xml",
               "/robots.txt", f"/jobs/{posting_id}", "/codes/70450")]
    assert all(SITE in body for body in bodies)
    assert not [body for body in bodies if "evil.example" in body]
