"""Highlighted snippets: the stretch of a description with the most matched words, marked."""
import html
import re
from array import array
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate

from markupsafe import Markup, escape

from jobboard.search.document import index_text
from jobboard.search.text import tokens as index_tokens

WIDTH = 240
PREVIEW_SOURCE = 4000  # characters of a description a snippet is taken from
_WORD_RE = re.compile(r"[0-9A-Za-z]+(?:[-/&][0-9A-Za-z]+)*")
_WORDS_SPLIT_RE = re.compile(f"({_WORD_RE.pattern})")
_LINE_MARKER_RE = re.compile(r"^[ \t]*(?:>[ \t>]*|#{1,6}[ \t]+|(?:[-+*]|\d+[.)])[ \t]+)",
                             re.MULTILINE)
_MARKUP_RE = re.compile(r"[*_`|~\[\]\\]+")


def preview_text(markdown: str) -> str:
    """A description's words without Markdown syntax, for display in a snippet.

    A few regular expressions instead of rendering: rendering twenty descriptions cost more than
    the rest of a search request.
    """
    text = _LINE_MARKER_RE.sub("", index_text(markdown[:PREVIEW_SOURCE]))
    return " ".join(html.unescape(_MARKUP_RE.sub(" ", text)).split())


@lru_cache(maxsize=8192)
def _parts(word: str) -> frozenset[str]:
    """The index tokens of a lower-case word with a separator ("e/m", "risk-adjustment")."""
    return frozenset(index_tokens(word))


def _marked(words: list[str], wanted: frozenset[str]) -> set[str]:
    """The distinct ``words`` (lower case) to mark: wanted themselves or by one of their parts."""
    return {word for word in set(words)
            if word in wanted or not word.isalnum() and not wanted.isdisjoint(_parts(word))}


@lru_cache(maxsize=4096)
def _prepared(description: str) -> tuple[str, array, str]:
    """A description's preview text, its words' (start, end) offsets and the words lower-cased
    (one string, a word a line), kept per description.

    Keyed by the text itself, so an edited posting is never served an old preview; the postings
    of popular searches are prepared once per process instead of once per request. The offsets
    are one compact array: match objects took about 25 MB of a worker's memory. Splitting the
    text on its words (gap, word, gap... gap) gives words and offsets without a loop per word.
    """
    text = preview_text(description)
    parts = _WORDS_SPLIT_RE.split(text)
    spans = array("H" if len(text) < 1 << 16 else "I", accumulate(map(len, parts[:-1])))
    return text, spans, "\n".join(parts[1::2]).lower()   # ASCII words: no offset moves


@lru_cache(maxsize=4096)
def snippet(description: str, wanted: frozenset[str], width: int = WIDTH) -> Markup:
    """About ``width`` characters of the description, matched words in ``<mark>``.

    Kept per (text, marked words): a popular search's page is marked once per process, and an
    edited description is a new key, so it never gets an old snippet.
    """
    text, spans, lowered = _prepared(description or "")
    words = lowered.split("\n") if wanted and lowered else []
    marked = _marked(words, wanted) if words else set()
    hits = [(spans[2 * i], spans[2 * i + 1], word) for i, word in enumerate(words) if word in marked]
    start = 0
    if hits:
        best, best_count = hits[0][0], 0
        for first, _, _ in hits:
            count = len({word for s, _, word in hits if first <= s < first + width})
            if count > best_count:
                best, best_count = first, count
        start = best
        # Begin a few words earlier so the match has some context.
        word = bisect_left(spans, start) // 2   # the first word at or after ``start``
        if word and start - spans[2 * max(0, word - 4)] < width // 3:
            start = spans[2 * max(0, word - 4)]
        if start < width // 3:
            start = 0
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    out = [Markup("…") if start > 0 else Markup("")]
    position = start
    for s, e, _ in hits:
        if s < start or e > end:
            continue
        out.append(escape(text[position:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e])
        position = e
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)
