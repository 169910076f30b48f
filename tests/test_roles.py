"""Who may open which page: each role against each protected page."""
import pytest

from jobboard.extensions import db
from jobboard.services.accounts import create_admin
from tests.conftest import PASSWORD, Auth

PAGES = ["/seeker", "/seeker/profile", "/employer", "/employer/company", "/account", "/employer/team"]

# role -> expected status per page, in PAGES order.
MATRIX = {
    "visitor": [302, 302, 302, 302, 302, 302],
    "seeker": [200, 200, 403, 403, 200, 403],
    "employer": [403, 403, 200, 200, 200, 200],
    "admin": [403, 403, 403, 403, 200, 403],
}


def signed_in_client(app, role):
    client = app.test_client()
    if role in ("seeker", "employer"):
        Auth(client).register(role)
    elif role == "admin":
        with app.app_context():
            create_admin("admin@example.com", PASSWORD)
        Auth(client).login("admin@example.com")
    return client


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix(app, role):
    client = signed_in_client(app, role)
    got = [client.get(page).status_code for page in PAGES]
    assert got == MATRIX[role]
    if role == "visitor":
        response = client.get("/employer/company")
        assert response.headers["Location"].endswith("/login?next=/employer/company")


def test_public_pages_are_open_to_visitors(app, client, auth):
    auth.register("employer", company_name="Open Door Coding")
    auth.logout()
    assert client.get("/").status_code == 200
    page = client.get("/companies/open-door-coding")
    assert page.status_code == 200 and "Open Door Coding" in page.get_data(as_text=True)
    assert client.get("/companies/no-such-company").status_code == 404


def test_a_missing_record_gets_the_same_404_as_an_unknown_address(client):
    """The services' NotFound has one handler: the site's 404 page, or the API's JSON error."""
    unknown = client.get("/no-such-address")
    for path in ("/companies/no-such-company", "/specialties/no-such-specialty", "/jobs/999999"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "There is nothing at this address." in page.get_data(as_text=True), path
        assert page.get_data(as_text=True) == unknown.get_data(as_text=True), path
    response = client.get("/api/v1/jobs/999999")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "page_not_found",
                                             "message": "There is nothing at this address."}}


def test_employer_edits_own_company_profile(app, client, auth):
    from tests.conftest import post_form

    auth.register("employer", company_name="Riverbend Clinic")
    response = post_form(client, "/employer/company", {
        "name": "Riverbend Clinic Coding", "website": "https://riverbend.example",
        "city": "Boise", "state": "ID", "about": "We code orthopedics.",
    })
    assert response.status_code == 302
    page = client.get("/companies/riverbend-clinic").get_data(as_text=True)
    assert "Riverbend Clinic Coding" in page and "Boise, ID" in page
    bad = post_form(client, "/employer/company", {"name": "X", "website": "not a url"})
    assert bad.status_code == 422 and "Enter a full address" in bad.get_data(as_text=True)


def test_seeker_edits_profile_with_credentials_and_specialties(app, client, auth):
    from jobboard.models.seeker import SeekerProfile
    from tests.conftest import post_form

    auth.register("seeker")
    response = post_form(client, "/seeker/profile", {
        "headline": "CPC, surgical coder", "credentials": ["CPC", "CGSC"],
        "specialties": ["general-surgery", "hemic-lymphatic"], "years_experience": "6",
        "city": "Phoenix", "state": "AZ", "preferred_arrangement": "remote",
        "desired_salary": "62000",
    })
    assert response.status_code == 302
    page = client.get("/seeker").get_data(as_text=True)
    assert "CPC, surgical coder" in page and "CGSC" in page and "Hemic" in page
    with app.app_context():
        profile = db.session.scalar(db.select(SeekerProfile))
        assert [c.abbreviation for c in profile.credentials] == ["CGSC", "CPC"]
        assert profile.desired_salary == 62000 and profile.preferred_arrangement == "remote"
    bad = post_form(client, "/seeker/profile", {"credentials": ["NOPE"], "years_experience": "-3"})
    assert bad.status_code == 422
