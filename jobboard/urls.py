"""Absolute links for emails, built from the configured ``SITE_URL`` only.

A link in an email must never follow the request's Host header (an attacker who sets
``Host: evil.example`` would otherwise receive a victim's reset link on their own host), and
commands such as ``flask alerts send`` have no request at all. So every emailed link goes through
``external_url``, which binds the URL map to ``SITE_URL`` instead of to a request. Integer parts
of URLs follow the one integer rule of ``jobboard.numbers``.
"""
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter, Map, MapAdapter

from jobboard.numbers import INTEGER_PATTERN, MAX_ID


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: ASCII digits up to the largest id; anything else is a 404."""

    regex = INTEGER_PATTERN

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def external_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` on the public site, e.g. for a link in an email."""
    return _site_adapter(current_app.url_map, current_app.config["SITE_URL"]).build(
        endpoint, values, force_external=True)


@lru_cache(maxsize=8)
def _site_adapter(url_map: Map, site_url: str) -> MapAdapter:
    """The URL map bound to the site's address, made once (feeds and the API build many links)."""
    site = urlsplit(site_url)
    return url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme)
