"""Posting descriptions: Markdown with raw HTML disabled, sanitised, CPT codes linked."""
import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from jobboard.tagging import code_mentions

_markdown = MarkdownIt("js-default", {"breaks": True}).enable("table")
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "code", "pre", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
}
_TAG_OR_TEXT = re.compile(r"(<[^>]+>)")


def _link_codes(markup: str, code_url) -> str:
    """Link CPT code mentions in text nodes, never inside an existing link or code block."""
    out, depth = [], 0
    for part in _TAG_OR_TEXT.split(markup):
        if part.startswith("<"):
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in ("a", "code", "pre"):
                depth += -1 if part.startswith("</") else 1
            out.append(part)
            continue
        if depth or not part:
            out.append(part)
            continue
        last, pieces = 0, []
        for start, end, code in code_mentions(part):
            pieces.append(part[last:start])
            pieces.append(f'<a class="code-link" href="{escape(code_url(code))}">{part[start:end]}</a>')
            last = end
        pieces.append(part[last:])
        out.append("".join(pieces))
    return "".join(out)


def render_description(text: str, code_url=None) -> Markup:
    """Safe HTML for a posting description; ``code_url(code)`` links CPT codes when given."""
    markup = nh3.clean(
        _markdown.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    if code_url is not None:
        markup = _link_codes(markup, code_url)
    return Markup(markup)


def plain_text(text: str) -> str:
    """The description as plain text (for JSON-LD, feeds, snippets and the index)."""
    stripped = nh3.clean(_markdown.render(text or ""), tags=set())
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()
