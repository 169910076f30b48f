"""Server-side sessions: signing out ends them, copied cookies stop working, devices are listed."""
import re
from datetime import timedelta

from jobboard.extensions import db
from jobboard.models.user import User
from jobboard.models.user_session import UserSession
from jobboard.services.sessions import device_summary
from tests.conftest import PASSWORD, Auth, post_form

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def device(app, user_agent, ip):
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": ip})
    return client


def cookies(client):
    return {name: client.get_cookie(name, domain="jobs.test").value
            for name in ("session", "remember_token") if client.get_cookie(name, domain="jobs.test")}


def replay(app, copied):
    thief = app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value, domain="jobs.test")
    return thief


def sessions_of(app, email):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        return db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)
                                  .order_by(UserSession.id)).all()


def test_cookies_copied_before_logout_no_longer_open_the_profile(app):
    laptop = device(app, FIREFOX, "198.51.100.7")
    email, _ = Auth(laptop).register("seeker")
    Auth(laptop).logout()
    Auth(laptop).login(email, remember="y")
    copied = cookies(laptop)
    assert set(copied) == {"session", "remember_token"}
    assert replay(app, copied).get("/seeker").status_code == 200  # a live copy works, as any cookie does
    only_remember = {"remember_token": copied["remember_token"]}
    assert replay(app, only_remember).get("/seeker").status_code == 200

    assert Auth(laptop).logout().status_code == 302
    assert sessions_of(app, email) == []
    assert replay(app, copied).get("/seeker").status_code == 302
    assert replay(app, only_remember).get("/seeker").status_code == 302
    assert replay(app, {"session": copied["session"]}).get("/seeker").status_code == 302


def test_account_page_lists_devices_and_signs_one_out(app):
    laptop, phone = device(app, FIREFOX, "198.51.100.7"), device(app, IPHONE, "203.0.113.9")
    email, _ = Auth(laptop).register("employer")
    Auth(phone).login(email, remember="y")
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count("Firefox on Linux") == 2 and "198.51.100.7" in page  # the row and its button label
    assert "Mobile Safari on iOS" in page and "203.0.113.9" in page
    assert re.search(r"Firefox on Linux <span class=\"badge text-bg-success\">This device</span>", page)
    assert laptop.get("/account").headers["Cache-Control"] == "no-store"

    laptop_row, phone_row = sessions_of(app, email)
    response = post_form(laptop, f"/account/devices/{phone_row.id}/sign-out", {}, page="/account")
    assert response.status_code == 302
    assert phone.get("/employer").status_code == 302  # the phone is signed out, remembered or not
    assert laptop.get("/employer").status_code == 200
    assert [row.id for row in sessions_of(app, email)] == [laptop_row.id]
    # Another user's device id is refused without ending anything.
    other = app.test_client()
    Auth(other).register("seeker")
    post_form(other, f"/account/devices/{laptop_row.id}/sign-out", {}, page="/account")
    assert laptop.get("/employer").status_code == 200

    post_form(laptop, f"/account/devices/{laptop_row.id}/sign-out", {}, page="/account")
    assert laptop.get("/employer").status_code == 302
    assert sessions_of(app, email) == []


def test_signing_out_needs_a_post_with_csrf(app, client, auth):
    email, _ = auth.register("seeker")
    [row] = sessions_of(app, email)
    assert client.get(f"/account/devices/{row.id}/sign-out").status_code == 405
    assert client.post(f"/account/devices/{row.id}/sign-out").status_code == 400  # no CSRF token
    assert client.post("/logout").status_code == 400
    assert client.get("/seeker").status_code == 200 and len(sessions_of(app, email)) == 1


def test_last_use_is_recorded_at_most_once_a_minute(app, client, auth):
    email, _ = auth.register("seeker")
    [row] = sessions_of(app, email)
    client.get("/seeker")
    assert sessions_of(app, email)[0].last_used_at == row.last_used_at
    with app.app_context():
        stored = db.session.get(UserSession, row.id)
        stored.last_used_at -= timedelta(minutes=2)
        db.session.commit()
        earlier = stored.last_used_at
    client.get("/seeker")
    assert sessions_of(app, email)[0].last_used_at > earlier + timedelta(minutes=1)


def test_password_reset_and_suspension_end_every_session(app, mailbox):
    laptop = app.test_client()
    email, _ = Auth(laptop).register("seeker")
    copied = cookies(laptop)
    with app.app_context():
        from jobboard.services.accounts import reset_password, reset_token

        user = db.session.scalar(db.select(User).where(User.email == email))
        reset_password(reset_token(user), "A-brand-new-passphrase-7")
    assert sessions_of(app, email) == [] and replay(app, copied).get("/seeker").status_code == 302

    Auth(laptop).login(email, password="A-brand-new-passphrase-7", remember="y")
    copied = cookies(laptop)
    with app.app_context():
        from jobboard.services.moderation import suspend_user, unsuspend_user

        user = db.session.scalar(db.select(User).where(User.email == email))
        suspend_user(user)
        unsuspend_user(user)
    assert replay(app, copied).get("/seeker").status_code == 302  # unsuspending revives no cookie


def test_deleting_the_account_deletes_its_sessions(app, client, auth):
    email, _ = auth.register("seeker")
    post_form(client, "/account", {"action": "delete", "del-current_password": PASSWORD, "del-confirm": "y"})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0


def test_device_summary_reads_common_browsers():
    assert device_summary(FIREFOX) == "Firefox on Linux"
    assert device_summary(IPHONE) == "Mobile Safari on iOS"
    assert device_summary("") == "Unknown browser"
    assert len(device_summary("x" * 100_000)) <= 120


def test_malformed_session_ids_sign_nobody_in(app):
    from jobboard.services.sessions import load_user

    email, _ = Auth(app.test_client()).register("seeker")
    [row] = sessions_of(app, email)
    with app.app_context():
        for forged in ["", ".", f"{row.id}", f"{row.id}.", f"{row.id}.{'A' * 43}", "99999999999999999999." + "A" * 43,
                       f"٣.{'A' * 43}", f"{row.id}.{'A' * 43}\x00", "1.2.3"]:
            assert load_user(forged) is None, forged
