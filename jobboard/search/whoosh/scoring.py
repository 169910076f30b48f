"""Relevance without a per-document loop: score levels computed with set operations.

Each matching posting gets a score from the fields each clause matched, with the weights of
``search.ranking.SEARCH_BOOSTS`` (title > specialty tag > section > company or place >
description; a short title and a focused tag count more; the form the user typed beats its
synonyms). Postings are grouped by score with intersections of document sets, and a group is
ordered by date only as far as the page needs (``View.ranked``).
"""
from collections import defaultdict
from itertools import pairwise

from jobboard.search import text
from jobboard.search.ranking import SEARCH_BOOSTS as BOOSTS
from jobboard.search.whoosh.segments import View

TITLE, LITERAL, SECTION = BOOSTS["title"], BOOSTS["literal"], BOOSTS["section"]
META, BODY, ATTRIBUTE = BOOSTS["meta"], BOOSTS["body"], BOOSTS["attribute"]
TAG = BOOSTS["specialty_tag"]
CODE_TAG, CODE_RANGE = BOOSTS["code_tag"], BOOSTS["code_range"]
REQUIRED, LISTED = BOOSTS["credential_required"], BOOSTS["credential_listed"]
PRIOR, PRIOR_AMBIGUOUS = BOOSTS["domain"], BOOSTS["domain_ambiguous"]
CODING_JOB, TITLE_PHRASE = BOOSTS["coding_job"], BOOSTS["title_phrase"]


class Scorer:
    """Turns parsed clauses into match sets and score levels over one view."""

    def __init__(self, view: View):
        self.view = view
        self.highlight: set[str] = set()
        self._channels: dict[int, list[list[tuple[int, int]]]] = {}
        self._matches: dict[int, int] = {}
        self._tlen = {n: view.term("tlen", str(n)) for n in range(1, 10)}
        self._nspec = {n: view.term("nspec", n) for n in TAG}

    # -- field helpers -------------------------------------------------------------------------

    def _word(self, field: str, token: str) -> int:
        forms = self.view.forms(field, text.stem(token)) | {token}
        if field in ("title", "body"):
            self.highlight.update(f for f in forms if self.view.term(field, f))
        return self.view.any(field, forms)

    def _phrase(self, tokens: tuple[str, ...]) -> int:
        """Documents where the words stand next to each other (any field but tags)."""
        found = -1
        for a, b in pairwise(tokens):
            pairs = 0
            for x in self._any_forms(a):
                for y in self._any_forms(b):
                    pair = self.view.term("phrase", f"{x}_{y}")
                    if pair:
                        pairs |= pair
                        self.highlight.update((x, y))
            found &= pairs
            if not found:
                return 0
        return max(found, 0)

    def _any_forms(self, token: str) -> set[str]:
        stem = text.stem(token)
        return self.view.forms("body", stem) | self.view.forms("title", stem) | {token}

    def _all_words(self, field: str, tokens) -> int:
        found = -1
        for token in tokens:
            found &= self._word(field, token)
        return max(found, 0)

    def _title(self, members: int, weight: int) -> list[tuple[int, int]]:
        """Title matches, worth more in short titles (a length norm by set intersection)."""
        return [(weight + max(0, 8 - n), members & subset) for n, subset in self._tlen.items()]

    def _tags(self, slugs) -> list[tuple[int, int]]:
        members = self.view.any("specialty", slugs)
        return [(TAG[n], members & subset) for n, subset in self._nspec.items()]

    # -- clauses -------------------------------------------------------------------------------

    def channels(self, clause) -> list[list[tuple[int, int]]]:
        """Independent ways a clause can match: within a channel the best weight counts,
        across channels the weights add up."""
        found = self._channels.get(id(clause))
        if found is None:
            found = self._channels[id(clause)] = self._build_channels(clause)
        return found

    def _build_channels(self, clause) -> list[list[tuple[int, int]]]:
        kind = clause.kind
        if kind == "code":
            code = clause.value
            self.highlight.add(code.lower())
            return [[(CODE_TAG, self.view.term("code", code))],
                    [(CODE_RANGE, self.view.any("specialty", clause.specialties))],
                    [(BODY, self.view.any("body", {code.lower()}))]]
        if kind == "credential":
            abbr = clause.value
            self.highlight.add(abbr)
            return [[(REQUIRED, self.view.term("required", abbr)),
                     (LISTED, self.view.term("credential", abbr))],
                    self._title(self.view.term("title", abbr), TITLE + LITERAL),
                    [(BODY, self.view.term("body", abbr))]]
        if kind == "prefix":
            found = {field: self.view.any(field, self.view.prefixed(field, clause.value))
                     for field in ("title", "meta", "body", "tags")}
            return [self._title(found["title"], TITLE), [(SECTION, found["tags"])],
                    [(META, found["meta"])], [(BODY, found["body"])]]
        title, meta, body, section = [], 0, 0, 0
        for form in clause.forms:
            bonus = LITERAL if form.literal and kind == "concept" and len(clause.forms) > 1 else 0
            if len(form.tokens) == 1:
                token = form.tokens[0]
                title.extend(self._title(self._word("title", token), TITLE + bonus))
                meta |= self._word("meta", token)
                body |= self._word("body", token)
                section |= self._word("tags", token)
            else:
                adjacent = self._phrase(form.tokens)
                if adjacent:
                    title.extend(self._title(adjacent & self._all_words("title", form.tokens),
                                             TITLE + bonus))
                    meta |= adjacent & self._all_words("meta", form.tokens)
                    body |= adjacent
                if kind == "concept" and not form.literal:
                    continue
                if kind == "concept":
                    # The words of a specialty phrase, not side by side, still count a little.
                    body |= self._all_words("body", form.tokens)
                    body |= self._all_words("title", form.tokens)
        channels = [title, [(SECTION, section)], [(META, meta)], [(BODY, body)]]
        if clause.specialties and kind != "phrase":
            channels.append(self._tags(clause.specialties))
        if clause.attributes:
            members = 0
            for field, value in clause.attributes:
                members |= self.view.term(field, value)
            channels.append([(ATTRIBUTE, members)])
        return channels

    def levels(self, clause, scope: int) -> dict[int, int]:
        """Score -> documents in ``scope`` matching ``clause`` with that score."""
        states = {0: scope & self.match(clause)}
        for channel in self.channels(clause):
            exclusive, covered = [], 0
            for weight, members in sorted(channel, key=lambda c: -c[0]):
                members &= scope
                if members & ~covered:
                    exclusive.append((weight, members & ~covered))
                covered |= members
            if exclusive:
                states = _advance(states, exclusive, keep_unmatched=True)
        states.pop(0, None)
        return states

    def match(self, clause) -> int:
        found = self._matches.get(id(clause))
        if found is None:
            found = 0
            for channel in self.channels(clause):
                for _, members in channel:
                    found |= members
            self._matches[id(clause)] = found
        return found

    def group_match(self, group) -> int:
        found = 0
        for clause in group:
            found |= self.match(clause)
        return found

    def title_phrases(self, query, scope: int) -> list[tuple[int, int]]:
        """Exclusive (weight, documents) levels: how many adjacent pairs of the query's words
        stand side by side in the title."""
        words = [t for group in query.groups if len(group) == 1 and group[0].kind in ("word", "concept")
                 for t in text.tokens(group[0].raw)]
        levels: defaultdict[int, int] = defaultdict(int)   # number of pairs in the title -> documents
        for pair in zip(words, words[1:], strict=False):
            members = scope & self._phrase(pair) & self._all_words("title", pair)
            for n in sorted(levels, reverse=True):
                levels[n + 1] |= levels[n] & members
            levels[1] |= members
        exclusive, covered = [], 0
        for n in sorted(levels, reverse=True):
            members = levels[n] & ~covered
            if members:
                exclusive.append((n * TITLE_PHRASE, members))
                covered |= members
        return exclusive

    def group_levels(self, group, scope: int) -> list[tuple[int, int]]:
        """Exclusive (score, documents) levels of a group: a document takes its best clause."""
        merged: defaultdict[int, int] = defaultdict(int)
        for clause in group:
            for score, members in self.levels(clause, scope).items():
                merged[score] |= members
        exclusive, covered = [], 0
        for score in sorted(merged, reverse=True):
            members = merged[score] & ~covered
            if members:
                exclusive.append((score, members))
                covered |= merged[score]
        return exclusive


def _advance(states: dict[int, int], levels, keep_unmatched: bool) -> dict[int, int]:
    """Add each exclusive level's weight to the documents of every score state it holds.

    Documents in no level keep their score when ``keep_unmatched``, else they drop out.
    """
    following: defaultdict[int, int] = defaultdict(int)
    for score, members in states.items():
        rest = members
        for weight, level in levels:
            hit = members & level
            if hit:
                following[score + weight] |= hit
                rest &= ~level
        if rest and keep_unmatched:
            following[score] |= rest
    return following


def tiers(scorer: Scorer, query, hits: int, relaxed: bool) -> list[tuple[int, int]]:
    """(score, documents) groups of ``hits``, best first."""
    states = {0: hits}
    for group in query.groups:
        states = _advance(states, scorer.group_levels(group, hits),
                          keep_unmatched=relaxed or query.boosts_only(group))
    states = _advance(states, scorer.title_phrases(query, hits), keep_unmatched=True)
    weight = PRIOR_AMBIGUOUS if query.ambiguous else PRIOR
    prior: defaultdict[int, int] = defaultdict(int)
    for score, members in states.items():
        rest = members
        for level in (2, 1):  # level 0: not a coding job, no prior
            hit = members & scorer.view.term("domain", str(level))
            if hit:
                prior[score + CODING_JOB + level * weight] |= hit
                rest &= ~hit
        if rest:
            prior[score] |= rest
    return sorted(prior.items(), reverse=True)
