"""Text analysis shared by the index and the query parser, so both sides agree on terms.

Coding vocabulary survives as whole tokens: credentials with a suffix (``cpc-a``, ``ccs-p``),
``e/m`` and ``e&m``, and CPT codes (``38900``, ``0042t``); other hyphenated or slashed words
split into their parts. The index keeps words as written (lower-cased, stop words dropped); the
query side maps each word to its stem and from there to every indexed form with that stem, so
stemming costs nothing at indexing time and the index vocabulary doubles as the "did you mean"
dictionary. Phrases are indexed as adjacent-word pairs (``sentinel_lymph``), which makes a quoted
phrase as cheap to find as a single word.
"""
import re
from functools import lru_cache
from itertools import pairwise

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

from jobboard.reference_data import load_credentials

_AMPERSAND_RE = re.compile(r"\b([a-z])\s*(?:&amp;|&)\s*([a-z])\b")
_TOKEN_RE = re.compile(r"[0-9a-z]+(?:[-/&][0-9a-z]+)*")
_SPLIT_RE = re.compile(r"[-/&]")
_WORD_COUNT_RE = re.compile(r"[0-9A-Za-z]+(?:[-/&][0-9A-Za-z]+)*")

CREDENTIALS = {c.abbreviation.lower(): c.abbreviation for c in load_credentials()}
# Tokens kept whole although they contain a separator.
COMPOUNDS = {abbr for abbr in CREDENTIALS if "-" in abbr} | {"e/m", "e&m", "ob/gyn", "hem/onc"}
# Words whose Porter stem would lose their identity, or that name the same job.
STEM_OVERRIDES = {"coder": "code", "coders": "code", "biller": "bill", "billers": "bill",
                  "auditor": "audit", "auditors": "audit", "hccs": "hcc"}
STOP = frozenset(STOP_WORDS)


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The stem of one lower-case token; codes, credentials and short words stay as they are."""
    if token in STEM_OVERRIDES:
        return STEM_OVERRIDES[token]
    if token in CREDENTIALS or not token.isalpha() or len(token) <= 3:
        return token
    return porter_stem(token)


def tokens(text: str) -> list[str]:
    """Lower-case tokens of ``text`` in order, stop words and one-letter tokens dropped."""
    lowered = (text or "").lower()
    if "&" in lowered:  # a substitution costs several microseconds even when nothing matches
        lowered = _AMPERSAND_RE.sub(r"\1&\2", lowered)
    out = []
    for token in _TOKEN_RE.findall(lowered):
        if token.isalnum() or token in COMPOUNDS:
            out.append(token)
        else:
            out.extend(_SPLIT_RE.split(token))
    return [t for t in out if len(t) > 1 and t not in STOP]


def pairs(terms: list[str]) -> list[str]:
    """Adjacent-term pairs: the phrase index."""
    return list(map("_".join, pairwise(terms)))


def word_count(text: str) -> int:
    """Words as a reader counts them (stop words included): the title-length norm."""
    return len(_WORD_COUNT_RE.findall(text or ""))
