"""Is a posting a medical-coding-related job, and why do we think so?

Medical coding related means the work is coding, clinical documentation integrity (CDI), coding
audit and compliance, billing and revenue cycle (including payer credentialing), or health
information management (HIM). Everything else -- a paid-search manager talking about CPC, a
software engineer at a company called Coder, a data engineer at "CCS, LLC", a nurse in an
emergency department, an intern on CPT (curricular practical training) -- is not, however many
coding words it shares.

The decision reads the title first: a title naming coding-side work ("Coder", "CDI Specialist",
"Billing Specialist", "Health Information Technician") needs one piece of coding evidence in the
text; a title naming other work ("Data Engineer", "Registered Nurse", "Paid Media Analyst")
makes the posting non-coding unless the title also names coding work and the text is full of
coding evidence; a title naming neither needs two distinct pieces of evidence. Evidence is kept
as short phrases so an admin can see why a posting landed in the "does not look like a coding
job" queue. Standard library only, like :mod:`jobboard.tagging`, which calls it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre_constants  # type: ignore[attr-defined]  # re's own parser, for ``Scan``
from re import _parser as sre_parser  # type: ignore[attr-defined]

__all__ = ["Classification", "classify"]


@dataclass(frozen=True)
class Classification:
    coding_related: bool
    evidence: tuple[str, ...]   # short phrases, the deciding one first

    def summary(self) -> str:
        return "; ".join(self.evidence)


# Titles naming coding-side work: coding, CDI, auditing, billing/RCM, HIM.
_CODING_TITLE = re.compile(
    r"\b(?:coders?|coding|abstractors?|CDI|clinical documentation|"
    r"documentation (?:integrity|improvement)|"
    r"auditors?|billers?|billing|revenue cycle|RCM|reimbursement|charge (?:capture|entry|master)|"
    r"chargemaster|claims?|denials?|accounts? receivable|A/R|patient accounts?|collections?|"
    r"credentialing|payer enrollment|provider enrollment|HIM|health information|medical records?|"
    r"release of information|DRG|HCC|E/M)\b",
    re.IGNORECASE,
)
# Titles naming other work that shares words with coding.
_OTHER_TITLE = re.compile(
    r"\b(?:engineers?|engineering|developers?|programmers?|software|devops|"
    r"data (?:analyst|scientist|science|engineer)s?|actuar\w*|scientists?|statisticians?|"
    r"nurses?|RN|LPN|CNA|therapists?|"
    r"pharmac\w*|technologists?|histotech\w*|phlebotomists?|sales|marketing|PPC|paid (?:search|media|social)|"
    r"SEO|SEM|ads|advertising|instructors?|teachers?|tutors?|bootcamp|network|systems? administrator|"
    r"designers?|account manager|insurance agent|customer (?:care|service|success)|drivers?|interns?|"
    r"internship|recruiters?)\b",
    re.IGNORECASE,
)
# Evidence in the text that the work is coding-side. Each pattern counts once however often it
# occurs; the label is what the admin sees.
_EVIDENCE = [
    ("medical coding", r"\bmedical (?:coding|coders?)\b"),
    ("ICD-10", r"\bICD-?10(?:-CM|-PCS)?\b|\bICD\b"),
    ("CPT codes", r"\bCPT\b"),
    ("HCPCS", r"\bHCPCS\b"),
    ("DRG", r"\b(?:MS-)?DRGs?\b"),
    ("E/M levels", r"\bE/M\b|\bE&M\b|\bevaluation and management\b"),
    ("code assignment", r"\b(?:assign(?:s|ing)?|select(?:s|ing)?|abstract(?:s|ing)?)\b[^.;\n]{0,40}"
                        r"\b(?:codes?|data)\b"),
    ("coding from records", r"\bcod(?:e|es|ing)\s+(?:from\s+)?(?:the\s+)?(?:charts?|records?|encounters?|visits?|"
                            r"operative reports?|op notes|admissions?|stays?)\b"),
    ("modifiers", r"\bmodifiers?\b"),
    ("chart review or audit", r"\b(?:chart|coding|claims?) (?:reviews?|audits?|auditing)\b|"
                              r"\baudit(?:s|ing)?\s+(?:the\s+)?(?:charts?|coding|coders?|provider documentation)\b"),
    ("clinical documentation integrity", r"(?i:\bclinical documentation (?:integrity|improvement)\b)|\bCDI\b"),
    ("physician queries", r"\bquer(?:y|ies) (?:to )?(?:physicians?|providers?)\b|"
                          r"\b(?:compliant|physician|provider) quer(?:y|ies)\b"),
    ("medical billing", r"\bmedical bill(?:ing|ers?)\b"),
    ("revenue cycle", r"\brevenue cycle\b"),
    ("claims and denials", r"\bdenials?\b|\bEOBs?\b|\b(?:unpaid|denied|rejected) claims\b|\bclaim edits?\b|"
                           r"\b(?:UB-04|CMS-1500)\b|\bresubmit\w*\b"),
    ("payer enrollment", r"\b(?:enroll\w*|credentialing)\b[^.;\n]{0,60}\b(?:payers?|Medicare|Medicaid|CAQH)\b"),
    ("health information management", r"(?i:\bhealth information (?:management|technician|technology)\b)|\bHIM\b"),
    ("release of information", r"\brelease of information\b|\brequests? for (?:patient )?records\b"),
    ("risk adjustment coding", r"\b(?:HCC|risk adjustment) cod(?:ing|ers?)\b|\bcod(?:e|ing) (?:to )?HCCs?\b"),
    ("coding body", r"\b(?:AAPC|AHIMA|ACDIS)\b"),
]
# Upper-case acronyms stay case-sensitive ("him", "cdi" in running text are other words).
_CASE_SENSITIVE = {"CPT codes", "HCPCS", "DRG", "health information management",
                   "clinical documentation integrity", "coding body"}

_TITLE_EVIDENCE_NEEDED = 1
_UNTITLED_EVIDENCE_NEEDED = 2
_MIXED_TITLE_EVIDENCE_NEEDED = 3   # "Coding Bootcamp Instructor", "Junior Coder / Web Developer"


# Characters the regex engine matches, ignoring case, with an ASCII letter (İ ı ſ K); a text
# holding one is scanned with every case-insensitive pattern (tests/test_tagging.py checks them).
FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


@lru_cache(maxsize=32)   # every scan of a text reads it, and of the windows cut from it
def lowered_for_screening(text: str) -> str:
    """The text in lower case for substring screening, or "" (scan everything) when it holds a
    character some case-insensitive pattern matches with an ASCII letter."""
    return "" if not text.isascii() and FOLDS_TO_ASCII.intersection(text) else text.lower()


_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_SHORTEST_OPENING = 2   # a single letter stands at too many places to be worth looking for
_MOST_OPENINGS = 64     # beyond this many ways to go on after a word, the word alone is looked for


def _openings(items: list) -> frozenset[str] | None:
    """The lower-case texts one of which starts every match of a parsed pattern (``items``, as
    ``re._parser`` gives them), or None when the pattern does not say (a digit class, say)."""
    for index, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:   # \b, lookbehinds and lookaheads consume nothing
            continue
        if op is sre_constants.LITERAL:
            run = ""
            for next_op, next_av in items[index:]:
                if next_op is not sre_constants.LITERAL or not chr(next_av).isascii():
                    break
                run += chr(next_av).lower()
            if not run:
                return None
            # "c(?:hart|oding)": what follows a common first letter makes the openings longer.
            after = _openings(items[index + len(run):])
            if after is None or len(after) > _MOST_OPENINGS:
                return frozenset({run})
            return frozenset(run + opening for opening in after)
        if op is sre_constants.IN:
            chars = set()
            for kind, value in av:
                if kind is sre_constants.LITERAL and chr(value).isascii():
                    chars.add(chr(value))
                elif kind is sre_constants.RANGE and value[1] - value[0] < 10 and chr(value[1]).isascii():
                    chars.update(map(chr, range(value[0], value[1] + 1)))
                elif kind is sre_constants.CATEGORY and value is sre_constants.CATEGORY_DIGIT:
                    chars.update("0123456789")   # in an ASCII text (see ``Scan``)
                else:
                    return None
            return frozenset(c.lower() for c in chars)
        if op is sre_constants.BRANCH:
            found: set[str] = set()
            for alternative in av[1]:
                opening = _openings(alternative.data) if alternative.getwidth()[0] else None
                if opening is None:
                    return None
                found |= opening
            return frozenset(found)
        if op in (sre_constants.SUBPATTERN, sre_constants.ATOMIC_GROUP):
            group = av[-1] if op is sre_constants.SUBPATTERN else av
            return _openings(group.data) if group.getwidth()[0] else None
        if op in _REPEATS:
            least, _most, item = av
            opening = _openings(item.data) if item.getwidth()[0] else None
            if least or opening is None:
                return opening
            after = _openings(items[index + 1:])   # the item may be left out
            return None if after is None else opening | after
        return None
    return None


class Scan:
    """A compiled pattern that is tried only where one of its openings (the lower-case texts one
    of which starts every match, read from the pattern itself) stands in the lower-cased text.

    A regex scan tries a pattern at every position of the text, and a pattern opening with a word
    boundary or ignoring case keeps the engine from skipping ahead; finding the openings with
    ``str.find`` and trying the pattern only there gives the same matches several times sooner.
    A text ``lowered_for_screening`` cannot lower is scanned in full.
    """

    __slots__ = ("pattern", "openings", "ascii_only")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags)
        # \d also matches other scripts' digits: its openings 0-9 hold only in an ASCII text.
        self.ascii_only = r"\d" in pattern
        openings = _openings(sre_parser.parse(pattern, flags).data)
        if not openings or any(len(o) < _SHORTEST_OPENING and o.isalpha() for o in openings):
            self.openings: tuple[str, ...] = ()
        else:   # "inpatient coder", "inpatient coding"... are all found by looking for "inpatient "
            shared = {_common_start(o for o in openings if o[:4] == opening[:4]) for opening in openings}
            # An opening that starts with another one is found with it.
            self.openings = tuple(sorted(o for o in shared if not any(o != p and o.startswith(p) for p in shared)))

    def _lowered(self, text: str) -> str:
        """The text to look for the openings in, or "" to scan it in full."""
        if not self.openings or (self.ascii_only and not text.isascii()):
            return ""
        return lowered_for_screening(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``: the same matches, in the same order."""
        lowered = self._lowered(text)
        if not lowered:
            yield from self.pattern.finditer(text)
            return
        pos = 0
        for start in _starts(lowered, self.openings):
            if start < pos:
                continue
            m = self.pattern.match(text, start)
            if m is not None:   # never empty: it holds an opening
                yield m
                pos = m.end()

    def search(self, text: str) -> re.Match[str] | None:
        """``pattern.search(text)``."""
        lowered = self._lowered(text)
        if not lowered:
            return self.pattern.search(text)
        for start in _starts(lowered, self.openings):
            m = self.pattern.match(text, start)
            if m is not None:
                return m
        return None


def _common_start(texts: Iterable[str]) -> str:
    """The longest text all of ``texts`` start with."""
    texts = list(texts)
    shortest = min(texts, key=len)
    for length in range(len(shortest), 0, -1):
        if all(t.startswith(shortest[:length]) for t in texts):
            return shortest[:length]
    return ""


def _starts(lowered: str, openings: tuple[str, ...]) -> list[int]:
    """Every position where one of ``openings`` stands, in order."""
    found = []
    for opening in openings:
        at = lowered.find(opening)
        while at >= 0:
            found.append(at)
            at = lowered.find(opening, at + 1)
    return sorted(set(found)) if len(found) > 1 else found


_EVIDENCE_SCANS = [(label, Scan(pattern, 0 if label in _CASE_SENSITIVE else re.IGNORECASE))
                  for label, pattern in _EVIDENCE]
# CPT also means curricular practical training for students on F-1 visas.
_VISA_CONTEXT = Scan(r"\bOPT\b|\bF-?1\b|\bvisas?\b|curricular|work authori[sz]ation|international students",
                     re.IGNORECASE)
_VISA_RADIUS = 120


@lru_cache(maxsize=8)   # the tagger and the job fields classify the same text more than once
def _evidence(text: str) -> tuple[str, ...]:
    found = []
    for label, scan in _EVIDENCE_SCANS:
        for m in scan.finditer(text):
            if label == "CPT codes":
                window = text[max(0, m.start() - _VISA_RADIUS):m.end() + _VISA_RADIUS]
                if _VISA_CONTEXT.search(window):
                    continue
            found.append(label)
            break
    return tuple(found)


def classify(title: str, text: str, credentials: Iterable[str] = (), codes: Iterable[str] = (),
             specialties: Iterable[str] = ()) -> Classification:
    """Classify a posting from its title, its full text, and the coding credentials and CPT codes
    found in context (see :func:`jobboard.tagging.suggest_tags`) or the specialties, credentials
    and codes its author tagged it with."""
    title = (title or "").strip()
    credentials, codes, specialties = list(credentials), list(codes), list(specialties)
    evidence = list(_evidence(text or ""))
    if specialties:
        evidence.append("tagged " + ", ".join(specialties))
    if credentials:
        evidence.append("credentials " + ", ".join(credentials))
    if codes:
        evidence.append("CPT codes " + ", ".join(codes[:5]))
    coding_title = _CODING_TITLE.search(title)
    other_title = _OTHER_TITLE.search(title)
    if coding_title and other_title:
        needed, reason = _MIXED_TITLE_EVIDENCE_NEEDED, f'title names coding and other work ("{title}")'
    elif coding_title:
        needed, reason = _TITLE_EVIDENCE_NEEDED, f'title names coding work ("{coding_title.group(0)}")'
    elif other_title:
        return Classification(False, (f'title names other work ("{other_title.group(0)}")',
                                      *(f"shares: {e}" for e in evidence)))
    else:
        needed, reason = _UNTITLED_EVIDENCE_NEEDED, "title names no kind of work"
    if len(evidence) >= needed:
        return Classification(True, (reason, *evidence))
    return Classification(False, (f"{reason}, coding evidence {len(evidence)} of {needed} needed",
                                  *evidence))
