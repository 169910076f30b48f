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
    """Link CPT code mentions in text, never inside an existing link or code block.

    Mentions are found on the whole text (tags read as spaces), so a code in bold still has
    its context; only text outside ``a``/``code``/``pre`` is rewritten.
    """
    parts = _TAG_OR_TEXT.split(markup)
    linkable, depth, offsets, position = [], 0, [], 0
    for part in parts:
        offsets.append(position)
        if part.startswith("<"):
            name = (part.strip("</>").split() or [""])[0].lower()
            if name in ("a", "code", "pre"):
                depth += -1 if part.startswith("</") else 1
            linkable.append(False)
            position += 1
        else:
            linkable.append(depth == 0)
            position += len(part)
    text = "".join(" " if part.startswith("<") else part for part in parts)
    mentions = code_mentions(text)
    out = []
    for index, part in enumerate(parts):
        if not linkable[index] or not part:
            out.append(part)
            continue
        start, end, last, pieces = offsets[index], offsets[index] + len(part), 0, []
        for m_start, m_end, code in mentions:
            if m_start >= start and m_end <= end:
                a, b = m_start - start, m_end - start
                pieces.append(part[last:a])
                pieces.append(f'<a class="code-link" href="{escape(code_url(code))}">{part[a:b]}</a>')
                last = b
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
