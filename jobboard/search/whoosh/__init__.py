"""Posting search on Whoosh 2.7.4.

``backend`` (the ``SearchBackend``), ``segments`` (per-segment caches and per-generation views),
``scoring`` (relevance with set operations), ``spelling`` ("did you mean"), ``schema`` (the
fields), ``bits`` (document sets as integers), and ``storage``, the only module that touches
Whoosh's internals.
"""
from jobboard.search.whoosh.backend import WhooshBackend

__all__ = ["WhooshBackend"]
