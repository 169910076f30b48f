"""Company membership: joining is a request a colleague approves (or an emailed single-use
invitation); colleagues can be removed, the join code rotated; suspension ends membership."""
import re
from html import unescape

import pytest

from jobboard.extensions import db
from jobboard.models.application import Resume
from jobboard.models.company import Company, CompanyJoinRequest
from jobboard.models.user import User
from jobboard.services.accounts import create_admin
from tests.conftest import PASSWORD, Auth, post_form
from tests.test_applications import job, seeker_with_resume  # noqa: F401

BOSS = "boss@example.com"  # the `job` fixture's employer


def client_of(app, email=None, **register):
    client = app.test_client()
    if register:
        Auth(client).register(email=email, **register)
    else:
        Auth(client).login(email)
    return client


def company_of(app, email) -> Company:
    with app.app_context():
        company = db.session.scalar(db.select(User).where(User.email == email)).company
        return company and db.session.get(Company, company.id)


def join_code(app, email=BOSS) -> str:
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.email == email)).company.join_code


def request_ids(app, status="pending"):
    with app.app_context():
        return db.session.scalars(db.select(CompanyJoinRequest.id).where(
            CompanyJoinRequest.status == status).order_by(CompanyJoinRequest.id)).all()


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def resume_url(app, job):  # noqa: F811
    """A seeker applied to BOSS's posting with a résumé: its download address."""
    applicant = seeker_with_resume(app)
    post_form(applicant, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        return f"/seeker/resumes/{db.session.scalar(db.select(Resume.id))}"


def test_a_join_code_files_a_request_that_a_colleague_approves(app, resume_url, job, mailbox):  # noqa: F811
    boss = client_of(app, BOSS)
    newcomer = client_of(app, "new@example.com", role="employer", name="Nell New", join_code=join_code(app))

    waiting = newcomer.get("/employer")
    assert waiting.status_code == 403 and "Waiting for approval" in page(waiting)
    assert "You asked to join" in page(waiting)
    for url in (resume_url, f"/jobs/{job}/edit", f"/employer/jobs/{job}/applicants"):
        assert newcomer.get(url).status_code == 404, url
    assert newcomer.get("/employer/team").status_code == 403
    [notice] = mailbox.to(BOSS)[-1:]
    assert notice["Subject"] == "Nell New asks to join " + company_of(app, BOSS).name
    assert "http://jobs.test/employer/team" in mailbox.body(notice)

    team = page(boss.get("/employer/team"))
    assert "Nell New" in team and "new@example.com" in team
    [request_id] = request_ids(app)
    response = post_form(boss, f"/employer/team/requests/{request_id}/approve", {}, page="/employer/team")
    assert response.status_code == 302
    assert "Nell New is now a member" in page(boss.get("/employer/team"))
    assert mailbox.to("new@example.com")[-1]["Subject"].startswith("You joined")
    assert newcomer.get(resume_url).status_code == 200
    assert newcomer.get("/employer").status_code == 200
    # a decided request cannot be decided again
    post_form(boss, f"/employer/team/requests/{request_id}/decline", {}, page="/employer/team")
    assert "This request was already approved." in page(boss.get("/employer/team"))
    assert company_of(app, "new@example.com") is not None


def test_a_declined_request_gives_no_access(app, resume_url, mailbox):
    boss = client_of(app, BOSS)
    newcomer = client_of(app, "new@example.com", role="employer", join_code=join_code(app))
    [request_id] = request_ids(app)
    post_form(boss, f"/employer/team/requests/{request_id}/decline", {}, page="/employer/team")
    assert request_ids(app, "declined") == [request_id]
    response = newcomer.get("/employer")
    assert response.status_code == 403 and "Your request was declined" in page(response)
    assert newcomer.get(resume_url).status_code == 404
    assert mailbox.to("new@example.com")[-1]["Subject"].startswith("Your request to join")


def test_only_the_company_decides_its_requests(app, job):  # noqa: F811
    client_of(app, "new@example.com", role="employer", join_code=join_code(app))
    [request_id] = request_ids(app)
    stranger = client_of(app, "other@example.com", role="employer", company_name="Elsewhere")
    response = post_form(stranger, f"/employer/team/requests/{request_id}/approve", {}, page="/employer/team")
    assert response.status_code == 404
    pending = client_of(app, "pending@example.com", role="employer", join_code=join_code(app))
    response = post_form(pending, f"/employer/team/requests/{request_id}/approve", {}, page="/employer")
    assert response.status_code == 403
    assert request_ids(app) == [request_id, request_id + 1]


def test_removing_a_colleague_ends_their_access(app, resume_url):
    boss = client_of(app, BOSS)
    colleague = client_of(app, "col@example.com", role="employer", join_code=join_code(app))
    [request_id] = request_ids(app)
    post_form(boss, f"/employer/team/requests/{request_id}/approve", {}, page="/employer/team")
    assert colleague.get(resume_url).status_code == 200
    with app.app_context():
        colleague_id = db.session.scalar(db.select(User.id).where(User.email == "col@example.com"))
        boss_id = db.session.scalar(db.select(User.id).where(User.email == BOSS))

    # a colleague cannot remove themselves; an outsider cannot remove anyone
    post_form(colleague, f"/employer/team/members/{colleague_id}/remove", {}, page="/employer/team")
    assert "You cannot remove yourself" in page(colleague.get("/employer/team"))
    stranger = client_of(app, "other@example.com", role="employer", company_name="Elsewhere")
    assert post_form(stranger, f"/employer/team/members/{boss_id}/remove", {},
                     page="/employer/team").status_code == 404

    response = post_form(boss, f"/employer/team/members/{colleague_id}/remove", {}, page="/employer/team")
    assert response.status_code == 302
    assert colleague.get(resume_url).status_code == 404
    assert colleague.get("/employer").status_code == 403
    assert company_of(app, "col@example.com") is None


def test_rotating_the_join_code_retires_the_old_one(app, job):  # noqa: F811
    boss = client_of(app, BOSS)
    old = join_code(app)
    assert old in page(boss.get("/employer/team"))
    assert post_form(boss, "/employer/team/join-code", {}, page="/employer/team").status_code == 302
    new = join_code(app)
    assert new != old and new in page(boss.get("/employer/team"))
    _, response = Auth(app.test_client()).register("employer", join_code=old)
    assert response.status_code == 422 and "No company has this join code" in page(response)
    with app.app_context():
        assert db.session.scalars(db.select(User.email)).all() == [BOSS]


def invitation_code(mailbox, email) -> str:
    body = mailbox.body(mailbox.to(email)[-1])
    return re.search(r"for 7 days\):\r?\n(\S+)\r?\n", body).group(1)


def test_an_emailed_invitation_joins_at_once_and_works_once(app, resume_url, mailbox):
    boss = client_of(app, BOSS)
    response = post_form(boss, "/employer/team/invitations", {"email": "Invited@Example.com"},
                         page="/employer/team")
    assert response.status_code == 302
    message = mailbox.to("invited@example.com")[-1]
    code = invitation_code(mailbox, "invited@example.com")
    assert f"http://jobs.test/register?role=employer&join_code={code}" in mailbox.body(message)
    assert "invited@example.com" in page(boss.get("/employer/team"))
    assert f'value="{code}"' in page(app.test_client().get(f"/register?role=employer&join_code={code}"))

    # only for the invited address
    _, response = Auth(app.test_client()).register("employer", email="someone@example.com", join_code=code)
    assert response.status_code == 422
    invited = client_of(app, "invited@example.com", role="employer", join_code=code)
    assert invited.get("/employer").status_code == 200
    assert invited.get(resume_url).status_code == 200
    assert request_ids(app) == []
    # single use: the same address, removed and trying again, needs a new invitation
    with app.app_context():
        invited_id = db.session.scalar(db.select(User.id).where(User.email == "invited@example.com"))
    post_form(boss, f"/employer/team/members/{invited_id}/remove", {}, page="/employer/team")
    response = post_form(invited, "/employer/join", {"join_code": code}, page="/employer")
    assert response.status_code == 422 and "the invitation was used or has expired" in page(response)
    assert invited.get(resume_url).status_code == 404


def test_inviting_a_current_member_is_refused_beside_the_field(app, job):  # noqa: F811
    boss = client_of(app, BOSS)
    response = post_form(boss, "/employer/team/invitations", {"email": BOSS}, page="/employer/team")
    assert response.status_code == 422
    assert "This person is already a member of the company." in page(response)
    response = post_form(boss, "/employer/team/invitations", {"email": "not an email"}, page="/employer/team")
    assert response.status_code == 422 and "Enter a valid email address." in page(response)


def test_an_employer_without_a_company_asks_from_the_waiting_page(app, job, mailbox):  # noqa: F811
    boss = client_of(app, BOSS)
    colleague = client_of(app, "col@example.com", role="employer", join_code=join_code(app))
    [first] = request_ids(app)
    post_form(boss, f"/employer/team/requests/{first}/decline", {}, page="/employer/team")
    response = post_form(colleague, "/employer/join", {"join_code": "wrong"}, page="/employer")
    assert response.status_code == 422 and "No company has this join code" in page(response)
    response = post_form(colleague, "/employer/join", {"join_code": join_code(app)}, page="/employer")
    assert response.status_code == 302
    assert "Waiting for approval" in page(colleague.get("/employer"))
    assert len(request_ids(app)) == 1 and request_ids(app) != [first]


def suspend(app, email):
    admin = app.test_client()
    with app.app_context():
        create_admin("admin@example.com", PASSWORD)
        user_id = db.session.scalar(db.select(User.id).where(User.email == email))
    Auth(admin).login("admin@example.com")
    assert post_form(admin, f"/admin/users/{user_id}/suspend", {}, page="/admin").status_code in (302, 303)


def test_a_suspended_employer_cannot_get_back_in_with_the_old_code(app, resume_url):
    """The reported attack: a suspended employer registered a new account with the join code
    and downloaded an applicant's résumé again."""
    boss = client_of(app, BOSS)
    mallory = client_of(app, "mallory@example.com", role="employer", join_code=join_code(app))
    [request_id] = request_ids(app)
    post_form(boss, f"/employer/team/requests/{request_id}/approve", {}, page="/employer/team")
    assert mallory.get(resume_url).status_code == 200
    old_code = join_code(app)

    suspend(app, "mallory@example.com")
    assert company_of(app, "mallory@example.com") is None  # membership ended
    assert join_code(app) != old_code                        # the code they knew is retired

    again = app.test_client()
    _, response = Auth(again).register("employer", email="mallory2@example.com", join_code=old_code)
    assert response.status_code == 422
    assert again.get(resume_url).status_code in (302, 404)
    # even with a leaked current code, a new account only waits for approval
    _, response = Auth(again).register("employer", email="mallory3@example.com", join_code=join_code(app))
    assert response.status_code == 302
    assert again.get(resume_url).status_code == 404
    assert again.get("/employer").status_code == 403
    # unsuspending does not restore the membership
    with app.app_context():
        from jobboard.services.moderation import unsuspend_user

        unsuspend_user(db.session.scalar(db.select(User).where(User.email == "mallory@example.com")))
    assert company_of(app, "mallory@example.com") is None


def test_a_suspended_users_email_cannot_register_again(app, job):  # noqa: F811
    client_of(app, "mallory@example.com", role="employer", company_name="Mallory Inc")
    client_of(app, "active@example.com", role="employer", company_name="Active Inc")
    suspend(app, "mallory@example.com")
    responses = {}
    for email in ("mallory@example.com", "MALLORY@example.com ", "active@example.com"):
        _, responses[email] = Auth(app.test_client()).register("employer", email=email,
                                                                company_name="Fresh Start")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 4  # boss, two, the admin
        assert not db.session.scalar(db.select(User.active).where(User.email == "mallory@example.com"))
        assert db.session.scalar(db.select(db.func.count(Company.id)).where(Company.name == "Fresh Start")) == 0
    # the suspended address gets the same answer as any address that has an account
    suspended, existing = responses["mallory@example.com"], responses["active@example.com"]
    assert suspended.status_code == existing.status_code
    strip = re.compile(r'value="[^"]*"|mallory@example.com|active@example.com', re.I)
    assert strip.sub("", page(suspended)) == strip.sub("", page(existing))


def duplicate_ids(html: str) -> list[str]:
    ids = re.findall(r'\sid="([^"]+)"', html)
    return sorted({i for i in ids if ids.count(i) > 1})


def test_team_and_waiting_pages_have_unique_ids_and_labelled_fields(app, job):  # noqa: F811
    boss = client_of(app, BOSS)
    client_of(app, "new@example.com", role="employer", join_code=join_code(app))
    team = boss.get("/employer/team").get_data(as_text=True)
    assert '<label class="form-label" for="email">' in team
    waiting = client_of(app, "new@example.com").get("/employer").get_data(as_text=True)
    assert '<label class="form-label" for="join_code">' in waiting
    seeker = client_of(app, "s@example.com", role="seeker")
    for html in (team, waiting, seeker.get("/seeker").get_data(as_text=True)):
        assert [i for i in duplicate_ids(html) if i != "csrf_token"] == []
