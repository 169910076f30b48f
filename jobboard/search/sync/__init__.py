"""Keeping an index in step with the database.

``collect`` (session hooks: which postings a transaction changed), ``log`` (the outbox written
in the same transaction, and applying it to the index), ``maintenance`` (rebuild, drift check).
"""
from jobboard.search.sync import collect  # noqa: F401  (registers the session listeners)
from jobboard.search.sync.log import drain, drain_at_start, pending_count, reindex_postings
from jobboard.search.sync.maintenance import Drift, check, rebuild, visible_count

__all__ = ["Drift", "check", "drain", "drain_at_start", "pending_count", "rebuild",
           "reindex_postings", "visible_count"]
