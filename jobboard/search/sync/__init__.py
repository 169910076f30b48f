"""Keeping this host's index in step with the database.

``collect`` (session hooks: which postings a transaction changed), ``log`` (the append-only
change log written in the same transaction, and following it into the index), ``maintenance``
(rebuild, drift check), ``rows`` (every visible posting as plain rows, for both).
"""
from jobboard.search.sync import collect  # noqa: F401  (registers the session listeners)
from jobboard.search.sync.collect import following_later
from jobboard.search.sync.log import FellBehind, follow, lag, prune, reindex_postings
from jobboard.search.sync.maintenance import Drift, catch_up, check, rebuild, visible_count

__all__ = ["Drift", "FellBehind", "catch_up", "check", "follow", "following_later", "lag", "prune",
           "rebuild", "reindex_postings", "visible_count"]
