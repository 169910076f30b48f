"""/api/openapi.json: a valid OpenAPI 3.1 document covering every /api/v1 route, and the API
answering what it documents (schemathesis calls every operation through the test client)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_employer, make_posting


@pytest.fixture
def api_app(app):
    """The app with a few open postings, so list and detail answers carry real jobs."""
    with app.app_context():
        author = make_employer()
        make_posting(author=author, title="Surgical Coder", cpt_codes=["38900"],
                     specialties=["general-surgery"], description="Sentinel lymph node biopsies.")
        make_posting(author=author, title="Risk Adjustment Coder", specialties=["risk-adjustment"],
                     credentials_required=["CRC"], salary_min=None, salary_max=None, city="", state="",
                     arrangement="onsite")
    return app


def test_document_is_valid_openapi_31_and_covers_every_api_route(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    api_rules = {rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
                 for rule in client.application.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert set(document["paths"]) == api_rules
    search = document["paths"]["/api/v1/jobs"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {"q", "specialty", "credential", "arrangement", "employment_type", "state", "salary_min",
            "posted_within", "code", "sort", "page", "per_page"} <= names
    specialty = next(p for p in search["parameters"] if p["name"] == "specialty")
    assert "risk-adjustment" in specialty["schema"]["items"]["enum"]
    assert document["servers"] == [{"url": "http://jobs.test"}]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_as_documented(api_app, mode):
    """For valid and for malformed input to every operation: no 5xx, and every status, content
    type and body is one the document lists. (Schemathesis drives Hypothesis per operation:
    its pytest plugin's lazy fixture mode does not run under pytest 9.)"""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
            continue  # nothing to get wrong in a request without parameters
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=30, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            # identity: the WSGI test client does not decompress what Flask-Compress sends
            response = case.call_and_validate(
                headers={"Accept-Encoding": "identity"},
                checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                        response_schema_conformance])
            assert response.status_code < 500

        call()
