"""The search contract: the configured backend keeps the ``SearchBackend`` protocol."""
import gc
import inspect

import pytest

from jobboard import create_app
from jobboard.search import UnknownBackend, search_backend
from jobboard.search.backend import SearchBackend
from jobboard.search.whoosh import WhooshBackend
from tests.conftest import base_config

PROTOCOL_METHODS = ("apply", "rebuild", "search", "check", "warm_up", "version")


@pytest.mark.parametrize("name", PROTOCOL_METHODS)
def test_whoosh_backend_has_the_protocol_signature(name):
    wanted = inspect.signature(getattr(SearchBackend, name))
    actual = inspect.signature(getattr(WhooshBackend, name))
    assert list(actual.parameters) == list(wanted.parameters)
    for parameter, expected in wanted.parameters.items():
        assert actual.parameters[parameter].default == expected.default, parameter


def test_the_protocol_lists_exactly_the_methods_checked_here():
    declared = {n for n, v in vars(SearchBackend).items() if inspect.isfunction(v) and not n.startswith("_")}
    assert declared == set(PROTOCOL_METHODS)


def test_search_backend_setting_picks_the_backend(tmp_path):
    app = create_app({**base_config("sqlite:///" + str(tmp_path / "db.sqlite"), tmp_path, 25),
                      "SEARCH_BACKEND": "whoosh"})
    with app.app_context():
        backend = search_backend()
        assert isinstance(backend, WhooshBackend)
        assert isinstance(backend, SearchBackend)
        assert backend.path == app.config["SEARCH_INDEX_DIR"]


def test_an_unknown_backend_is_refused_at_start(tmp_path):
    with pytest.raises(UnknownBackend, match="SEARCH_BACKEND='elastic': choose one of whoosh"):
        create_app({**base_config("sqlite:///" + str(tmp_path / "db.sqlite"), tmp_path, 25),
                    "SEARCH_BACKEND": "elastic"})


def test_warm_up_loads_the_view_a_first_search_needs(app):
    from tests.factories import make_posting

    with app.app_context():
        make_posting(title="Warm Coder", specialties=["radiology"])
        backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])  # a new worker's backend
        assert backend._view is None
        backend.warm_up()
        view = backend._view
        assert all({"newest", "salary"} <= set(leaf.segment.orders) for leaf in view.leaves)
        assert ("specialty", "radiology") in view._sets["term"]
        assert backend.view() is view  # the first search reuses it


def test_a_new_web_worker_is_warmed_up_before_its_first_search(app):
    from jobboard.search import warm_up_worker
    from tests.factories import make_posting

    with app.app_context():
        make_posting(title="Warm Coder", specialties=["radiology"])
    app.extensions["search"] = backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    try:
        warm_up_worker(app)
        assert gc.get_freeze_count() > 0  # start-up objects are kept out of full collections
    finally:
        gc.unfreeze()
    (segment, _, _), = backend._view.leaves
    assert ("title", "coder") in segment.terms  # the commonest word's term sets were read
    assert ("specialty", "radiology") in backend._view._sets["term"]
