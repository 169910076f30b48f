"""Posting search: the index, keeping it in step with the database, queries, facets.

The backend-neutral core: ``backend`` (the contract: requests, hits, the ``SearchBackend``
protocol), ``document`` (the one document builder), ``text`` (analysis shared by index and
queries), ``ranking`` (the weights), ``query`` (users' text), ``params`` (the contract's
parameters), ``service`` (a page of results), ``snippets``, ``cli``. Engines live in
subpackages (``whoosh``); ``sync`` keeps an index in step with the database.

``register_search(app)`` gives the app the backend named by ``SEARCH_BACKEND`` (one per process).
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
