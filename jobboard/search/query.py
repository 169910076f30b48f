"""Turns what a user typed into clauses a backend can match; users' text never reaches field syntax.

Grammar, deliberately small: words; ``"quoted phrases"``; ``-word`` or ``NOT word`` to exclude;
``a OR b`` for either; ``word*`` for a bounded prefix. Anything else (colons, brackets, stray
quotes, control characters, right-to-left marks) is just text. Coding vocabulary is recognised:
CPT codes and code ranges, credential abbreviations (``CPC-A`` is not ``CPC``), the synonym
groups E/M = E&M = evaluation and management, HCC = risk adjustment, IR = interventional
radiology, ED = emergency department, and the names and synonyms of the specialties.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from jobboard.reference_data import load_specialties, normalize_code, specialty_slugs_for_code
from jobboard.search import text

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 12
MIN_PREFIX = 2

# Synonym groups: every form finds the others; the form the user typed ranks first.
CONCEPTS = {
    "em": (("e/m",), ("e&m",), ("em",), ("evaluation", "management")),
    "hcc": (("hcc",), ("risk", "adjustment"), ("hierarchical", "condition", "category")),
    "ir": (("ir",), ("vir",), ("interventional", "radiology")),
    "ed": (("ed",), ("er",), ("emergency", "department"), ("emergency", "room")),
}
CONCEPT_SPECIALTY = {"em": "evaluation-management", "hcc": "risk-adjustment",
                     "ir": "interventional-radiology", "ed": "emergency-department"}
# Words with a common meaning outside medical coding: the domain prior weighs more with them.
AMBIGUOUS = {"code", "cpc", "crc", "rcc", "program"}
# Words that also name a posting's arrangement or employment type.
ATTRIBUTES = {
    ("remote",): ("arrangement", "remote"), ("hybrid",): ("arrangement", "hybrid"),
    ("onsite",): ("arrangement", "onsite"), ("contract",): ("employment_type", "contract"),
    ("temporary",): ("employment_type", "temporary"), ("per", "diem"): ("employment_type", "per_diem"),
    ("part", "time"): ("employment_type", "part_time"),
    ("full", "time"): ("employment_type", "full_time"),
}
# Specialty-name words too general to stand for one specialty on their own.
GENERIC = {"management", "medicine", "facility", "general", "family", "internal", "care",
           "health", "and", "clinical", "surgery", "cycle", "revenue", "billing"}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Form:
    """One way of writing a clause: its index tokens, and whether the user wrote it so."""

    tokens: tuple[str, ...]
    literal: bool = True

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(text.stem(t) for t in self.tokens)


@dataclass(frozen=True)
class Clause:
    """Something a posting must (or, negated, must not) match.

    kind: ``word`` (matched by stem), ``phrase`` (adjacent words), ``prefix``, ``code``,
    ``credential`` or ``concept`` (any of several forms, or one of ``specialties``).
    """

    kind: str
    forms: tuple[Form, ...] = ()
    value: str = ""
    specialties: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (field, value) pairs that satisfy it too
    raw: str = ""


@dataclass
class ParsedQuery:
    text: str = ""
    # Each group is satisfied by any of its clauses; every group must be satisfied.
    groups: list[tuple[Clause, ...]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    def boosts_only(self, group: tuple[Clause, ...]) -> bool:
        """A credential beside other words only boosts: "CIC inpatient coder" also finds
        inpatient coders who do not ask for CIC. Alone ("CPC") it must match."""
        def credential(g):
            return all(c.kind == "credential" for c in g)
        return credential(group) and not all(credential(g) for g in self.groups)

    @property
    def required_groups(self) -> list[tuple[Clause, ...]]:
        """The groups every matching posting must satisfy (see :meth:`boosts_only`)."""
        return [g for g in self.groups if not self.boosts_only(g)]

    @property
    def ambiguous(self) -> bool:
        """Whether a word means something else outside medical coding (CPC, coder...)."""
        for group in self.groups:
            for clause in group:
                if clause.value in AMBIGUOUS:
                    return True
                if any(s in AMBIGUOUS for form in clause.forms for s in form.stems):
                    return True
        return False


def clean(raw: str | None) -> str:
    """Printable text only, at most MAX_QUERY_CHARS, whitespace collapsed."""
    value = unicodedata.normalize("NFKC", raw or "")
    value = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value)
    value = _CONTROL_RE.sub(" ", value)
    return " ".join(value.split())[:MAX_QUERY_CHARS].strip()


@lru_cache(maxsize=1)
def _specialty_phrases() -> tuple[dict, dict]:
    """Specialty names and synonyms by stem tuple: (multi-word phrases, single words)."""
    phrases: dict[tuple[str, ...], set[str]] = {}
    words: dict[str, set[str]] = {}
    for specialty in load_specialties():
        names = [specialty.name, re.sub(r"\s*\(.*?\)", "", specialty.name), *specialty.synonyms]
        for name in names:
            stems = tuple(text.stem(t) for t in text.tokens(name))
            if len(stems) > 1:
                phrases.setdefault(stems, set()).add(specialty.slug)
            elif stems:
                words.setdefault(stems[0], set()).add(specialty.slug)
        for token in text.tokens(re.sub(r"\(.*?\)", "", specialty.name)):
            if token not in GENERIC:
                words.setdefault(text.stem(token), set()).add(specialty.slug)
    return phrases, words


@lru_cache(maxsize=1)
def _concept_forms() -> dict[tuple[str, ...], str]:
    """Stem tuple of every concept form -> concept key."""
    return {tuple(text.stem(t) for t in form): key
            for key, forms in CONCEPTS.items() for form in forms}


def _concept(key: str, typed: tuple[str, ...], raw: str) -> Clause:
    typed_stems = tuple(text.stem(t) for t in typed)
    forms = tuple(Form(form, literal=tuple(text.stem(t) for t in form) == typed_stems)
                  for form in CONCEPTS[key])
    return Clause("concept", forms, specialties=(CONCEPT_SPECIALTY[key],), raw=raw)


@lru_cache(maxsize=1)
def _attributes() -> dict[tuple[str, ...], tuple[str, str]]:
    return {tuple(text.stem(t) for t in words): found for words, found in ATTRIBUTES.items()}


def _words_to_clauses(words: list[tuple[str, str]]) -> list[Clause]:
    """Plain (token, raw) words -> clauses, joining runs that name a concept or a specialty."""
    concepts = _concept_forms()
    phrases, singles = _specialty_phrases()
    attributes = _attributes()
    longest = max(len(k) for k in list(concepts) + list(phrases))
    out, i = [], 0
    stems = [text.stem(token) for token, _ in words]
    while i < len(words):
        sizes = range(min(longest, len(words) - i), 0, -1)
        size = next((n for n in sizes if tuple(stems[i:i + n]) in concepts), 0)
        kind = "concept" if size else ""
        if not size:
            size = next((n for n in sizes if n > 1 and tuple(stems[i:i + n]) in attributes), 0)
            kind = "attribute" if size else ""
        if not size:
            size = next((n for n in sizes if n > 1 and tuple(stems[i:i + n]) in phrases), 0)
            kind = "phrase" if size else "word"
        run = tuple(stems[i:i + max(size, 1)])
        typed = tuple(token for token, _ in words[i:i + max(size, 1)])
        raw = " ".join(r for _, r in words[i:i + max(size, 1)])
        if kind == "concept":
            out.append(_concept(concepts[run], typed, raw))
        elif kind == "attribute":
            out.append(Clause("concept", (Form(typed),), attributes=(attributes[run],), raw=raw))
        elif kind == "phrase":
            out.append(Clause("concept", (Form(typed),), specialties=tuple(sorted(phrases[run])),
                              raw=raw))
        else:
            out.append(Clause("word", (Form(typed),),
                              specialties=tuple(sorted(singles.get(run[0], ()))),
                              attributes=(attributes[run],) if run in attributes else (), raw=raw))
        i += max(size, 1)
    return out


def _code(code: str, raw: str) -> Clause:
    """A code is found by its tag or by a specialty whose ranges hold it."""
    return Clause("code", value=code, specialties=tuple(specialty_slugs_for_code(code)), raw=raw)


def _chunk_clauses(chunk: str) -> list[Clause]:
    """Clauses for one whitespace-separated chunk that is not an operator."""
    core = chunk.strip(".,;:!?()[]{}<>'\"`+")
    code = normalize_code(core)
    if code:
        return [_code(code, chunk)]
    if core.lower() in text.CREDENTIALS:
        return [Clause("credential", (Form((core.lower(),)),), value=core.lower(), raw=chunk)]
    if chunk.endswith("*"):
        found = text.tokens(chunk.replace("*", " "))
        if found and len(chunk.rstrip("*").split()[-1]) >= MIN_PREFIX:
            *rest, last = found
            if len(last) >= MIN_PREFIX:
                return ([Clause("word", (Form((t,)),), raw=t) for t in rest]
                        + [Clause("prefix", value=last, raw=chunk)])
    return [Clause("word", (Form((t,)),), raw=t) for t in text.tokens(chunk.replace("*", " "))]


def _range_group(chunk: str) -> tuple[Clause, ...] | None:
    """``38100-38999`` -> either code."""
    parts = chunk.strip(".,;:()").split("-")
    if len(parts) == 2:
        codes = [code for code in map(normalize_code, parts) if code]
        if len(codes) == 2:
            return tuple(_code(c, chunk) for c in codes)
    return None


def parse(raw: str | None) -> ParsedQuery:
    """Parse a query; never raises, whatever the input."""
    cleaned = clean(raw)
    query = ParsedQuery(text=cleaned)
    items = []  # (kind, payload, negated): kind "phrase" | "chunk" | "or"
    pieces = re.split(r'("[^"]*")', cleaned)
    negate_next = False
    for piece in pieces:
        if len(piece) >= 2 and piece.startswith('"') and piece.endswith('"'):
            items.append(("phrase", piece[1:-1], negate_next))
            negate_next = False
            continue
        for chunk in piece.replace('"', " ").split():
            if chunk == "OR":
                items.append(("or", "", False))
            elif chunk in ("AND", "&&"):
                continue
            elif chunk == "NOT":
                negate_next = True
            elif chunk.startswith("-") and len(chunk) > 1 and not _range_group(chunk):
                items.append(("chunk", chunk[1:], True))
            else:
                items.append(("chunk", chunk, negate_next))
                negate_next = False

    units: list[tuple[Clause, ...]] = []  # groups of clauses
    pending_words: list[tuple[str, str]] = []
    join_next = False

    def flush_words():
        if pending_words:
            for clause in _words_to_clauses(pending_words):
                units.append((clause,))
            pending_words.clear()

    for kind, payload, negated in items:
        if kind == "or":
            flush_words()
            join_next = bool(units)
            continue
        if kind == "phrase":
            tokens = text.tokens(payload)
            clauses = ([Clause("phrase", (Form(tuple(tokens)),), raw=f'"{payload}"')]
                       if len(tokens) > 1 else _chunk_clauses(payload) if tokens else [])
        else:
            group = _range_group(payload)
            if group and not negated:
                flush_words()
                units.append(group)
                continue
            clauses = _chunk_clauses(payload)
            if not negated and not join_next and all(c.kind == "word" for c in clauses):
                pending_words.extend((c.forms[0].tokens[0], c.raw) for c in clauses)
                continue
        flush_words()
        if not clauses:
            continue
        if negated:
            query.excluded.extend(clauses)
        elif join_next and units:
            units.append(units.pop() + tuple(clauses))
        else:
            units.extend((c,) for c in clauses)
        join_next = False
    flush_words()
    query.groups = units[:MAX_CLAUSES]
    query.excluded = query.excluded[:MAX_CLAUSES]
    return query
