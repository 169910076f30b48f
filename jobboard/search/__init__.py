"""Posting search: the index, keeping it in step with the database, queries, facets.

The backend-neutral core: ``backend`` (the contract: requests, hits, the ``SearchBackend``
protocol), ``document`` (the one document builder), ``text`` (analysis shared by index and
queries), ``ranking`` (the weights), ``query`` (users' text), ``params`` (the contract's
parameters), ``service`` (a page of results), ``snippets``, ``cli``. Engines live in
subpackages (``whoosh``); ``sync`` keeps an index in step with the database.

``register_search(app)`` gives the app the backend named by ``SEARCH_BACKEND`` (one per process);
``warm_up_worker(app)`` prepares a new web worker before it takes traffic.
"""
from flask import current_app

from jobboard.search.backend import SearchBackend


def _whoosh(app) -> SearchBackend:
    from jobboard.search.whoosh import WhooshBackend

    return WhooshBackend(app.config["SEARCH_INDEX_DIR"])


BACKENDS = {"whoosh": _whoosh}


class UnknownBackend(ValueError):
    """``SEARCH_BACKEND`` names no backend, or one that does not keep the contract."""


def make_backend(app) -> SearchBackend:
    """The backend ``SEARCH_BACKEND`` names, checked against the ``SearchBackend`` protocol."""
    name = app.config.get("SEARCH_BACKEND", "whoosh")
    factory = BACKENDS.get(name)
    if factory is None:
        raise UnknownBackend(f"SEARCH_BACKEND={name!r}: choose one of {', '.join(sorted(BACKENDS))}.")
    backend = factory(app)
    if not isinstance(backend, SearchBackend):
        raise UnknownBackend(f"SEARCH_BACKEND={name!r} does not implement SearchBackend.")
    return backend


def register_search(app) -> None:
    from jobboard.search import sync  # noqa: F401  (registers the session listeners)

    app.extensions["search"] = make_backend(app)
    if app.config.get("SEARCH_FOLLOW_AFTER_COMMIT") is None:
        app.config["SEARCH_FOLLOW_AFTER_COMMIT"] = app.testing


def search_backend() -> SearchBackend:
    """The current app's backend."""
    return current_app.extensions["search"]


def warm_up_worker(app) -> None:
    """Before a new web worker takes traffic: the ORM mappers configured, the index loaded
    (``SearchBackend.warm_up``) and the list page and a search of the commonest word run once
    through the service (their SQL compiled, the word's term sets read), so no user pays a
    worker's cold start. What start-up made (modules, app, caches) lives as long as the worker,
    so it is moved out of the garbage collector's way (``gc.freeze``): a full collection then
    scans only what requests made, instead of stalling a request some 100 ms every few hundred."""
    import gc

    from sqlalchemy.orm import configure_mappers
    from werkzeug.datastructures import MultiDict

    from jobboard.extensions import db
    from jobboard.search.params import parse_params
    from jobboard.search.service import search_postings

    configure_mappers()
    with app.app_context():
        search_backend().warm_up()
        for q in ("", "coder"):
            search_postings(parse_params(MultiDict({"q": q})))
        db.session.remove()
    gc.collect()
    gc.freeze()
