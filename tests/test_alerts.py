"""Saved searches and their email alerts: only new matches, once; one-click unsubscribe."""
import re
from datetime import timedelta

from jobboard.extensions import db
from jobboard.models.activity import SavedSearch
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting
from tests.conftest import Auth, post_form
from tests.factories import make_posting


def saved_search(app, client, query, frequency="daily"):
    response = post_form(client, "/seeker/searches",
                         {"name": "Remote HCC", "query": query, "frequency": frequency}, page="/seeker")
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(db.select(SavedSearch.id))


def age(app, search_id, days):
    """Let ``days`` pass: every publication and the last alert move that far into the past."""
    with app.app_context():
        search = db.session.get(SavedSearch, search_id)
        search.last_alert_at -= timedelta(days=days)
        for posting in db.session.scalars(db.select(Posting)):
            posting.published_at -= timedelta(days=days)
        db.session.commit()


def test_alerts_send_only_new_matches_once(app, runner, mailbox):
    client = app.test_client()
    Auth(client).register("seeker", email="alerts@example.com")
    with app.app_context():
        old = make_posting(title="Old HCC coder", specialties=["risk-adjustment"], arrangement="remote")
        old.published_at = utcnow() - timedelta(days=3)
        db.session.commit()
    search_id = saved_search(app, client, "q=HCC&arrangement=remote&page=3")
    with app.app_context():
        assert db.session.get(SavedSearch, search_id).query == "arrangement=remote&q=HCC"
        new = make_posting(title="New HCC coder", specialties=["risk-adjustment"],
                           arrangement="remote", description="Risk adjustment HCC coding.").id
        make_posting(title="New onsite HCC coder", specialties=["risk-adjustment"],
                     arrangement="onsite", description="Risk adjustment HCC coding.")
        make_posting(title="Radiology coder", specialties=["radiology"], arrangement="remote")

    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0 and mailbox.messages == []  # not due yet (daily)

    age(app, search_id, 1)
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    [message] = mailbox.to("alerts@example.com")
    body = mailbox.body(message)
    assert message["Subject"] == "1 new job for “Remote HCC”"
    assert f"/jobs/{new}" in body and "Old HCC coder" not in body and "onsite" not in body
    assert "Radiology" not in body

    age(app, search_id, 1)
    mailbox.clear()
    runner.invoke(args=["alerts", "send"])
    assert mailbox.messages == []  # nothing new since the last alert

    unsubscribe = re.search(r"http://jobs\.test(/seeker/alerts/unsubscribe/\S+)", body).group(1)
    visitor = app.test_client()
    assert "Stop these alerts?" in visitor.get(unsubscribe).get_data(as_text=True)
    assert visitor.post(unsubscribe).status_code == 200
    with app.app_context():
        assert db.session.get(SavedSearch, search_id).alerts is False
        make_posting(title="Another HCC coder", specialties=["risk-adjustment"], arrangement="remote",
                     description="Risk adjustment HCC coding.")
    age(app, search_id, 1)
    runner.invoke(args=["alerts", "send"])
    assert mailbox.messages == []
    assert visitor.post(unsubscribe[:-3] + "xyz").status_code == 404


def test_saved_searches_are_listed_and_deleted(app):
    client = app.test_client()
    Auth(client).register("seeker")
    search_id = saved_search(app, client, "q=E%2FM", frequency="weekly")
    page = client.get("/seeker").get_data(as_text=True)
    assert "Remote HCC" in page and "weekly alerts" in page
    other = app.test_client()
    Auth(other).register("seeker")
    assert post_form(other, f"/seeker/searches/{search_id}/delete", {}, page="/seeker").status_code == 404
    post_form(client, f"/seeker/searches/{search_id}/delete", {}, page="/seeker")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SavedSearch.id))) == 0


def test_eligible_filter_shows_only_jobs_whose_required_credentials_the_seeker_holds(app):
    from tests.conftest import post_form as submit

    with app.app_context():
        open_to_me = make_posting(title="CPC coder", credentials_required=["CPC"]).id
        needs_crc = make_posting(title="CPC and CRC coder", credentials_required=["CPC", "CRC"]).id
        no_requirement = make_posting(title="Trainee coder", credentials_required=[]).id
    client = app.test_client()
    Auth(client).register("seeker")
    submit(client, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["general-surgery"]})
    everything = {j["id"] for j in client.get("/api/v1/jobs").get_json()["items"]}
    assert everything == {open_to_me, needs_crc, no_requirement}
    body = client.get("/api/v1/jobs?eligible=1").get_json()
    assert {j["id"] for j in body["items"]} == {open_to_me, no_requirement} and body["total"] == 2
    page = client.get("/jobs?eligible=1").get_data(as_text=True)
    assert "Jobs I qualify for" in page and "CPC and CRC coder" not in page
    assert client.get("/api/v1/jobs?eligible=yes").status_code == 400
    visitor = app.test_client()  # no profile, no filter
    assert visitor.get("/api/v1/jobs?eligible=1").get_json()["total"] == 3
