"""Text analysis shared by the index and the query parser, so both sides agree on terms.

Coding vocabulary survives as whole tokens: credentials with a suffix (``cpc-a``, ``ccs-p``),
``e/m`` (``E&M`` is folded into it), and CPT codes (``38900``, ``0042t``); other hyphenated or
slashed words split into their parts. Words are lower-cased, stop words dropped and the rest
Porter-stemmed, except protected tokens (codes, credentials, abbreviations) that stemming
would mangle. Phrases are matched through adjacent-word pairs (``a_b``), which makes a quoted
phrase as cheap to find as a single word.
"""
import re
from functools import lru_cache

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

from jobboard.reference_data import load_credentials

_EM_RE = re.compile(r"\be\s*(?:/|&|&amp;)\s*m\b")
_TOKEN_RE = re.compile(r"[0-9a-z]+(?:[-/&][0-9a-z]+)*")
_SPLIT_RE = re.compile(r"[-/&]")
_WORD_RE = re.compile(r"[a-z]{3,}")

CREDENTIALS = {c.abbreviation.lower(): c.abbreviation for c in load_credentials()}
# Tokens kept whole although they contain a separator.
COMPOUNDS = {abbr for abbr in CREDENTIALS if "-" in abbr} | {"e/m", "ob/gyn", "hem/onc"}
# Words whose Porter stem would lose their identity, or that mean the same job.
STEM_OVERRIDES = {"coder": "code", "coders": "code", "biller": "bill", "billers": "bill",
                  "auditor": "audit", "auditors": "audit", "ccs": "ccs", "hccs": "hcc"}
STOP = frozenset(STOP_WORDS)


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The index form of one lower-case token."""
    if token in STEM_OVERRIDES:
        return STEM_OVERRIDES[token]
    if token in CREDENTIALS or not token.isalpha() or len(token) <= 3:
        return token
    return porter_stem(token)


def tokens(text: str) -> list[str]:
    """Lower-case tokens of ``text`` in order, stop words and one-letter tokens dropped."""
    lowered = _EM_RE.sub("e/m", (text or "").lower())
    out = []
    for token in _TOKEN_RE.findall(lowered):
        if token in COMPOUNDS or not _SPLIT_RE.search(token):
            parts = (token,)
        else:
            parts = _SPLIT_RE.split(token)
        out.extend(p for p in parts if len(p) > 1 and p not in STOP)
    return out


def stems(text: str) -> list[str]:
    """Index terms of ``text`` in order (duplicates kept, for word pairs)."""
    return [stem(t) for t in tokens(text)]


def pairs(terms: list[str]) -> list[str]:
    """Adjacent-term pairs: the phrase index."""
    return [f"{a}_{b}" for a, b in zip(terms, terms[1:])]


def words(text: str) -> set[str]:
    """Plain lower-case words of three letters or more: the spelling vocabulary."""
    return set(_WORD_RE.findall((text or "").lower())) - STOP
