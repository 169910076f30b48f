"""The one rule for text that comes from outside: forms, query parameters, path segments, imports.

PostgreSQL refuses NUL in text (a 500 if it ever reaches a query), and other control characters,
line breaks in one-line values and bidirectional overrides let input disguise itself in pages,
emails and headers. Every entry point asks :func:`text_problem` (or :func:`http_url_problem` for
stored web addresses) and refuses the value with the message it returns:

- forms: ``jobboard.forms.base.Form`` checks every field of every form;
- query parameters and path segments: :func:`register` adds a request hook answering 400;
- the JSON Lines importer: call ``text_problem(value, multiline=...)`` per text field and report
  the line with the message when it is not None.
"""
import re
from urllib.parse import urlsplit

from flask import request

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# One-line values additionally refuse every line break and the bidi embedding/override/isolate
# characters that can make text display in a different order than it is stored.
_SINGLE_LINE_EXTRA = re.compile("[\t\n\r\u2028\u2029\u202a-\u202e\u2066-\u2069]")

CONTROL_MESSAGE = "Remove the invisible control characters (such as NUL) from this text."
LINE_MESSAGE = "Write this on one line, without line breaks, tabs or direction-override characters."
URL_MESSAGE = "Enter a full address starting with http:// or https://, such as https://example.com"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be accepted as text, or None when it is fine.

    ``multiline`` values (descriptions, notes) may hold tabs and line breaks; one-line values
    (titles, names, emails, search parameters) may not, nor bidi overrides (U+202A–U+202E,
    U+2066–U+2069).
    """
    if _CONTROL.search(value):
        return CONTROL_MESSAGE
    if not multiline and _SINGLE_LINE_EXTRA.search(value):
        return LINE_MESSAGE
    return None


def clean_filename(name: str, default: str = "file") -> str:
    """A display name for an uploaded file: controls, line breaks, bidi overrides and path
    separators become ``_``, so the name is safe in pages and headers."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _SINGLE_LINE_EXTRA.sub("_", _CONTROL.sub("_", name)).strip(" .")
    return name or default


def http_url_problem(value: str) -> str | None:
    """Why ``value`` is not a web address we store (http or https with a host), or None."""
    if text_problem(value) or any(ch.isspace() for ch in value):
        return URL_MESSAGE
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return URL_MESSAGE
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return URL_MESSAGE
    return None


def request_problem() -> tuple[str, str] | None:
    """(parameter name, message) for the first bad query parameter or path segment, or None."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (problem := text_problem(value)):
            return name, problem
    for name, value in request.args.items(multi=True):
        if problem := text_problem(name):
            return "(a parameter name)", problem
        if problem := text_problem(value):
            return name, problem
    return None


def register(app):
    """Refuse requests whose query parameters or path segments break the text rule (400)."""

    @app.before_request
    def refuse_control_characters():
        bad = request_problem()
        if bad is not None:
            from jobboard.views.errors import error_response

            name, problem = bad
            return error_response(400, f"{name}: {problem}",
                                  code="invalid_parameter", parameter=name)
        return None
