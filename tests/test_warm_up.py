"""A new web worker renders the pages every visitor sees alike before it takes traffic."""
import logging

from jobboard.extensions import db
from jobboard.services.codes import load_curated_codes
from jobboard.views import warm_up
from tests.factories import make_posting
from tests.test_job_lists import Statements


def test_a_new_worker_pre_renders_home_specialty_and_curated_code_pages(app):
    with app.app_context():
        load_curated_codes()
        make_posting(title="Sentinel Node Coder", cpt_codes=["38900"], specialties=["general-surgery"])
        paths = warm_up.visitor_pages()
    assert paths[0] == "/" and "/specialties/general-surgery" in paths and "/codes/38900" in paths
    assert warm_up.warm_up_pages(app) == len(paths)

    client = app.test_client()  # the worker's first visitor
    with app.app_context():
        for path in ("/", "/specialties/general-surgery", "/codes/38900"):
            with Statements() as statements:
                html = client.get(path).get_data(as_text=True)
            assert "Sentinel Node Coder" in html
            assert statements.count <= 3, path  # versions (and the home page's own reads) only
        with Statements() as statements:
            client.get("/codes/38900")
        assert statements.count == 2  # the reference and posting versions


def test_a_page_that_fails_to_pre_render_is_logged_and_skipped(app, monkeypatch, caplog):
    with app.app_context():
        load_curated_codes()
        db.session.remove()
    monkeypatch.setattr(warm_up, "visitor_pages", lambda: ["/", "/codes/00000", "/specialties/none"])
    with caplog.at_level(logging.INFO, logger=warm_up.__name__):
        assert warm_up.warm_up_pages(app) == 1
    assert "Pre-rendering /codes/00000: HTTP 404" in caplog.text
    assert "Pre-rendered 1 of 3 pages" in caplog.text


def test_a_worker_starts_on_a_database_without_tables(tmp_path, caplog):
    """A worker started before ``flask db upgrade`` pre-renders nothing and still boots."""
    from jobboard import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/empty.sqlite", tmp_path, 1025))
    with caplog.at_level(logging.INFO, logger=warm_up.__name__):
        assert warm_up.warm_up_pages(app) == 0
    assert "Pre-rendering skipped" in caplog.text
