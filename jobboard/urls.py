"""Absolute links for emails, built from the configured ``SITE_URL`` only.

A link in an email must never follow the request's Host header (an attacker who sets
``Host: evil.example`` would otherwise receive a victim's reset link on their own host), and
commands such as ``flask alerts send`` have no request at all. So every emailed link goes through
``external_url``, which binds the URL map to ``SITE_URL`` instead of to a request.
"""
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` on the public site, e.g. for a link in an email."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/",
                                       url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)
