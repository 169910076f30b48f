"""Verified credentials: member IDs and expiry, the admins' check queue, the badge on the profile
and in the applicant pipeline, clearing on edit, losing it at expiry, and expiry reminders."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.credentials import HeldCredential
from jobboard.models.skills import QuizAttempt
from jobboard.models.taxonomy import Credential
from jobboard.models.user import User
from jobboard.services import Conflict, credentials
from jobboard.services.accounts import create_admin
from jobboard.services.profiles import update_seeker_profile
from tests.conftest import PASSWORD, Auth, post_form
from tests.factories import ensure_codes, make_employer, make_posting
from tests.test_applications import applied

ADMIN = "checker@medcodejobs.example"
PROFILE_BADGE = '<span class="badge text-bg-success me-2">verified</span>'


def today():
    return utcnow().date()


def credential_id(app, abbreviation):
    with app.app_context():
        return db.session.scalar(select(Credential.id).where(Credential.abbreviation == abbreviation))


def give_credentials(app, email, *abbreviations):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        update_seeker_profile(user, credentials=abbreviations)


@pytest.fixture
def seeker(app, client, auth):
    email, _ = auth.register("seeker", name="Dana Whitfield")
    give_credentials(app, email, "CPC", "CRC")
    return email


@pytest.fixture
def admin(app):
    with app.app_context():
        create_admin(ADMIN, PASSWORD)
    client = app.test_client()
    Auth(client).login(ADMIN)
    return client


def enter(app, client, abbreviation="CPC", member_id="01234567", expires_on=None):
    prefix = f"c{credential_id(app, abbreviation)}"
    expires_on = expires_on if expires_on is not None else (today() + timedelta(days=400)).isoformat()
    return post_form(client, f"/seeker/credentials/{abbreviation}",
                     {f"{prefix}-member_id": member_id, f"{prefix}-expires_on": expires_on},
                     page="/seeker/credentials")


def held(app, email, abbreviation="CPC") -> HeldCredential | None:
    with app.app_context():
        row = db.session.scalar(
            select(HeldCredential).join(Credential).join(HeldCredential.seeker)
            .where(Credential.abbreviation == abbreviation,
                   HeldCredential.seeker.has(user_id=db.session.scalar(select(User.id).where(User.email == email)))))
        if row is not None:
            db.session.expunge(row)
        return row


def check(app, admin_client, held_id, outcome="verified", method="aapc_directory", note=""):
    return post_form(admin_client, f"/admin/credentials/{held_id}/check",
                     {f"h{held_id}-outcome": outcome, f"h{held_id}-method": method, f"h{held_id}-note": note},
                     page="/admin/credentials")


def test_a_seeker_enters_member_id_and_expiry(app, client, seeker):
    page = client.get("/seeker/credentials").get_data(as_text=True)
    assert "CPC" in page and "CRC" in page and "No member ID yet" in page
    expiry = today() + timedelta(days=400)
    response = enter(app, client, member_id="  0123 4567 ", expires_on=expiry.isoformat())
    assert response.status_code == 303
    row = held(app, seeker)
    assert (row.member_id, row.expires_on, row.status, row.checked_at) == ("0123 4567", expiry, "pending", None)
    assert "Waiting for a check" in client.get("/seeker/credentials").get_data(as_text=True)


@pytest.mark.parametrize("member_id, expires_on, message", [
    ("", None, "Enter your member ID."),
    ("<script>", None, "Enter the member ID as it appears on your card"),
    ("12\x0034", None, "Remove the invisible control characters"),  # the one text rule, first
    ("１２３４５", None, "Enter the member ID as it appears on your card"),
    ("9" * 41, None, "Field cannot be longer than 40 characters."),
    ("01234567", "", "Enter the expiry date."),
    ("01234567", "31/12/2027", "Enter the date as year-month-day"),
    ("01234567", "2027-02-30", "Enter the date as year-month-day"),
    ("01234567", "99999999-01-01", "Enter the date as year-month-day"),
    ("01234567", "2001-01-01", "This date has passed"),
    ("01234567", "2090-01-01", "check the year"),
])
def test_bad_details_get_a_message_beside_the_field(app, client, seeker, member_id, expires_on, message):
    response = enter(app, client, member_id=member_id, expires_on=expires_on)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="invalid-feedback"' in html
    if expires_on:
        assert f'value="{expires_on}"' in html  # what was typed is kept
    assert held(app, seeker) is None


def test_only_credentials_on_the_profile_take_details(app, client, seeker):
    assert enter(app, client, abbreviation="CCS").status_code == 404
    assert post_form(client, "/seeker/credentials/NOPE", {}, page="/seeker/credentials").status_code == 404
    # a control character in a path segment is refused by the one text rule, naming it
    assert post_form(client, "/seeker/credentials/CPC%00", {}, page="/seeker/credentials").status_code == 400
    assert client.post("/seeker/credentials/CPC", data={}).status_code == 400  # no CSRF token
    assert held(app, seeker) is None
    employer = app.test_client()
    Auth(employer).register("employer")
    assert employer.get("/seeker/credentials").status_code == 403


@pytest.mark.parametrize("role", ["seeker", "employer", None])
def test_only_admins_see_the_check_queue(app, client, seeker, role):
    enter(app, client)
    held_id = held(app, seeker).id
    other = app.test_client()
    data = {f"h{held_id}-outcome": "verified", f"h{held_id}-method": "certificate_seen"}
    if role:
        Auth(other).register(role)
        assert other.get("/admin/credentials").status_code == 403
        assert post_form(other, f"/admin/credentials/{held_id}/check", data, page="/").status_code == 403
    else:
        assert other.get("/admin/credentials").status_code == 302
        response = post_form(other, f"/admin/credentials/{held_id}/check", data, page="/login")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert held(app, seeker).status == "pending"


def test_an_admin_records_who_checked_when_and_how(app, client, seeker, admin):
    enter(app, client)
    row = held(app, seeker)
    queue = admin.get("/admin/credentials").get_data(as_text=True)
    assert "01234567" in queue and seeker in queue and f'id="check-{row.id}"' in queue
    before = utcnow()
    response = check(app, admin, row.id, note="Listed as active")
    assert response.status_code == 303
    row = held(app, seeker)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == ADMIN))
    assert (row.status, row.checked_by_id, row.check_method, row.check_note) == (
        "verified", admin_id, "aapc_directory", "Listed as active")
    assert before <= row.checked_at <= utcnow()
    queue = admin.get("/admin/credentials").get_data(as_text=True)
    assert f'id="check-{row.id}"' not in queue
    assert "AAPC member directory: Listed as active" in queue and ADMIN in queue
    again = check(app, admin, row.id, outcome="rejected")
    assert "already checked" in admin.get(again.headers["Location"]).get_data(as_text=True)
    assert held(app, seeker).status == "verified"


@pytest.mark.parametrize("outcome, method, note, message", [
    ("verified", "", "", "Choose how you checked it."),
    ("verified", "telepathy", "", "Not a valid choice."),
    ("", "aapc_directory", "", "Choose the outcome."),
    ("verified", "other", "  ", "Say in the note how you checked it."),
    ("verified", "certificate_seen", "x" * 501, "Field cannot be longer than 500 characters."),
])
def test_a_check_needs_an_outcome_and_a_method(app, client, seeker, admin, outcome, method, note, message):
    enter(app, client)
    held_id = held(app, seeker).id
    response = check(app, admin, held_id, outcome=outcome, method=method, note=note)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert held(app, seeker).status == "pending"
    assert check(app, admin, 2**40).status_code == 404


def test_a_rejected_credential_says_so_to_the_seeker(app, client, seeker, admin):
    enter(app, client)
    check(app, admin, held(app, seeker).id, outcome="rejected", method="ahima_verification",
          note="No record under this ID")
    page = client.get("/seeker/credentials").get_data(as_text=True)
    assert "Could not be verified" in page and "No record under this ID" in page
    assert PROFILE_BADGE not in client.get("/seeker").get_data(as_text=True)


def test_the_badge_shows_on_the_profile_and_the_pipeline_until_expiry(app, client, admin, mailbox):
    with app.app_context():
        employer = make_employer()
        job = make_posting(author=employer).id
        employer_email = employer.email
    applicant, _ = applied(app, job)
    applicant_email = "applicant@example.com"
    give_credentials(app, applicant_email, "CPC")
    enter(app, applicant)
    boss = app.test_client()
    Auth(boss).login(employer_email)
    pipeline = f"/employer/jobs/{job}/applicants"
    assert "CPC verified" not in boss.get(pipeline).get_data(as_text=True)  # not checked yet

    row = held(app, applicant_email)
    check(app, admin, row.id)
    assert "CPC verified" in boss.get(pipeline).get_data(as_text=True)
    assert PROFILE_BADGE in applicant.get("/seeker").get_data(as_text=True)

    with app.app_context():  # the expiry date passes: nothing else changes
        stored = db.session.get(HeldCredential, row.id)
        stored.expires_on = today() - timedelta(days=1)
        db.session.commit()
        assert stored.status == "verified" and not stored.is_verified()
    assert "CPC verified" not in boss.get(pipeline).get_data(as_text=True)
    assert PROFILE_BADGE not in applicant.get("/seeker").get_data(as_text=True)
    assert "Expired" in applicant.get("/seeker/credentials").get_data(as_text=True)


def test_the_badge_is_computed_from_the_expiry_date(app, client, seeker, admin):
    enter(app, client, expires_on=(today() + timedelta(days=20)).isoformat())
    check(app, admin, held(app, seeker).id)
    with app.app_context():
        profile = db.session.scalar(select(User).where(User.email == seeker)).seeker_profile
        expiry = profile.held_credentials[0].expires_on
        assert [h.credential.abbreviation for h in credentials.verified_credentials(profile, expiry)] == ["CPC"]
        assert credentials.verified_credentials(profile, expiry + timedelta(days=1)) == []


def test_an_expired_credential_cannot_be_verified(app, client, seeker, admin):
    enter(app, client, expires_on=(today() + timedelta(days=5)).isoformat())
    held_id = held(app, seeker).id
    with app.app_context():
        db.session.get(HeldCredential, held_id).expires_on = today() - timedelta(days=1)
        db.session.commit()
        admin_user = db.session.scalar(select(User).where(User.email == ADMIN))
        with pytest.raises(Conflict):
            credentials.record_check(held_id, admin_user, True, "aapc_directory", "")
    assert held(app, seeker).status == "pending"


def test_editing_the_member_id_or_expiry_clears_the_verification(app, client, seeker, admin):
    enter(app, client)
    check(app, admin, held(app, seeker).id)
    enter(app, client)  # the same details again: still verified
    assert held(app, seeker).status == "verified"
    enter(app, client, member_id="76543210")
    row = held(app, seeker)
    assert (row.status, row.checked_by_id, row.checked_at, row.check_method) == ("pending", None, None, "")
    assert PROFILE_BADGE not in client.get("/seeker").get_data(as_text=True)
    check(app, admin, row.id)
    enter(app, client, member_id="76543210", expires_on=(today() + timedelta(days=800)).isoformat())
    assert held(app, seeker).status == "pending"
    assert f'id="check-{row.id}"' in admin.get("/admin/credentials").get_data(as_text=True)


def test_removing_a_credential_from_the_profile_removes_its_details(app, client, seeker):
    enter(app, client)
    enter(app, client, abbreviation="CRC", member_id="A-99881")
    give_credentials(app, seeker, "CRC")
    assert held(app, seeker) is None
    assert held(app, seeker, "CRC").member_id == "A-99881"


def test_expiry_reminders_are_sent_once_per_credential_and_expiry(app, client, seeker, runner, mailbox):
    soon = today() + timedelta(days=12)
    enter(app, client, expires_on=soon.isoformat())
    enter(app, client, abbreviation="CRC", expires_on=(today() + timedelta(days=300)).isoformat())
    result = runner.invoke(args=["credentials", "remind"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 credential expiry reminders." in result.output
    [message] = mailbox.to(seeker)
    assert message["Subject"] == f"Your CPC expires on {soon:%B %d, %Y}"
    body = mailbox.body(message)
    assert "in 12 days" in body and "01234567" in body
    assert re.search(r"^http://jobs\.test/seeker/credentials\r?$", body, re.M)

    assert "Sent 0" in runner.invoke(args=["credentials", "remind"]).output
    assert len(mailbox.to(seeker)) == 1
    assert held(app, seeker).reminded_for == soon

    renewed = today() + timedelta(days=20)  # a new expiry is a new reminder
    enter(app, client, expires_on=renewed.isoformat())
    assert "Sent 1" in runner.invoke(args=["credentials", "remind"]).output
    assert len(mailbox.to(seeker)) == 2
    assert "Sent 1" in runner.invoke(args=["credentials", "remind", "--days", "365"]).output  # the CRC
    assert runner.invoke(args=["credentials", "remind", "--days", "-3"]).exit_code == 2


def test_the_profile_links_to_credentials_and_skills(app, client, seeker):
    html = client.get("/seeker").get_data(as_text=True)
    assert 'href="/seeker/credentials"' in html and 'href="/seeker/skills"' in html


def test_deleting_the_account_deletes_credential_details_and_quiz_attempts(app, client, seeker):
    with app.app_context():
        ensure_codes()
    enter(app, client)
    assert post_form(client, "/seeker/skills/general-surgery/start", {}, page="/seeker/skills").status_code == 303
    response = post_form(client, "/account", {"action": "delete", "del-current_password": PASSWORD,
                                              "del-confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count(HeldCredential.id))) == 0
        assert db.session.scalar(select(db.func.count(QuizAttempt.id))) == 0
