"""Posting search: the index, keeping it in step with the database, queries, facets.

``register_search(app)`` gives the app its backend (one per process) and applies what an
earlier process left in the outbox. Modules: ``schema`` (the document), ``backend`` (the
protocol), ``whoosh_backend``, ``sync`` (flush -> outbox -> commit), ``query`` (users' text),
``params`` (the contract's parameters), ``service`` (a page of results), ``cli``.
"""
from jobboard.search.whoosh_backend import WhooshBackend


def register_search(app) -> None:
    from jobboard.search import sync  # noqa: F401  (registers the session listeners)

    app.extensions["search"] = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    app.config.setdefault("SEARCH_WRITER_TIMEOUT", 2.0)
    if app.config.get("SEARCH_DRAIN_ON_START", not app.testing):
        sync.drain_at_start(app)
