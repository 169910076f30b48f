"""Spelling suggestions ("did you mean"): the index's own vocabulary is the dictionary.

A query word that matches nothing is replaced by the most frequent indexed word within one edit
(short words) or two edits of it.
"""
from collections import defaultdict

from jobboard.search.document import TEXT_FIELDS
from jobboard.search.whoosh.segments import View


def suggestion(view: View, scorer, query) -> str | None:
    """The query with each word the index has never seen replaced by its nearest word."""
    corrected, changed = query.text, False
    for group in query.groups:
        for clause in group:
            if clause.kind != "word" or scorer.match(clause):
                continue
            word = clause.forms[0].tokens[0]
            better = correct(view, word)
            if better and better != word:
                corrected = _replace_word(corrected, clause.raw, better)
                changed = True
    return corrected if changed else None


def vocabulary(view: View) -> dict[str, int]:
    """Alphabetic words of the text fields with their document frequency, per generation."""
    found = view.derived.get("vocabulary")
    if found is None:
        words: defaultdict[str, int] = defaultdict(int)
        with view.lock:
            for segment, leaf, _ in view.leaves:
                for field in TEXT_FIELDS:
                    for term, df in segment.lexicon(leaf, field).items():
                        if term.isalpha():
                            words[term] += df
        found = view.derived["vocabulary"] = dict(words)
    return found


def correct(view: View, word: str) -> str | None:
    """The most frequent indexed word within one (short words) or two edits of ``word``."""
    if not word.isalpha() or len(word) < 4:
        return None
    limit = 1 if len(word) <= 5 else 2
    best = None
    for candidate, df in vocabulary(view).items():
        if abs(len(candidate) - len(word)) > limit or candidate[0] != word[0]:
            continue
        distance = _edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or (distance, -df) < best[0]):
            best = ((distance, -df), candidate)
    return best[1] if best else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _replace_word(query: str, raw: str, better: str) -> str:
    index = query.lower().find(raw.lower())
    if index < 0:
        return better
    return query[:index] + better + query[index + len(raw):]
