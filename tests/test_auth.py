"""Every account view for both roles, through the test client."""
import re
from urllib.parse import urlsplit

import pytest

from jobboard.extensions import db
from jobboard.models.company import Company, CompanyJoinRequest
from jobboard.models.user import User
from jobboard.services.companies import rotate_join_code
from jobboard.services.moderation import suspend_user
from tests.conftest import CONFIRM_SUBJECT, PASSWORD, Auth, confirmation_link, post_form
from tests.factories import approve_join_requests


def location(response):
    return urlsplit(response.headers["Location"]).path


def user_by_email(app, email):
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.email == email))


# --- registration --------------------------------------------------------------------------

def test_seeker_registers_and_lands_on_profile(app, client, auth):
    email, response = auth.register("seeker", email="New.Coder@Example.com", name="Nia Coder")
    assert response.status_code == 302 and location(response) == "/seeker"
    page = client.get("/seeker").get_data(as_text=True)
    assert "Nia Coder" in page and "Edit profile" in page
    user = user_by_email(app, "new.coder@example.com")
    assert user.role == "seeker" and user.name == "Nia Coder"
    with app.app_context():
        assert db.session.get(User, user.id).seeker_profile is not None


def test_employer_registers_with_a_new_company_and_a_colleague_joins_it(app, client, auth):
    email, response = auth.register("employer", company_name="Summit Coding Group")
    assert response.status_code == 302 and location(response) == "/employer"
    page = client.get("/employer").get_data(as_text=True)
    assert "Summit Coding Group" in page
    with app.app_context():
        company = db.session.scalar(db.select(Company))
        assert company.slug == "summit-coding-group"
        join_code = company.join_code
    assert join_code in page
    auth.logout()
    _, response = auth.register("employer", join_code=join_code)
    assert response.status_code == 302
    assert "Waiting for approval" in client.get("/employer").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Company.id))) == 1
        assert len(db.session.scalar(db.select(Company)).employers) == 1  # until a colleague approves
        assert approve_join_requests() == 1
        assert len(db.session.scalar(db.select(Company)).employers) == 2


def test_employer_needs_a_company_or_a_valid_join_code(app, client, auth):
    _, response = auth.register("employer", company_name="")
    assert response.status_code == 422
    assert "Name your company, or enter a colleague&#39;s join code." in response.get_data(as_text=True)
    _, response = auth.register("employer", join_code="not-a-code")
    assert response.status_code == 422
    assert "No company has this join code" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


# --- the same answer for a new, a taken and a suspended address ------------------------------

CHECK_EMAIL = "Check your email to finish creating your account"
TRIED_SUBJECT = "Someone tried to create a MedCode Jobs account with your address"


def without_tokens(html):
    """The page with its per-session form tokens blanked, to compare what two visitors see."""
    return re.sub(r'(name="(?:[a-z]+-)?(?:csrf_token|once)" type="hidden" value=")[^"]+', r"\1", html)


def registration_answer(app, role, email):
    """A new visitor's registration with ``email``: (status, Location, the page it leads to)."""
    visitor = app.test_client()
    _, response = Auth(visitor).register(role, email=email, follow_link=False)
    page = visitor.get(response.headers["Location"])
    assert visitor.get("/seeker").status_code == 302  # nobody is signed in by registering
    return response.status_code, location(response), page.status_code, without_tokens(page.get_data(as_text=True))


@pytest.mark.parametrize("role", ["seeker", "employer"])
def test_new_taken_and_suspended_addresses_get_the_same_answer(app, client, auth, mailbox, role):
    auth.register(role, email="taken@example.com", name="Owner")
    auth.logout()
    auth.register("seeker", email="banned@example.com")
    auth.logout()
    with app.app_context():
        suspend_user(db.session.scalar(db.select(User).where(User.email == "banned@example.com")))
        before = {u.email: (u.password_hash, u.name, u.role, u.active, u.company_id)
                  for u in db.session.scalars(db.select(User))}

    answers = [registration_answer(app, role, email)
               for email in ("fresh@example.com", "TAKEN@example.com", "banned@example.com")]
    assert answers[0] == answers[1] == answers[2]
    status, where, page_status, page = answers[0]
    assert (status, where, page_status) == (302, "/register/check-email", 200)
    assert CHECK_EMAIL in page and "already" not in page

    [confirm] = mailbox.to("fresh@example.com")
    assert confirm["Subject"] == CONFIRM_SUBJECT
    assert re.search(r"http://jobs\.test/confirm-email/\S+", mailbox.body(confirm))
    for owner in ("taken@example.com", "banned@example.com"):
        [notice] = mailbox.to(owner)
        assert notice["Subject"] == TRIED_SUBJECT
        assert "http://jobs.test/login" in mailbox.body(notice)
        assert "http://jobs.test/reset-password" in mailbox.body(notice)
    with app.app_context():  # the taken and suspended accounts are as they were
        after = {u.email: (u.password_hash, u.name, u.role, u.active, u.company_id)
                 for u in db.session.scalars(db.select(User)) if u.email in before}
        assert after == before and after["banned@example.com"][3] is False
        fresh = db.session.scalar(db.select(User).where(User.email == "fresh@example.com"))
        assert fresh.confirmed_at is None
        assert db.session.scalar(db.select(db.func.count(Company.id))) == (1 if role == "employer" else 0)


def test_registering_asks_to_confirm_and_the_link_signs_in_once(app, client, auth, mailbox):
    email, response = auth.register("seeker", email="nia@example.com", name="Nia Coder", follow_link=False)
    assert location(response) == "/register/check-email"
    assert client.get("/seeker").status_code == 302
    link = confirmation_link(app, email)
    [message] = mailbox.to(email)
    assert f"http://jobs.test{link}" in mailbox.body(message)

    refused = auth.login(email)  # the right password, but the address is not confirmed yet
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "Confirm your email address first" in html
    assert 'action="/confirm-email/resend"' in html and 'value="nia@example.com"' in html
    assert client.get("/seeker").status_code == 302

    page = client.get(link)  # opening the link changes nothing by itself
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert user_by_email(app, email).confirmed_at is None
    response = post_form(client, link, {})
    assert response.status_code == 302 and location(response) == "/seeker"
    assert "Welcome to MedCode Jobs" in client.get("/seeker").get_data(as_text=True)
    assert user_by_email(app, email).confirmed_at is not None

    auth.logout()
    for used in (client.get(link), post_form(client, link, {}, page="/login")):
        assert used.status_code == 400
        assert "This link was already used" in used.get_data(as_text=True)
    assert client.get("/seeker").status_code == 302
    assert auth.login(email).status_code == 302


def test_employer_company_and_join_request_wait_for_confirmation(app, client, auth, mailbox):
    boss, _ = auth.register("employer", company_name="Summit Coding Group")
    auth.logout()
    with app.app_context():
        join_code = db.session.scalar(db.select(Company.join_code))
    mailbox.clear()
    newcomer, _ = auth.register("employer", join_code=join_code, follow_link=False)
    made, _ = auth.register("employer", company_name="Lakeside Coding", follow_link=False)
    with app.app_context():
        assert db.session.scalars(db.select(Company.name)).all() == ["Summit Coding Group"]
        assert db.session.scalar(db.select(db.func.count(CompanyJoinRequest.id))) == 0
    assert mailbox.to(boss) == []  # nobody is asked to approve an address nobody confirmed

    response = auth.confirm(confirmation_link(app, newcomer))
    assert location(response) == "/employer"
    assert "Waiting for approval" in client.get("/employer").get_data(as_text=True)
    [ask] = mailbox.to(boss)
    assert "asks to join Summit Coding Group" in ask["Subject"]
    auth.logout()
    response = auth.confirm(confirmation_link(app, made))
    assert location(response) == "/employer"
    assert "Lakeside Coding" in client.get("/employer").get_data(as_text=True)
    with app.app_context():
        company = db.session.scalar(db.select(Company).where(Company.name == "Lakeside Coding"))
        assert [u.email for u in company.employers] == [made]
        assert user_by_email(app, made).signup_company_name is None


def test_a_join_code_rotated_before_confirmation_is_explained(app, client, auth):
    auth.register("employer", company_name="Summit Coding Group")
    auth.logout()
    with app.app_context():
        company = db.session.scalar(db.select(Company))
        old_code = company.join_code
    newcomer, _ = auth.register("employer", join_code=old_code, follow_link=False)
    with app.app_context():
        rotate_join_code(db.session.scalar(db.select(Company)))
    response = auth.confirm(confirmation_link(app, newcomer))
    assert location(response) == "/employer"
    page = client.get("/employer")
    assert page.status_code == 403  # signed in, without a company: the page to enter a code
    html = page.get_data(as_text=True)
    assert "Your code could not be used: No company has this join code" in html
    assert 'action="/employer/join"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(CompanyJoinRequest.id))) == 0


def test_registering_again_while_unconfirmed_sends_a_new_link_and_changes_nothing(app, client, auth, mailbox):
    email, _ = auth.register("seeker", email="again@example.com", name="First", follow_link=False)
    _, response = auth.register("employer", email=email, name="Second", password="Other-passphrase-77",
                                follow_link=False)
    assert location(response) == "/register/check-email"
    assert [m["Subject"] for m in mailbox.to(email)] == [CONFIRM_SUBJECT] * 2
    assert location(auth.confirm(confirmation_link(app, email))) == "/seeker"
    user = user_by_email(app, email)
    assert (user.role, user.name) == ("seeker", "First") and user.check_password(PASSWORD)


@pytest.mark.parametrize("mangle, message", [
    (lambda link: link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"), "is not valid"),
    (lambda link: "/confirm-email/" + "x" * 300, "is not valid"),
    (lambda link: "/confirm-email/WzEsImFiYyJd.AAAAAA.bad", "is not valid"),
])
def test_a_tampered_confirmation_link_is_a_400_with_a_way_to_resend(app, client, auth, mangle, message):
    email, _ = auth.register("seeker", follow_link=False)
    link = mangle(confirmation_link(app, email))
    for response in (client.get(link), post_form(client, link, {}, page="/register/check-email")):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in html and 'action="/confirm-email/resend"' in html
    assert user_by_email(app, email).confirmed_at is None


def test_an_expired_confirmation_link_is_a_400_with_a_way_to_resend(app, client, auth):
    email, _ = auth.register("seeker", follow_link=False)
    link = confirmation_link(app, email)
    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "This confirmation link has expired" in response.get_data(as_text=True)
    assert post_form(client, link, {}, page="/register/check-email").status_code == 400
    assert user_by_email(app, email).confirmed_at is None


def test_a_link_for_an_account_suspended_since_does_not_sign_in(app, client, auth):
    email, _ = auth.register("seeker", follow_link=False)
    with app.app_context():
        suspend_user(db.session.scalar(db.select(User).where(User.email == email)))
    response = post_form(client, confirmation_link(app, email), {}, page="/register/check-email")
    assert response.status_code == 400 and "suspended" in response.get_data(as_text=True)
    assert client.get("/seeker").status_code == 302


def test_resend_answers_the_same_for_every_address_and_mails_only_the_unconfirmed(app, client, auth, mailbox):
    waiting, _ = auth.register("seeker", follow_link=False)
    confirmed, _ = auth.register("seeker")
    auth.logout()
    mailbox.clear()
    answers = []
    for email in (waiting, confirmed, "nobody@example.com"):
        visitor = app.test_client()
        response = post_form(visitor, "/confirm-email/resend", {"resend-email": email})
        page = without_tokens(visitor.get(response.headers["Location"]).get_data(as_text=True))
        answers.append((response.status_code, location(response), page))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:2] == (302, "/register/check-email")
    assert "If an account with that address is waiting for confirmation" in answers[0][2]
    [message] = mailbox.messages
    assert message["To"] == waiting and message["Subject"] == CONFIRM_SUBJECT
    assert location(auth.confirm(confirmation_link(app, waiting))) == "/seeker"


def test_resend_is_rate_limited(client):
    statuses = [post_form(client, "/confirm-email/resend", {"resend-email": "a@example.com"}).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]


def test_resend_form_keeps_a_bad_address_beside_the_field(client):
    response = post_form(client, "/confirm-email/resend", {"resend-email": "not an address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="not an address"' in html and "Enter a valid email address." in html


@pytest.mark.parametrize("password, message", [
    ("short1", "Use at least 10 characters."),
    ("password123", "This password is too common"),
    ("aaaaaaaaaaaa", "This password is too common"),
])
def test_weak_password_is_refused_beside_the_field(app, client, auth, password, message):
    _, response = auth.register("seeker", password=password)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="password"[^>]*>\s*<div class="invalid-feedback">' + re.escape(message), html)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_registration_without_csrf_token_is_a_400(app, client):
    response = client.post("/register", data={
        "role": "seeker", "name": "X", "email": "x@example.com",
        "password": PASSWORD, "confirm": PASSWORD,
    })
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


# --- login and logout ----------------------------------------------------------------------

@pytest.mark.parametrize("role, home", [("seeker", "/seeker"), ("employer", "/employer")])
def test_login_logout_for_each_role(client, auth, role, home):
    email, _ = auth.register(role)
    auth.logout()
    assert client.get(home).status_code == 302
    response = auth.login(email)
    assert response.status_code == 302 and location(response) == home
    assert client.get(home).status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get(home).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth):
    email, _ = auth.register("seeker")
    auth.logout()
    wrong = auth.login(email, password="not the password at all")
    unknown = auth.login("nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Invalid email or password." in response.get_data(as_text=True)
    assert client.get("/seeker").status_code == 302


def test_logout_is_post_only(client, auth):
    auth.register("seeker")
    assert client.get("/logout").status_code == 405
    assert client.get("/seeker").status_code == 200


def test_safe_next_is_followed(client, auth):
    email, _ = auth.register("seeker")
    auth.logout()
    response = post_form(client, "/login?next=/seeker/profile",
                         {"email": email, "password": PASSWORD})
    assert location(response) == "/seeker/profile"


@pytest.mark.parametrize("payload", [
    "//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example/",
    "javascript:alert(1)", "/\t/evil.example", "\\\\evil.example", "http:/evil.example",
])
def test_open_redirect_payloads_are_refused(client, auth, payload):
    email, _ = auth.register("seeker")
    auth.logout()
    response = post_form(client, "/login", {"email": email, "password": PASSWORD},
                         page="/login", query_string={"next": payload})
    if "\t" in payload:  # control characters in a query parameter are a 400 before any view runs
        assert response.status_code == 400
        return
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.netloc in ("", "jobs.test")
    assert target.path == "/"


def test_login_is_rate_limited(app, client, auth):
    email, _ = auth.register("seeker")
    auth.logout()
    statuses = [auth.login(email, password="wrong password!").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in auth.login(email).get_data(as_text=True)


def test_registration_is_rate_limited(client, auth):
    statuses = []
    for _ in range(6):
        _, response = auth.register("seeker")
        statuses.append(response.status_code)
        if response.status_code == 302:
            auth.logout()
    assert statuses == [302] * 5 + [429]


# --- password reset through the SMTP server ---------------------------------------------------

def reset_link(mailbox, email):
    [message] = mailbox.to(email)
    assert message["Subject"] == "Reset your MedCode Jobs password"
    return re.search(r"http://jobs\.test(/reset-password/\S+)", mailbox.body(message)).group(1)


def test_reset_password_end_to_end(app, client, auth, mailbox):
    email, _ = auth.register("seeker")
    auth.logout()
    response = post_form(client, "/reset-password", {"email": email.upper()})
    assert response.status_code == 302
    link = reset_link(mailbox, email)

    new_password = "A-brand-new-passphrase-7"
    response = post_form(client, link, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302 and location(response) == "/login"
    assert auth.login(email).status_code == 401  # the old password is gone
    assert auth.login(email, password=new_password).status_code == 302
    auth.logout()

    # Single use: the same link now refuses.
    response = client.get(link)
    assert response.status_code == 302 and location(response) == "/reset-password"
    assert "already been used" in client.get("/reset-password").get_data(as_text=True)


def test_reset_for_unknown_email_answers_the_same_and_sends_nothing(client, mailbox):
    response = post_form(client, "/reset-password", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert "If an account exists" in client.get("/login").get_data(as_text=True)
    assert mailbox.messages == []


def test_expired_reset_link_is_refused(app, client, auth, mailbox):
    email, _ = auth.register("seeker")
    auth.logout()
    post_form(client, "/reset-password", {"email": email})
    link = reset_link(mailbox, email)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(link)
    assert location(response) == "/reset-password"
    assert "expired" in client.get("/reset-password").get_data(as_text=True)


def test_tampered_reset_link_is_refused(client):
    response = client.get("/reset-password/not-a-token")
    assert location(response) == "/reset-password"


def test_reset_requests_are_rate_limited(client):
    statuses = [post_form(client, "/reset-password", {"email": "a@example.com"}).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]


# --- sessions stop working when the token rotates --------------------------------------------

def session_cookie(client):
    return client.get_cookie("session", domain="jobs.test").value


def test_replayed_cookie_after_logout_everywhere_is_refused(app, auth):
    device_a, device_b = app.test_client(), app.test_client()
    from tests.conftest import Auth

    email, _ = Auth(device_a).register("seeker")
    Auth(device_b).login(email)
    stolen = session_cookie(device_b)
    assert device_b.get("/seeker").status_code == 200

    post_form(device_a, "/logout-everywhere", {}, page="/account")
    assert device_b.get("/seeker").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen, domain="jobs.test")
    assert replay.get("/seeker").status_code == 302


def test_remember_cookie_stops_working_after_password_change(app):
    from tests.conftest import Auth

    device_a, device_b = app.test_client(), app.test_client()
    email, _ = Auth(device_a).register("seeker")
    Auth(device_b).login(email, remember="y")
    remember = device_b.get_cookie("remember_token", domain="jobs.test").value

    new_password = "Changed-passphrase-99"
    response = post_form(device_a, "/account", {
        "action": "password", "pw-current_password": PASSWORD,
        "pw-new_password": new_password, "pw-confirm": new_password,
    })
    assert response.status_code == 302
    assert device_a.get("/seeker").status_code == 200  # this device stays signed in
    replay = app.test_client()
    replay.set_cookie("remember_token", remember, domain="jobs.test")
    assert replay.get("/seeker").status_code == 302
    assert device_b.get("/seeker").status_code == 302


# --- account settings ---------------------------------------------------------------------------

def test_change_password_needs_the_current_one(app, client, auth):
    email, _ = auth.register("employer")
    response = post_form(client, "/account", {
        "action": "password", "pw-current_password": "wrong-password-1",
        "pw-new_password": "Another-passphrase-1", "pw-confirm": "Another-passphrase-1",
    })
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)
    assert user_by_email(app, email).check_password(PASSWORD)


def test_change_email_needs_password_and_a_free_address(app, client, auth):
    other, _ = auth.register("seeker")
    auth.logout()
    email, _ = auth.register("seeker")
    response = post_form(client, "/account", {"action": "email", "em-email": "me@new.example",
                                              "em-current_password": "nope-nope-nope"})
    assert response.status_code == 422
    response = post_form(client, "/account", {"action": "email", "em-email": other.upper(),
                                              "em-current_password": PASSWORD})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    response = post_form(client, "/account", {"action": "email", "em-email": "Me@New.example",
                                              "em-current_password": PASSWORD})
    assert response.status_code == 302
    assert user_by_email(app, "me@new.example") is not None
    assert user_by_email(app, email) is None


@pytest.mark.parametrize("role", ["seeker", "employer"])
def test_delete_account(app, client, auth, role):
    email, _ = auth.register(role)
    response = post_form(client, "/account", {"action": "delete", "del-current_password": PASSWORD})
    assert response.status_code == 422  # the confirmation box was not ticked
    assert user_by_email(app, email) is not None
    response = post_form(client, "/account", {"action": "delete", "del-current_password": PASSWORD,
                                              "del-confirm": "y"})
    assert response.status_code == 302
    assert user_by_email(app, email) is None
    assert auth.login(email).status_code == 401
    if role == "employer":
        with app.app_context():  # the company stays for colleagues
            assert db.session.scalar(db.select(db.func.count(Company.id))) == 1
