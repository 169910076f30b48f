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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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
# Words (lower case) one of which every match of each evidence pattern holds: a text holding none
# of them is not scanned for it (see ``may_hold``).
_EVIDENCE_WORDS = {
    "medical coding": ("medical cod",), "ICD-10": ("icd",), "CPT codes": ("cpt",), "HCPCS": ("hcpcs",),
    "DRG": ("drg",), "E/M levels": ("e/m", "e&m", "evaluation and management"),
    "code assignment": ("assign", "select", "abstract"), "coding from records": ("cod",),
    "modifiers": ("modifier",), "chart review or audit": ("review", "audit"),
    "clinical documentation integrity": ("clinical documentation", "cdi"), "physician queries": ("quer",),
    "medical billing": ("medical bill",), "revenue cycle": ("revenue cycle",),
    "claims and denials": ("denial", "eob", "claim", "ub-04", "cms-1500", "resubmit"),
    "payer enrollment": ("enroll", "credentialing"),
    "health information management": ("health information", "him"),
    "release of information": ("release of information", "records"),
    "risk adjustment coding": ("hcc", "risk adjustment"),
    "coding body": ("aapc", "ahima", "acdis"),
}
_EVIDENCE_RES = [
    (label, re.compile(pattern, 0 if label in _CASE_SENSITIVE else re.IGNORECASE), _EVIDENCE_WORDS[label])
    for label, pattern in _EVIDENCE
]
# CPT also means curricular practical training for students on F-1 visas.
_VISA_CONTEXT = re.compile(r"\bOPT\b|\bF-?1\b|\bvisas?\b|curricular|work authori[sz]ation|international students",
                           re.IGNORECASE)
_VISA_RADIUS = 120

_TITLE_EVIDENCE_NEEDED = 1
_UNTITLED_EVIDENCE_NEEDED = 2
_MIXED_TITLE_EVIDENCE_NEEDED = 3   # "Coding Bootcamp Instructor", "Junior Coder / Web Developer"


# Characters the regex engine matches, ignoring case, with an ASCII letter (İ ı ſ K); a text
# holding one is scanned with every case-insensitive pattern (tests/test_tagging.py checks them).
FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


@lru_cache(maxsize=8)   # the classifier and the tagger's specialties, setting and encoders read it
def lowered_for_screening(text: str) -> str:
    """The text in lower case for substring screening, or "" (scan everything) when it holds a
    character some case-insensitive pattern matches with an ASCII letter."""
    return "" if FOLDS_TO_ASCII.intersection(text) else text.lower()


def may_hold(lowered: str, words: tuple[str, ...]) -> bool:
    """Whether a pattern each of whose matches holds one of ``words`` (lower case) can match the
    text ``lowered_for_screening`` gave: a cheap test that spares most regex scans."""
    return not lowered or any(word in lowered for word in words)


@lru_cache(maxsize=8)   # the tagger and the job fields classify the same text more than once
def _evidence(text: str) -> tuple[str, ...]:
    found = []
    lowered = lowered_for_screening(text)
    for label, rx, words in _EVIDENCE_RES:
        if not may_hold(lowered, words):
            continue
        for m in rx.finditer(text):
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
