"""Search for coders: coding jobs outrank ads that share their words, credentials in the query
boost without filtering, title phrases rank first, and words that match nothing are named."""
import pytest

from jobboard.extensions import db
from jobboard.models.posting import Posting
from tests.factories import make_employer, make_posting

UNTAGGED = {"specialties": [], "credentials_required": []}


def ids(client, q):
    body = client.get("/api/v1/jobs", query_string={"q": q}).get_json()
    return [item["id"] for item in body["items"]], body


@pytest.fixture
def board(app):
    """Coding jobs and non-coding ads sharing their words, all imported untagged."""
    with app.app_context():
        author = make_employer()

        def post(title, description):
            return make_posting(author=author, title=title, description=description, **UNTAGGED).id

        found = {
            "ra_coder": post("Risk Adjustment Coder", "Review Medicare Advantage charts and code diagnoses "
                             "to HCCs with ICD-10-CM. CRC required."),
            "ra_analyst": post("Risk Adjustment Data Analyst", "Build SQL models of risk adjustment RAF "
                               "scores and HCC capture; Tableau dashboards for finance."),
            "inpatient_cic": post("Inpatient Coder", "Code inpatient stays with ICD-10-PCS and assign "
                                  "MS-DRGs. CIC required."),
            "inpatient_ccs": post("Inpatient Coding Specialist", "Code acute inpatient records and "
                                  "validate DRGs. CCS required."),
            "asc": post("Ambulatory Surgery Center Coder", "Code operative notes with CPT for our "
                        "surgery center. CPC required."),
            "surgical": post("Surgical Coder", "Code ambulatory surgery center cases and hospital "
                             "surgery with CPT and modifiers. CPC required."),
        }
        with_flags = {k: db.session.get(Posting, v).coding_related for k, v in found.items()}
        assert with_flags == {**{k: True for k in found}, "ra_analyst": False}
        return found


def test_coding_jobs_outrank_and_hide_ads_sharing_their_words(client, board):
    found, _ = ids(client, "risk adjustment")
    assert found == [board["ra_coder"]]
    # A search only the ad matches still finds it, and says no coding job matched its words.
    found, body = ids(client, "Tableau dashboards")
    assert found == [board["ra_analyst"]] and body["unmatched"] == ["tableau", "dashboards"]


def test_a_credential_in_the_query_boosts_and_never_filters(client, board):
    found, _ = ids(client, "CIC inpatient coder")
    assert found[:2] == [board["inpatient_cic"], board["inpatient_ccs"]]
    found, _ = ids(client, "CIC")  # alone, it is what the seeker asks for
    assert found == [board["inpatient_cic"]]


def test_title_matches_of_phrases_rank_first(client, board):
    found, _ = ids(client, "ambulatory surgery center coder")
    assert found[0] == board["asc"] and board["surgical"] in found


def test_words_that_match_no_job_are_named_in_the_api_and_on_the_page(client, board):
    found, body = ids(client, "radiology coder")
    assert body["unmatched"] == ["radiology"] and found  # the other words still find coders
    html = client.get("/jobs", query_string={"q": "radiology coder"}).get_data(as_text=True)
    notice = html[html.index('id="unmatched"'):]
    assert "No open coding job matches &ldquo;<strong>radiology</strong>&rdquo;" in notice
    assert 'href="/specialties/radiology"' in notice
    assert "to get an alert when a matching job is posted" in notice
    assert ids(client, "inpatient coder")[1]["unmatched"] == []
