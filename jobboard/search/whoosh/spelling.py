"""Spelling suggestions ("did you mean"): the index's own vocabulary is the dictionary.

A query word that matches nothing is replaced by the most frequent indexed word within one edit
(short words) or two edits of it.
"""
from collections import defaultdict

from jobboard.search.document import TEXT_FIELDS
from jobboard.search.whoosh.segments import Segment, View


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


def words(segment: Segment, lock) -> dict[tuple[str, int], dict[str, int]]:
    """Alphabetic words of a segment's text fields by (first letter, length), with their
    document frequency: read once per segment, kept for every generation that holds it."""
    found = segment.derived.get("words")
    if found is None:
        grouped: defaultdict[tuple[str, int], dict[str, int]] = defaultdict(dict)
        with lock:
            for field in TEXT_FIELDS:
                for term, df in segment.lexicon(field).items():
                    if term.isalpha():
                        bucket = grouped[(term[0], len(term))]
                        bucket[term] = bucket.get(term, 0) + df
        found = segment.derived["words"] = dict(grouped)
    return found


def correct(view: View, word: str) -> str | None:
    """The most frequent indexed word within one (short words) or two edits of ``word``."""
    if not word.isalpha() or len(word) < 4:
        return None
    limit = 1 if len(word) <= 5 else 2
    frequency: defaultdict[str, int] = defaultdict(int)
    for segment, _, _ in view.leaves:
        grouped = words(segment, view.lock)
        for length in range(len(word) - limit, len(word) + limit + 1):
            for candidate, df in grouped.get((word[0], length), {}).items():
                frequency[candidate] += df
    best = None
    for candidate, df in frequency.items():
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
