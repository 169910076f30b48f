"""Suggest specialty, credential and CPT code tags for a job posting's text.

This is the project's one tagger: the importer, the posting form and the demo loader all call
:func:`suggest_tags`, and the posting page calls :func:`code_mentions` to link code numbers to
their reference pages. Standard library, :mod:`jobboard.reference_data` and ``text2num`` only
(no Flask, no database), so it can run anywhere and is measured offline by
``bench/tagger_eval.py`` against the hand-judged corpus in ``tests/data/tagger_cases.json``.

How it decides
--------------
Codes
    A candidate is a token of five digits or four digits plus F/T/U that is not part of a longer
    number. It is dropped when it is plainly something else: money (``$55,000``, ``Salary:
    52000 - 60000``), a ZIP code after a state (``Dallas, TX 75201``, ``Boise, Idaho 83702``,
    ZIP+4), an extension, ID or box (``ext. 43239``, ``Job ID 58231``, ``PO Box 45378``), a street
    number (``12345 Main St``), or a count (``45000 users``, ``55000 per year``, ``12000
    claims`` - round numbers only for nouns that also follow codes, so "99213 visits" stays).
    Years have four digits and are never candidates. What is left must ``classify()`` into a
    known CPT range and stand in coding context, within its sentence (bulleted lists and lines
    after a colon count as one): a cue word before it (CPT, HCPCS, code, modifier, report,
    billing, procedure, E/M, "such as"...), a list or range with another code (``99213,
    99214``, ``99202-99215``, ``92004/92014``), an enumeration ("lumpectomy 19301, mastectomy
    19303"), nearby words that name the code (its subsection or the first sentence of its
    description in ``cpt_codes.csv``: "96372 injections"), or another accepted code close by in
    the same sentence. A range of at most 20 codes expands to every code in it that
    classifies; a longer one yields its two endpoints.
Credentials
    Whole-token, case-sensitive matches of the abbreviations in ``credentials.csv``, longest
    first, so ``CPC-A`` never also counts as ``CPC`` (and ``CPC-H``, the old COC, is not CPC);
    ``CPC®`` and ``CPCs`` count. Abbreviations with other meanings are skipped in those contexts:
    CPC near advertising words (cost per click, PPC, Google Ads, campaigns...), CRC next to
    colorectal-cancer words, RCC next to renal cell carcinoma, and any abbreviation the text
    defines as something else ("Coastal Care Alliance (CCA)"). Lower-case spellings ("cpc
    preferred") count only next to credential words.
Specialties
    Phrase matches of each specialty's name and synonyms from ``specialties.csv`` (word
    boundaries, plural-tolerant, short acronyms such as ED, IR, GI upper-case only; the longest
    phrase wins where two overlap). Generic synonyms ("audit", "billing", "observation") are
    weak: together they count at most as much as one proper synonym. A hit in the title counts
    double; one only inside an experience requirement ("two years of hospital outpatient
    coding") counts half. Codes add evidence: each code shares one unit among the specialties
    whose ranges hold it, in proportion to 1 / (total width of the specialty's ranges), so
    hemic and lymphatic (38100-38999) outweighs general surgery's many ranges. Two specialties
    are settings rather than code families (family and internal medicine: the E/M codes;
    ambulatory surgery: the whole surgery section), so codes count for them only when their own
    words are in the text too: no number of surgery codes makes an ASC posting. Scores under a
    floor, or under a tenth of the best, are dropped; at most five are kept, best first. A text
    without medical or coding vocabulary (a marketing or software ad) gets no specialties and no
    codes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from text_to_num import alpha2digit

from jobboard import reference_data as rd
from jobboard.classification import (
    _CODING_TITLE,
    _OTHER_TITLE,
    Classification,
    Scan,
    classify,
    lowered_for_screening,
)

__all__ = [
    "MAX_SPECIALTIES",
    "RANGE_EXPAND_LIMIT",
    "Tags",
    "code_mentions",
    "coding_verdict",
    "JobFields",
    "has_medical_context",
    "job_fields",
    "resume_tags",
    "suggest_tags",
]

MAX_SPECIALTIES = 5
RANGE_EXPAND_LIMIT = 20  # a written range of at most this many codes expands to all of them


@dataclass(frozen=True)
class Tags:
    specialties: tuple[str, ...]   # slugs, best first, at most 5
    credentials: tuple[str, ...]   # abbreviations as in credentials.csv, order of appearance
    codes: tuple[str, ...]         # CPT codes, order of appearance, no duplicates
    required: tuple[str, ...] = ()   # the credentials split as each clause reads them
    preferred: tuple[str, ...] = ()
    # Whether this is a coding-related job at all, with the evidence; not part of equality.
    classification: Classification | None = field(default=None, compare=False)


# =========================================================================== shared text helpers

_WORD = r"A-Za-z0-9"

# Sentence boundaries. End punctuation splits unless a digit follows ("e.g. 99213", "ext. 43239")
# or it closes a common abbreviation ("St. Mary's"); a semicolon splits; a line break splits
# unless the line ends with ":" or "," or the next line is a bullet or starts with a number
# (lists of duties and code lists stay together).
_BREAK = re.compile(r"[.!?]+\s+|;\s+|[ \t]*\n\s*")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs ext dr st no approx inc co jr sr mr ms mrs ave rd blvd tel ste dept "
    "u.s a.m p.m n s e w ft sq".split()
)
_BULLET = re.compile(r"[-*•·–—]|\d{4}[\dFTUftu]\b|\d+[.)]\s")
_LAST_WORD = re.compile(r"([A-Za-z.]+)$")


@lru_cache(maxsize=8)   # one text is split by the codes, the credentials and their roles
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for m in _BREAK.finditer(text):
        following = text[m.end():m.end() + 6]
        if "\n" in m.group(0):
            previous = text[max(0, m.start() - 10):m.start()].rstrip()
            if previous.endswith((":", ",")) or _BULLET.match(following):
                continue
        elif m.group(0).startswith(";"):
            pass
        else:
            if following[:1].isdigit():
                continue
            word = _LAST_WORD.search(text[max(0, m.start() - 12):m.start()])
            if word and word.group(1).lower().strip(".") in _ABBREVIATIONS:
                continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return tuple(spans)


def _sentence_index(spans: tuple[tuple[int, int], ...], pos: int) -> int:
    return max(0, bisect_right([a for a, _ in spans], pos) - 1)


# Medical / coding vocabulary that tells a coding posting from a marketing or software ad. One
# strong term, a credential, or two different weak terms are enough.
_MEDICAL_STRONG = Scan(
    r"\b(?:CPT|HCPCS|ICD-?10(?:-CM|-PCS)?|ICD|MS-DRG|DRG|E/M|E&M|AAPC|AHIMA|Medicare|Medicaid|"
    r"NCCI|UB-04|CMS-1500|RVUs?|HCC|medical necessity|"
    r"medical (?:coding|coder|coders|billing|biller|records?)|revenue cycle|HIM|"
    r"health information|chart reviews?|operative (?:notes|reports)|clinical documentation)\b",
    re.IGNORECASE,
)
_MEDICAL_WEAK = Scan(
    r"\b(?:medical|clinical|clinics?|patients?|physicians?|providers?|hospitals?|health(?:care)?|"
    r"surgery|surgical|surgeons?|diagnos[ie]s|payers?|nurses?|RN|EHR|documentation|"
    r"procedures?|claims?|charts?|encounters?|radiology|oncology|pathology|cardiology|"
    r"cardiologists?|anesthesia|anesthesiologists?|CRNAs?|pediatric|dermatology|urology|"
    r"psychiatr\w*|therapy|visits?|endoscopy|neurosurgeons?|radiologists?|laboratory|"
    r"specimens?|imaging|injections?)\b",
    re.IGNORECASE,
)
_MEDICAL_WEAK_NEEDED = 2


def _has_medical_context(text: str, credentials_found: bool) -> bool:
    if credentials_found or _MEDICAL_STRONG.search(text):
        return True
    weak = {m.group(0).lower().rstrip("s") for m in _MEDICAL_WEAK.finditer(text)}
    return len(weak) >= _MEDICAL_WEAK_NEEDED


def has_medical_context(text: str) -> bool:
    """Whether the text reads as medical coding/billing work (a credential, a coding term such as
    CPT or ICD-10, or two different medical words) rather than, say, a marketing or software ad.
    """
    text = text or ""
    return _has_medical_context(text, bool(_credential_hits(text)))


# =========================================================================== codes

_CANDIDATE = Scan(rf"(?<![{_WORD}])(\d{{4}}[FTUftu]|\d{{5}})(?![{_WORD}])")

_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
    "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming|Puerto Rico|District of Columbia"
)
# "Dallas, TX 75201", "Atlanta GA 30309", "Boise, Idaho 83702" (a word before the state, so a
# stray upper-case "OR" between two codes is not taken for Oregon).
_ZIP_BEFORE = re.compile(
    rf"[A-Za-z][A-Za-z.'-]*,?\s+(?:{'|'.join(_STATES)}|{_STATE_NAMES})\.?,?\s*$"
)
# Identifiers, extensions, addresses: "Job ID 58231", "Req #40112", "ext. 43239", "Suite 20000".
_ID_BEFORE = Scan(
    r"(?:\b(?:job|req|requisition|ref|reference|posting|position|vacancy|ext|extension|suite|ste|"
    r"unit|box|zip|zip\s*code|postal\s*code|apt|apartment|room|rm|floor|building|bldg|hwy|"
    r"highway|route|rte|invoice|ticket|license|licence|npi|tin|ein|fax|phone|tel|telephone|"
    r"call|text|id)\b\.?\s*(?:(?:id|no|num|number|code)\b\.?\s*)?[:#]?\s*|#\s*|\$\s*|no\.\s*)$",
    re.IGNORECASE,
)
# Quantities: "more than 45000", "serves 45000", "~12000".
_QUANTITY_BEFORE = Scan(
    r"(?:\b(?:more than|over|nearly|almost|about|approximately|approx\.?|around|roughly|up to|"
    r"at least|in excess of|exceeding|serves|serving|served|employs|employing|processes|"
    r"processed|processing|handles|handled|handling|sees|saw|top)\s*|~\s*)$",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"^\s*(?:\+\s*)?(?:(?:[a-z-]+\s+)?(?:employees|staff|people|members|patients|users|customers|"
    r"clients|accounts|beds|providers|physicians|lives|transactions|sites|students|followers|"
    r"downloads|square|sq\.?|dollars|usd|subscribers|merchants|orders|shipments|calls|hours|"
    r"minutes|miles)\b|"
    r"(?:per|a|an|each|every)\s+(?:year|yr|annum|month|week|day|hour|hr)\b|annually\b|yearly\b|"
    r"k\b|/\s*(?:yr|year|hr|hour|mo|month)\b)",
    re.IGNORECASE,
)
# Nouns that follow codes too ("99213 visits", "88305 specimens"): a count only when round.
_ROUND_COUNT_AFTER = re.compile(
    r"^\s*(?:\+\s*)?(?:[a-z-]+\s+)?(?:claims|charts|encounters|records|visits|cases|"
    r"specimens|procedures|studies|tests)\b",
    re.IGNORECASE,
)
_MONEY_BEFORE = Scan(
    r"\b(?:salary|salaries|pay|pays|paid|compensation|wages?|income|earnings?|bonus|budget|"
    r"stipend|raise|rate)\b[^.\n]{0,22}$",
    re.IGNORECASE,
)
_STREET_AFTER = re.compile(
    r"^\s+(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\.?\s+)?(?:[A-Z0-9][\w'.-]*\s+){0,3}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Pkwy|Parkway|Ct|Court|"
    r"Pl|Place|Pike|Hwy|Highway|Cir|Circle|Trl|Trail|Ter|Terrace|Plaza|Sq|Square|Loop|Row)\b"
)
# Coding cue words that put a nearby number in coding context.
_CUE = re.compile(
    r"\b(?:CPT|HCPCS|codes?|coded|coding|category\s+(?:I|II|III|1|2|3)|modifiers?|add-?on|"
    r"report(?:s|ed|ing)?|bill(?:s|ed|ing)?|procedures?|such\s+as|e\.g\.|for\s+example|"
    r"for\s+instance|assign(?:s|ed|ing)?|E/M|E&M|PLA|level\s+[1-5])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_CUE_WINDOW_BEFORE = 160   # characters, within the same sentence
_CUE_WINDOW_AFTER = 40
_PROPAGATE_WINDOW = 220    # an accepted code vouches for candidates this close in its sentence
_ENUMERATION_GAP = 50      # "name 12345, name 23456": codes this close with a separator
# What may stand between two codes of one list, or the two ends of a written range.
_LIST_GAP = re.compile(
    r"^[\s,/&()]*(?:(?:and/or|and|or|plus|versus|vs\.?|with|&|to|through|thru|[-–—])[\s,()]*)?$",
    re.IGNORECASE,
)
_RANGE_GAP = re.compile(r"^\s*(?:[-–—]|to|through|thru)\s*$", re.IGNORECASE)


@dataclass
class _Candidate:
    start: int
    end: int
    code: str
    accepted: bool = False
    range_end: _Candidate | None = None  # set on the first code of a written range
    range_start: _Candidate | None = None


# Part of a longer number: 1,23456 / 12345.67 / 55000,00 / ZIP+4 12345-6789 / phone groups.
_NUMBER_BEFORE = re.compile(r"\d[.,]$")
_NUMBER_AFTER = re.compile(r"[.,]\d|-\d{4}(?![\dFTUftu])|-\d{1,3}-")
_DASHED_NUMBER_BEFORE = re.compile(r"\d-$")
_RANGE_START_BEFORE = re.compile(r"\d{4}[FTUftu0-9]\s*-$")


def _hard_excluded(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 60):start]
    after = text[end:end + 60]
    if _NUMBER_BEFORE.search(before) or _NUMBER_AFTER.match(after):
        return True
    if _DASHED_NUMBER_BEFORE.search(before) and not _RANGE_START_BEFORE.search(before):
        return True  # "555-12345" style, but not the end of a range such as 99202-99215
    if _ZIP_BEFORE.search(before) or _ID_BEFORE.search(before) or \
            _QUANTITY_BEFORE.search(before) or _MONEY_BEFORE.search(before):
        return True
    if _COUNT_AFTER.match(after) or _STREET_AFTER.match(after):
        return True
    number = text[start:end]
    return bool(number.isdigit() and int(number) % 100 == 0 and _ROUND_COUNT_AFTER.match(after))


_DESCRIPTION_STOPWORDS = frozenset("""
    about above after along among before being below between billed both class codes coded
    coding could diagnostic during each either every first from given including into other
    others patient patients payer payers physician physicians practitioner procedure procedures
    provider providers report reported separate separately service services session should
    since single their there these those through total under using usually various where which
    while whole within without would system systems general other medical health
""".split())


def _stems(text: str) -> set[str]:
    """Content words of five letters or more, cut to six letters (a crude shared stem)."""
    return {
        w[:6] for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in _DESCRIPTION_STOPWORDS
    }


@lru_cache(maxsize=4096)
def _code_words(code: str) -> frozenset[str]:
    """Stems naming what a code is: its subsection and the first sentence of its description."""
    words = set()
    section = rd.classify(code)
    if section:
        words |= _stems(section[1].split(">")[-1])
    data = rd.get_code(code)
    if data is not None:
        words |= _stems(re.split(r"(?<=\.)\s", data.description, maxsplit=1)[0])
    return frozenset(words)


def _described_nearby(text: str, cand: _Candidate, s_start: int, s_end: int) -> bool:
    """Whether the few words around the number say what that code is ("96372 injections")."""
    before = re.findall(r"\S+", text[s_start:cand.start])[-5:]
    after = re.findall(r"\S+", text[cand.end:s_end])[:5]
    return bool(_stems(" ".join(before + after)) & _code_words(cand.code))


def _analyse_codes(text: str) -> list[_Candidate]:
    """All candidates that survive the exclusions and classify; ``accepted`` marks real ones."""
    cands: list[_Candidate] = []
    for m in _CANDIDATE.finditer(text):
        code = rd.normalize_code(m.group(1))
        if code is None or rd.classify(code) is None:
            continue
        if _hard_excluded(text, m.start(1), m.end(1)):
            continue
        cands.append(_Candidate(m.start(1), m.end(1), code))
    if not cands:
        return cands

    # Lists and ranges: neighbours joined only by connectors vouch for each other.
    for a, b in zip(cands, cands[1:], strict=False):
        gap = text[a.end:b.start]
        if len(gap) > 30 or not _LIST_GAP.match(gap):
            continue
        a.accepted = b.accepted = True
        same_kind = a.code[-1] == b.code[-1] or (a.code.isdigit() and b.code.isdigit())
        if _RANGE_GAP.match(gap) and same_kind and a.range_start is None \
                and rd.code_sort_key(a.code) < rd.code_sort_key(b.code):
            a.range_end, b.range_start = b, a

    spans = _sentence_spans(text)
    starts = [a for a, _ in spans]
    sentence = {id(c): max(0, bisect_right(starts, c.start) - 1) for c in cands}
    for c in cands:
        if c.accepted:
            continue
        s_start, s_end = spans[sentence[id(c)]]
        window_before = text[max(s_start, c.start - _CUE_WINDOW_BEFORE):c.start]
        window_after = text[c.end:min(s_end, c.end + _CUE_WINDOW_AFTER)]
        # A cue word before, a cue right after, a modifier suffix (99213-25), or words that say
        # what the code is.
        if _CUE.search(window_before) or _CUE.match(window_after.lstrip(" (")) or \
                re.match(r"-(?:\d{2}|[A-Z]{2})\b", window_after) or \
                _described_nearby(text, c, s_start, s_end):
            c.accepted = True

    # Enumerations: "lumpectomy 19301, mastectomy 19303 and thyroidectomy 60240".
    for a, b in zip(cands, cands[1:], strict=False):
        gap = text[a.end:b.start]
        if len(gap) <= _ENUMERATION_GAP and re.search(r",|\b(?:and|or|plus)\b", gap) and \
                sentence[id(a)] == sentence[id(b)]:
            a.accepted = b.accepted = True

    # Propagation inside a sentence: "(CPT 66984), screening colonoscopy 45378 and ... 29881".
    by_sentence: dict[int, list[_Candidate]] = defaultdict(list)
    for c in cands:
        by_sentence[sentence[id(c)]].append(c)
    for group in by_sentence.values():
        changed = True
        while changed:
            changed = False
            for c in group:
                if not c.accepted and any(
                    o.accepted and abs(o.start - c.start) <= _PROPAGATE_WINDOW for o in group
                ):
                    c.accepted = changed = True
    return cands


def _expand(a: str, b: str) -> list[str]:
    suffix = "" if a.isdigit() else a[-1]
    lo, hi = (int(a), int(b)) if not suffix else (int(a[:4]), int(b[:4]))
    if hi - lo + 1 > RANGE_EXPAND_LIMIT:
        return [a, b]
    out = []
    for n in range(lo, hi + 1):
        code = f"{n:05d}" if not suffix else f"{n:04d}{suffix}"
        if rd.classify(code) is not None:
            out.append(code)
    return out


def code_mentions(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, code)`` for each code number written in coding context, in text order.

    Both ends of a written range are mentions; the codes inside a range are not written in the
    text and so have no span (they are in :func:`suggest_tags`' codes).
    """
    if not text or not _has_medical_context(text, bool(_credential_hits(text))):
        return []
    return [(c.start, c.end, c.code) for c in _analyse_codes(text) if c.accepted]


def _codes(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for c in _analyse_codes(text):
        if not c.accepted or c.range_start is not None:
            continue
        codes = _expand(c.code, c.range_end.code) if c.range_end is not None else [c.code]
        for code in codes:
            seen.setdefault(code, None)
    return list(seen)


# =========================================================================== credentials

# Context that gives an abbreviation another meaning, looked for around each mention.
_AD_CONTEXT = Scan(
    r"cost[\s-]+per[\s-]+click|pay[\s-]+per[\s-]+click|\bPPC\b|\bSEM\b|\bSEO\b|Google Ads|"
    r"Microsoft Ads|Bing Ads|AdWords|Facebook Ads|Meta Ads|\bcampaigns?\b|\bbids?\b|\bbidding\b|"
    r"\bCPM\b|\bCPA\b|\bCTR\b|\bROAS\b|\bROI\b|impressions|click[\s-]*through|conversion rates?|"
    r"paid search|paid social|ad spend|\baffiliates?\b|publishers|advertis\w*|marketing",
    re.IGNORECASE,
)
_AMBIGUOUS = {
    "CPC": (_AD_CONTEXT, 160),
    "CRC": (Scan(r"colorectal|colon\b|colonoscop\w*|cancer|screening", re.IGNORECASE), 60),
    "RCC": (Scan(r"renal|kidney|carcinoma|tumou?r|cancer", re.IGNORECASE), 60),
}


@lru_cache(maxsize=1)
def _credential_table() -> dict[str, str]:
    """Abbreviation -> full name."""
    return {c.abbreviation: c.name for c in rd.load_credentials()}


@lru_cache(maxsize=1)
def _credential_regex() -> re.Pattern[str]:
    abbrs = sorted(_credential_table(), key=len, reverse=True)
    alternation = "|".join(re.escape(a) for a in abbrs)
    # Not inside a longer token; "CPC-A" must not yield "CPC" and "CPC-H" (the old name of COC)
    # is not CPC, but "CPC-certified" is. A trailing plural s ("CPCs") or (R)/® is allowed.
    return re.compile(
        rf"(?<![{_WORD}-])({alternation})(?:s|®|\(R\))?(?![{_WORD}]|-[A-Z0-9](?![A-Za-z0-9]))"
    )


@lru_cache(maxsize=1)
def _lowercase_credential_regex() -> re.Pattern[str]:
    """Lower-case spellings ("cpc preferred"), trusted only next to credential words."""
    abbrs = sorted((a.lower() for a in _credential_table()), key=len, reverse=True)
    alternation = "|".join(re.escape(a) for a in abbrs)
    return re.compile(rf"(?<![{_WORD}-])({alternation})(?![{_WORD}]|-[a-z0-9](?![a-z0-9]))")


_CREDENTIAL_WORDS = re.compile(
    r"\b(?:certified|certification|certificate|credential(?:s|ed)?|required|preferred|a plus|"
    r"aapc|ahima|exam|holders?)\b",
    re.IGNORECASE,
)


_MINOR_WORDS = frozenset({"and", "of", "the", "for", "in", "&"})


def _other_acronyms(text: str) -> set[str]:
    """Abbreviations the text defines as something else: "Coastal Care Alliance (CCA)".

    The words before the parenthesis spell the abbreviation's letters but are not the
    credential's own name ("Certified Coding Associate (CCA)" stays a credential).
    """
    found = set()
    names = _credential_table()
    for m in re.finditer(r"\(([A-Z][A-Z-]{1,6})\)", text):
        abbr = m.group(1)
        if abbr not in names:
            continue
        letters = abbr.replace("-", "").lower()
        words = [
            w for w in re.findall(r"[A-Za-z][\w'-]*", text[max(0, m.start() - 80):m.start()])
            if w.lower() not in _MINOR_WORDS
        ][-len(letters):]
        if len(words) != len(letters) or "".join(w[0] for w in words).lower() != letters:
            continue
        own_name = [w for w in re.findall(r"[a-z]+", names[abbr].lower()) if w not in _MINOR_WORDS]
        if [w.lower() for w in words] != own_name[:len(words)]:
            found.add(abbr)
    return found


# Words after an abbreviation that make it a company's name: "CCS, LLC", "CCS Home Supply",
# "CCS offers remote work".
_COMPANY_AFTER = re.compile(
    r"^(?:,?\s+(?:LLC|L\.L\.C\.|Inc\b|Incorporated|Corp\b|Corporation|Co\.|Company|Ltd|Group|Holdings|"
    r"Technologies|Solutions|Global|Consulting|Partners|Systems|Services|Supply|Home|Labs?)\b|"
    r"['’]s\b|\s+(?:offers|provides|builds|ships|serves|employs|sells|makes)\b)"
)
# IT and other certificate programmes that reuse coding abbreviations ("Citrix CCA").
_IT_CONTEXT = Scan(
    r"\b(?:Citrix|Cloudera|Cisco|CCNA|CCNP|CompTIA|Security\+|VMware|VCP|AWS|Azure|Microsoft|Oracle|"
    r"Salesforce|Kubernetes|Linux|firewalls?|switches|servers?)\b"
)
# "CIC (Certified Insurance Counselor)": a definition after the abbreviation.
_DEFINITION_AFTER = re.compile(r"^\s*\(([A-Z][A-Za-z]*(?:\s+(?:and|of|the|in|for|&|[A-Z][A-Za-z]*))*)\)")


def _defined_after(text: str, end: int, abbr: str) -> bool:
    """Whether "ABBR (Words Spelling It)" names something other than the credential."""
    m = _DEFINITION_AFTER.match(text[end:end + 80])
    if not m:
        return False
    words = [w for w in m.group(1).split() if w.lower() not in _MINOR_WORDS]
    letters = abbr.replace("-", "").lower()
    if "".join(w[0] for w in words).lower() != letters:
        return False
    own = [w for w in re.findall(r"[a-z]+", _credential_table()[abbr].lower()) if w not in _MINOR_WORDS]
    return [w.lower() for w in words] != own[:len(words)]


@lru_cache(maxsize=8)   # read again for the classification and the job fields of the same text
def _credential_hits(text: str) -> tuple[tuple[int, str], ...]:
    """(position, abbreviation) of each credential mention that is not something else: a
    company's name, an IT certificate, an advertising metric or an acronym the text defines."""
    other = _other_acronyms(text)
    raw = []
    for m in _credential_regex().finditer(text):
        raw.append((m.start(), m.end(), m.group(1), False))
    for m in _lowercase_credential_regex().finditer(text):
        raw.append((m.start(), m.end(), m.group(1).upper(), True))
    for _start, end, abbr, _lower in raw:
        if _COMPANY_AFTER.match(text[end:end + 30]) or _defined_after(text, end, abbr):
            other.add(abbr)
    spans = _sentence_spans(text)
    hits = []
    for start, end, abbr, lower in raw:
        if abbr in other:
            continue
        if lower and not _CREDENTIAL_WORDS.search(text[max(0, start - 30):end + 30]):
            continue
        rule = _AMBIGUOUS.get(abbr)
        if rule is not None and rule[0].search(text[max(0, start - rule[1]):end + rule[1]]):
            continue
        s_start, s_end = spans[_sentence_index(spans, start)]
        if _IT_CONTEXT.search(text[s_start:s_end]):
            continue
        hits.append((start, abbr))
    return tuple(sorted(hits))


def _credentials(text: str, hits: Sequence[tuple[int, str]] | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for _, abbr in hits if hits is not None else _credential_hits(text):
        seen.setdefault(abbr, None)
    return list(seen)


# Required or preferred, read per clause: "CRC required, CPC preferred" gives one of each; a
# bare list takes the word after it ("CPC, CCS or COC required"); "one of" lists are required;
# a clause with no word of its own takes the nearest heading above it ("Preferred
# qualifications:"); with nothing at all a credential counts as required.
_PREFERRED_WORDS = re.compile(
    r"\b(?:preferred|prefer|a plus|desired|desirable|nice to have|welcome|welcomed|bonus|"
    r"an advantage|ideally|encouraged|accepted)\b",
    re.IGNORECASE,
)
_REQUIRED_WORDS = re.compile(
    r"\b(?:required|requires?|requirements?|must|mandatory|necessary|need(?:ed)?|one of|active|hold|"
    r"within (?:\w+ )?(?:months?|year|days))\b",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"(?:^|\n)\s*(?:(?P<pref>preferred|nice to have|desired|bonus|pluses)|"
    r"(?P<req>requirements|required|minimum qualifications|qualifications|must have))[^\n]{0,30}:?\s*(?=\n)",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(r",\s+(?!(?:or|and)\b)|,\s+(?=(?:or|and)\b[^,]*\b(?:required|preferred)\b)|\s+\band\b\s+|;")


def _role_of(piece: str, offset: int) -> str | None:
    """The role the nearest cue word in a clause gives the credential at ``offset``."""
    cues = [(m.start(), "preferred") for m in _PREFERRED_WORDS.finditer(piece)]
    cues += [(m.start(), "required") for m in _REQUIRED_WORDS.finditer(piece)]
    if not cues:
        return None
    return min(cues, key=lambda c: abs(c[0] - offset))[1]


def _credential_roles(text: str, hits: Sequence[tuple[int, str]]) -> tuple[list[str], list[str]]:
    """Split the credentials found into (required, preferred), reading each clause."""
    spans = _sentence_spans(text)
    headings = [(m.start(), "preferred" if m.group("pref") else "required") for m in _HEADING.finditer(text)]
    by_sentence: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pos, abbr in hits:
        by_sentence[_sentence_index(spans, pos)].append((pos, abbr))
    role: dict[str, str] = {}
    for index, sentence_hits in by_sentence.items():
        s_start, s_end = spans[index]
        sentence = text[s_start:s_end]
        pieces, last = [], 0
        for m in _CLAUSE_SPLIT.finditer(sentence):
            pieces.append((last, m.start()))
            last = m.end()
        pieces.append((last, len(sentence)))
        piece_roles = [_role_of(sentence[a:b], 0) for a, b in pieces]
        for pos, abbr in sentence_hits:
            rel = pos - s_start
            k = next(i for i, (a, b) in enumerate(pieces) if rel < b or i == len(pieces) - 1)
            a, b = pieces[k]
            found = _role_of(sentence[a:b], rel - a)
            if found is None:  # a bare list item takes the next clause that says, else the previous
                later = [r for r in piece_roles[k + 1:] if r]
                earlier = [r for r in piece_roles[:k] if r]
                found = later[0] if later else (earlier[-1] if earlier else None)
            if found is None:
                above = [r for h, r in headings if h < s_start]
                found = above[-1] if above else "required"
            if role.get(abbr) != "required":
                role[abbr] = found
    ordered = _credentials(text, hits)
    return ([a for a in ordered if role[a] == "required"], [a for a in ordered if role[a] == "preferred"])


# =========================================================================== specialties

# Synonyms that also turn up in postings of other specialties ("quarterly audits", "billing
# office", "observation" beds...). They count, but less than a specialty's own vocabulary.
_WEAK_SYNONYMS = frozenset({
    "audit", "compliance", "quality review", "billing", "credentialing", "denials", "ar",
    "observation", "same-day surgery", "op notes", "surgical notes", "operative reports",
    "global period", "global surgery", "surgical modifiers", "facility coding", "hospital coder",
    "imaging", "ultrasound", "mri", "ct", "mri/ct", "cardiac", "cardiovascular", "echo",
    "infusion", "lab", "laboratory", "molecular", "epidural", "base units", "time units", "asa",
    "office visits", "mdm", "medical decision making",
    "psychology", "query", "queries", "cds", "chart review", "newborn", "outpatient surgery",
    "spine",
})
# Synonyms the tagger ignores: "pro-fee" says who bills (the professional, not the facility) and
# turns up in surgery, radiology and anesthesia postings as often as in E/M ones.
_IGNORED_SYNONYMS = frozenset({"pro-fee", "professional fee", "profee"})
# A few words the tagger also listens for, beyond each specialty's synonyms; all weak.
# "surgical oncology" is cancer surgery: it must not read as hematology and oncology.
_EXTRA_WEAK_PHRASES = {
    "inpatient-facility": ("inpatient",),
    "outpatient-facility": ("outpatient",),
    "general-surgery": ("surgical oncology",),
}
# Phrases real postings use for the work itself, beyond the synonyms; all strong. "Coder In/Out"
# and "inpatient and outpatient coding" name both facility settings; "auditing charts" is the
# auditing work however it is worded.
_BOTH_SETTINGS = ("in/out", "inpatient/outpatient", "outpatient/inpatient", "inpatient and outpatient coder",
                  "inpatient and outpatient coding", "outpatient and inpatient coder",
                  "outpatient and inpatient coding")
_EXTRA_PHRASES = {
    "inpatient-facility": _BOTH_SETTINGS,
    "outpatient-facility": _BOTH_SETTINGS,
    "auditing-compliance": ("auditing chart", "audit chart", "chart audit", "chart auditing", "coding audit",
                            "auditing coding", "coding auditor", "coding integrity"),
}
_SYNONYM_WEIGHT = 1.0
_WEAK_WEIGHT = 0.4
_WEAK_CAP = 1.0              # weak phrases alone reach the floor only with several or a title hit
_TITLE_FACTOR = 2.0
_REPEAT_BONUS = 0.2          # per extra mention of the same phrase, up to _REPEAT_CAP mentions
_REPEAT_CAP = 5
_CODE_WEIGHT = 0.5           # one unit of code evidence is worth half a synonym
_SCORE_FLOOR = 1.0
_RELATIVE_FLOOR = 0.1       # of the best score: a passing mention in a long, focused posting
# Settings rather than code families: family and internal medicine's range is the E/M codes,
# ambulatory surgery's the whole surgery section. Codes alone cannot say a job is in such a
# setting, so their code evidence needs a word of theirs in the text too.
_CODE_NEEDS_WORDS = frozenset({"family-internal-medicine", "ambulatory-surgery"})
# Words that are ordinary English and stay case-insensitive despite being short.
_SHORT_WORDS = frozenset({"lab"})


def _phrase_pattern(phrase: str) -> Scan:
    phrase = phrase.strip()
    if len(phrase) <= 3 and phrase.replace("&", "").isalpha() and phrase not in _SHORT_WORDS:
        return Scan(rf"(?<![{_WORD}]){re.escape(phrase.upper())}(?:s)?(?![{_WORD}])")
    words = phrase.split()
    parts = []
    for i, word in enumerate(words):
        pieces = [re.escape(p) for p in word.split("-")]
        w = r"[\s-]?".join(pieces)
        if i == len(words) - 1 and word[-1].isalpha():
            if word.endswith("y") and len(word) > 3:
                w = w[:-1] + r"(?:y|ies)"
            else:
                w += r"(?:s|es)?"
        parts.append(w)
    body = r"[\s-]+".join(parts)
    return Scan(rf"(?<![{_WORD}]){body}(?![{_WORD}])", re.IGNORECASE)


def _phrase_literal(phrase: str) -> tuple[str, bool]:
    """(text every match of ``_phrase_pattern(phrase)`` holds, whether it is case-sensitive).

    A pattern whose text is absent cannot match, so most of the vocabulary is skipped with a
    substring test instead of a regex scan; "" means "always scan".
    """
    phrase = phrase.strip()
    if len(phrase) <= 3 and phrase.replace("&", "").isalpha() and phrase not in _SHORT_WORDS:
        return phrase.upper(), True
    words = phrase.split()
    first = words[0].split("-")[0]
    if len(words) == 1 and first == words[0] and first.endswith("y") and len(first) > 3:
        first = first[:-1]   # "surgery" also matches "surgeries"
    return (first.lower() if first.isascii() else ""), False


@lru_cache(maxsize=1)
def _vocabulary_literals() -> list[tuple[str, bool]]:
    """``_phrase_literal`` of each ``_vocabulary()`` entry, in the same order."""
    return [_phrase_literal(phrase) for _, phrase, _, _ in _vocabulary()]


@lru_cache(maxsize=1)
def _vocabulary() -> list[tuple[str, str, bool, Scan]]:
    """(slug, phrase, weak, pattern) for every specialty name and synonym the tagger uses."""
    vocab = []
    for spec in rd.load_specialties():
        phrases = {s.strip().lower() for s in spec.synonyms if s.strip()} - _IGNORED_SYNONYMS
        name = spec.name.lower()
        m = re.match(r"^(.*?)\s*\((.*?)\)\s*$", name)
        if m:
            phrases.update({m.group(1).strip(), m.group(2).strip()})
        else:
            phrases.add(name)
        weak = set(_EXTRA_WEAK_PHRASES.get(spec.slug, ())) | (phrases & _WEAK_SYNONYMS)
        phrases |= weak | set(_EXTRA_PHRASES.get(spec.slug, ()))
        for phrase in sorted(phrases):
            vocab.append((spec.slug, phrase, phrase in weak, _phrase_pattern(phrase)))
    return vocab


@lru_cache(maxsize=1)
def _range_widths() -> dict[str, int]:
    widths = {}
    for spec in rd.load_specialties():
        total = 0
        for a, b in spec.cpt_ranges:
            lo, hi = (int(a), int(b)) if a.isdigit() else (int(a[:4]), int(b[:4]))
            total += hi - lo + 1
        if total:
            widths[spec.slug] = total
    return widths


def _code_evidence(codes: list[str], worded: set[str]) -> dict[str, float]:
    """Each code's unit of evidence, shared among the specialties whose ranges hold it.

    ``worded`` are the specialties with vocabulary hits; one in ``_CODE_NEEDS_WORDS`` takes no
    share without them, and the others' shares grow accordingly.
    """
    widths = _range_widths()
    evidence: dict[str, float] = defaultdict(float)
    for code in codes:
        holders = [
            s for s in rd.specialty_slugs_for_code(code)
            if s in widths and (s not in _CODE_NEEDS_WORDS or s in worded)
        ]
        if not holders:
            continue
        likelihood = {s: 1.0 / widths[s] for s in holders}
        total = sum(likelihood.values())
        for s, value in likelihood.items():
            evidence[s] += value / total
    return evidence


def _title_end(text: str) -> int:
    """Where the title (first line or sentence, at most 15 words) ends."""
    m = re.search(r"\n|(?<=[.!?])\s+(?=[A-Z])", text)
    end = m.start() if m else len(text)
    words = list(re.finditer(r"\S+", text[:end]))
    if len(words) > 15:
        end = words[14].end()
    return end


# "two years of ASC or hospital outpatient coding": experience asked for names neighbouring
# fields as often as the job's own, so phrases inside such a clause count half.
_EXPERIENCE_CLAUSE = Scan(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s*\+?\s*(?:-\s*\d+\s*)?"
    r"(?:years?|yrs?)\b[^.;\n]*",
    re.IGNORECASE,
)
_EXPERIENCE_FACTOR = 0.5


@lru_cache(maxsize=8)   # the specialties and the job fields' setting read the same text
def _experience_clauses(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each experience requirement in the text."""
    return tuple((m.start(), m.end()) for m in _EXPERIENCE_CLAUSE.finditer(text))


# "ophthalmology, pain management, podiatry and endoscopy cases": a list of three or more short
# items names a case mix; a specialty named only inside such a list counts half as well.
_ITEM = r"[A-Za-z][\w/&'-]*(?:[ \t]+[A-Za-z][\w/&'-]*){0,2}"
_ENUMERATION = re.compile(rf"{_ITEM}(?:,[ \t]+{_ITEM})+,?[ \t]+(?:and|or)[ \t]+{_ITEM}")
# An enumeration lies inside one run of the characters it is made of, holding a comma and "and"
# or "or": only such runs are scanned (the same matches, far fewer positions tried).
_ENUMERATION_RUN = re.compile(r"[\w/&' \t,-]+")
_ENUMERATION_FACTOR = 0.5


def _vocabulary_scores(text: str) -> dict[str, float]:
    matches = []
    lowered = lowered_for_screening(text)
    for (slug, phrase, is_weak, pattern), (literal, exact) in zip(_vocabulary(), _vocabulary_literals(),
                                                                    strict=True):
        if literal and (literal not in text if exact else lowered and literal not in lowered):
            continue
        for m in pattern.finditer(text):
            matches.append((m.start(), m.end(), slug, phrase, is_weak))
    # Longest match wins where phrases overlap ("interventional radiology" over "radiology",
    # "cath lab" over "lab"); equal spans from different specialties all stand.
    matches.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
    taken: list[tuple[int, int]] = []
    counted: set[tuple[int, int, str]] = set()   # one specialty counts a span once ("pediatric(s)")
    hits: dict[tuple[str, str, bool], list[int]] = defaultdict(list)
    for start, end, slug, phrase, is_weak in matches:
        if any(start < e and s < end and (e - s) > (end - start) for s, e in taken) or \
                (start, end, slug) in counted:
            continue
        taken.append((start, end))
        counted.add((start, end, slug))
        hits[(slug, phrase, is_weak)].append(start)

    title_end = _title_end(text)
    experience = _experience_clauses(text)
    enumerations = [(m.start(), m.end()) for run in _ENUMERATION_RUN.finditer(text)
                    if "," in run.group() and ("and" in run.group() or "or" in run.group())
                    for m in _ENUMERATION.finditer(text, run.start(), run.end())]
    strong: dict[str, float] = defaultdict(float)
    weak: dict[str, float] = defaultdict(float)
    for (slug, _phrase, is_weak), starts in hits.items():
        score = _WEAK_WEIGHT if is_weak else _SYNONYM_WEIGHT
        score *= 1 + _REPEAT_BONUS * (min(len(starts), _REPEAT_CAP) - 1)
        if all(any(a <= s < b for a, b in experience) for s in starts):
            score *= _EXPERIENCE_FACTOR
        elif all(any(a <= s < b for a, b in enumerations) for s in starts):
            score *= _ENUMERATION_FACTOR
        if any(s < title_end for s in starts):
            score *= _TITLE_FACTOR
        (weak if is_weak else strong)[slug] += score
    return {
        slug: strong.get(slug, 0.0) + min(weak.get(slug, 0.0), _WEAK_CAP)
        for slug in set(strong) | set(weak)
    }


def _scores(text: str, codes: list[str]) -> dict[str, float]:
    scores = _vocabulary_scores(text)
    for slug, units in _code_evidence(codes, set(scores)).items():
        scores[slug] = scores.get(slug, 0.0) + _CODE_WEIGHT * units
    return scores


def _specialties(text: str, codes: list[str]) -> list[str]:
    scores = _scores(text, codes)
    if not scores:
        return []
    best = max(scores.values())
    order = {s.slug: i for i, s in enumerate(rd.load_specialties())}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
    return [
        slug for slug, score in ranked
        if score >= _SCORE_FLOOR and score >= _RELATIVE_FLOOR * best
    ][:MAX_SPECIALTIES]


def _debug_scores(text: str) -> dict[str, float]:
    """Specialty scores before the cut (for bench/tagger_eval.py)."""
    scores = _scores(text, _codes(text))
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))


# =========================================================================== entry point

def _verdict(text: str):
    """The credential mentions, credentials, medical context, codes and coding-job verdict."""
    hits = _credential_hits(text)
    credentials = _credentials(text, hits)
    medical = _has_medical_context(text, bool(credentials))
    codes = _codes(text) if medical else []
    return hits, credentials, medical, codes, classify(text[:_title_end(text)], text, credentials, codes)


def coding_verdict(text: str) -> Classification:
    """``suggest_tags(text).classification``, without the specialty scoring and credential roles
    that a posting its author tagged does not need."""
    return _verdict(text or "")[-1]


def suggest_tags(text: str) -> Tags:
    """Specialties, credentials (required / preferred) and CPT codes suggested for a posting's
    title and description. A text that is not a coding-related job gets no tags at all; its
    ``classification`` says why."""
    text = text or ""
    hits, credentials, medical, codes, verdict = _verdict(text)
    if not verdict.coding_related:
        return Tags((), (), (), classification=verdict)
    required, preferred = _credential_roles(text, hits)
    if not medical:
        return Tags((), tuple(credentials), (), tuple(required), tuple(preferred), verdict)
    return Tags(tuple(_specialties(text, codes)), tuple(credentials), tuple(codes),
                tuple(required), tuple(preferred), verdict)


# =========================================================================== coding job fields
#
# What a coder chooses a job by beyond its tags: whether apprentices (CPC-A) and new graduates
# may apply, the work setting, the code sets, the productivity and accuracy expected and the
# encoder or EHR named. Read only from coding-related text: a software ad's "new graduates
# welcome" or "Epic-scale" says nothing about a coding job.

SETTINGS = {
    "inpatient": "Inpatient facility",
    "outpatient": "Outpatient facility",
    "profee": "Professional fee",
    "payer": "Payer / risk adjustment",
    "asc": "Ambulatory surgery center",
}
CODE_SETS = {
    "icd10cm": "ICD-10-CM",
    "icd10pcs": "ICD-10-PCS",
    "cpt": "CPT",
    "hcpcs": "HCPCS Level II",
    "drg": "DRG",
    "apc": "APC",
}
ENCODERS = {
    "3m": "3M", "optum": "Optum", "trucode": "TruCode", "epic": "Epic", "cerner": "Cerner (Oracle Health)",
    "meditech": "MEDITECH", "athenahealth": "athenahealth", "eclinicalworks": "eClinicalWorks",
    "nextgen": "NextGen", "allscripts": "Allscripts",
}
PRODUCTIVITY_PERIODS = ("hour", "day")


@dataclass(frozen=True)
class JobFields:
    apprentice: bool = False
    setting: str | None = None                   # a key of SETTINGS
    code_sets: tuple[str, ...] = ()              # keys of CODE_SETS, in CODE_SETS order
    encoders: tuple[str, ...] = ()               # keys of ENCODERS, order of appearance
    productivity: float | None = None            # charts (or encounters, cases...) per period
    productivity_per: str | None = None          # "hour" or "day"
    chart_type: str = ""                         # "ED", "inpatient"... when the text says
    accuracy: float | None = None                # percent


# Setting cues with their weights: a phrase that names the setting outright counts 1.5, a hint 1,
# a faint hint (a practice-management system, used mostly by physician practices) 0.5. A hit in
# the title counts double, one inside an experience requirement half. Cues ignore case except
# the acronyms, written inside ``(?-i:...)``.
_STRONG, _HINT, _FAINT = 1.5, 1.0, 0.5
# A hospital named anywhere leans a little toward its inpatient and outpatient facility settings
# ("outpatient clinic visits at our community hospital"); hospitalists and hospital medicine are
# physicians.
_HOSPITAL = r"\bhospital\b(?![- ](?:medicine|based physicians?))"
# The specialties whose practice, clinic or group is a physician practice ("Cardiology Clinic").
_PRACTICE_SPECIALTY = (
    r"(?:cardiology|dermatology|pediatrics?|family|orthopa?edics?|gastroenterology|(?-i:GI)|oncology|urology"
    r"|neurology|(?-i:OB/?GYN)|(?-i:ENT)|ophthalmology|pulmonary|rheumatology|podiatry|surgical|surgeon|"
    r"multi-?specialty|primary care|internal medicine)")
_SETTING_CUES = {
    "inpatient": ((r"\binpatient (?:facility|hospital|coding|coders?|records|stays|charts|reviews)\b", _STRONG),
                  (r"\binpatient\b", _HINT), (r"\bacute care\b", _HINT),
                  (r"(?-i:\b(?:MS-|APR-)?DRGs?\b)", _HINT), (r"\bICD-?10-?(?-i:PCS)\b", _HINT),
                  (r"(?-i:\bIP) coder\b", _STRONG), (_HOSPITAL, _FAINT)),
    "outpatient": ((r"\b(?:hospital outpatient|outpatient (?:facility|department|hospital))\b", _STRONG),
                   (r"\boutpatient\b", _HINT), (r"\bobservation\b", _HINT),
                   (r"(?-i:\bED) facility\b|\bemergency department facility\b", _STRONG),
                   (r"(?-i:\bAPCs?\b|\bOPPS\b)", _HINT), (r"\bancillary\b", _HINT),
                   (_HOSPITAL, _FAINT)),
    "profee": ((r"\bpro[- ]?fee\b|\bprofessional fee\b|\bprofessional (?:services|billing|coding|components?)\b",
                _STRONG),
               (r"\bphysician(?:s'?)? (?:[a-z]+ )?(?:practices?|groups?)\b", _STRONG),
               (r"\bphysician(?:s'?)? (?:offices?|services|visits|emergency|coding|billing)\b", _HINT),
               (r"\bmedical group\b|\bmultispecialty (?:group|physician practice)\b", _HINT),
               (rf"\b{_PRACTICE_SPECIALTY} (?:practices?|clinics?|groups?)\b|\bprovider(?:s'?)? office\b", _HINT),
               (r"\boffice (?:visits|E/M|procedures)\b|\bprovider (?:visits|services|encounters)\b", _HINT),
               (r"\b(?:primary|urgent) care\b|\b(?:internal|family) medicine (?:visits|providers|clinics?)\b",
                _HINT),
               (r"\beClinicalWorks\b|(?-i:\beCW\b)|\bathena(?:health|One)?\b|(?-i:\bNextGen\b)", _FAINT)),
    "payer": ((r"\brisk adjustment\b", _STRONG), (r"(?-i:\bHCCs?\b)", _HINT),
              (r"\bhealth plans?\b|\bpayer[- ]side\b", _STRONG),
              (r"\bMedicare Advantage\b", _HINT), (r"(?-i:\bRAF\b)", _HINT)),
    "asc": ((r"\bambulatory surgery cent(?:er|re)s?\b|\bsurgery cent(?:er|re)s?\b|\bsurgical cent(?:er|re)s?\b",
             _STRONG), (r"(?-i:\bASCs?\b)", _STRONG)),
}
_SETTING_SCANS = {
    setting: [(Scan(p, re.IGNORECASE), weight) for p, weight in cues] for setting, cues in _SETTING_CUES.items()
}
_SETTING_FLOOR = 1.5   # one passing cue ("multispecialty group") is not enough; two are, or one in the title

_CODE_SET_SCANS = {
    "icd10cm": Scan(r"\bICD-?10(?:-?CM\b|(?![-/ ]?(?:PCS|CM)\b)\b)|\bICD-?10-?CM/PCS\b", re.IGNORECASE),
    "icd10pcs": Scan(r"\bICD-?10-?(?:CM/)?PCS\b|\bPCS\b"),
    "cpt": Scan(r"\bCPT\b|\bE/M\b"),
    "hcpcs": Scan(r"\bHCPCS\b"),
    "drg": Scan(r"\b(?:MS-|APR-)?DRGs?\b"),
    "apc": Scan(r"\bAPCs?\b|\bOPPS\b"),
}
_ENCODER_SCANS = {
    "3m": Scan(r"(?<![\w$])3M\b|\b360 Encompass\b|\bCodeFinder\b"),
    "optum": Scan(r"\bOptum(?:360)?\b|\bEncoderPro\b"),
    "trucode": Scan(r"\bTruCode\b", re.IGNORECASE),
    "epic": Scan(r"(?<![\w-])Epic(?![\w-])(?! Games)"),
    "cerner": Scan(r"\bCerner\b|\bOracle Health\b"),
    "meditech": Scan(r"\bMEDITECH\b|\bMeditech\b"),
    "athenahealth": Scan(r"\bathena(?:health|One|Collector|Clinicals)?\b", re.IGNORECASE),
    "eclinicalworks": Scan(r"\beClinicalWorks\b|\beCW\b", re.IGNORECASE),
    "nextgen": Scan(r"\bNextGen\b"),
    "allscripts": Scan(r"\bAllscripts\b|\bVeradigm\b"),
}

_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)"
# "3 charts per hour", "18-22 ED records/day", "25 charts daily"; per week or pay period is not a
# period a posting holds, so it is not read.
_UNITS = r"(?:charts?|encounters?|records?|reports|cases|accounts|reviews|claims|visits|episodes|studies)"
_PRODUCTIVITY = Scan(
    rf"(?<![\w$.,]){_NUMBER}(?:\s*(?:-|–|to)\s*{_NUMBER})?\+?\s+"
    r"((?:[A-Za-z/&-]+\s+){0,2}?)"
    rf"{_UNITS}\s*"
    # "6 new reviews and 12 re-reviews per day": the period belongs to both counts.
    rf"(?:(?:and|plus)\s+\d{{1,3}}(?:\s*(?:-|–|to)\s*\d{{1,3}})?\s+(?:[A-Za-z/&-]+\s+){{0,2}}?[a-z-]*{_UNITS}\s*)?"
    r"(?:(?:per|an|a|/|each|every)\s*(hour|hr|day|shift)|(hourly|daily))\b",
    re.IGNORECASE,
)
# What a team or department codes together is not one coder's standard: "our coding department
# codes 400 charts per day", "250 cases per day across the team".
_TEAM_BEFORE = re.compile(
    r"\b(?:team|department)\b(?:\s+of\s+\d+)?\s+(?:together\s+)?"
    r"(?:codes?|handles?|process(?:es)?|completes?|reviews?|averages?)\b[^.;\n]*$",
    re.IGNORECASE,
)
_TEAM_AFTER = re.compile(
    r"\s+(?:across|among|between)\s+(?:the\s+|our\s+|all\s+)?(?:\w+\s+)?(?:team|department|coders|staff)\b",
    re.IGNORECASE,
)
# "Charts per hour: 3", "reviews per day: 18 to 22"
_PRODUCTIVITY_AFTER = Scan(
    rf"\b{_UNITS}\s+(?:per|an|a|/|each)\s*"
    rf"(hour|hr|day|shift)\b\s*(?:is|of|:|=|-)?\s*(?:about |approximately |at least )?{_NUMBER}(?![\d%])",
    re.IGNORECASE,
)
_CHART_TYPE_AFTER = re.compile(
    r"\s+(?:for|of|on)\s+((?:[A-Za-z/&-]+\s+){0,1}[A-Za-z/&-]+)\s+(?:records|charts|encounters|stays|visits)\b")
# Words between the number and "charts" that are not a chart type.
_NOT_CHART_TYPE = frozenset({"new", "more", "total", "coded", "completed", "of", "the", "or", "and", "about",
                             "approximately"})

_ACCURACY = Scan(
    r"(?<![\d.])(\d{2}(?:\.\d)?)\s*(?:%|percent)\s*(?:or (?:higher|better|above|greater)\s+)?"
    r"(?:(?:coding|audit|on-?going|overall|minimum)\s+)?(?:accuracy|accurate|quality|audit score)"
    r"|\b(?:accuracy|quality|(?:audit|QA) score)\b[^.;\n%]{0,60}?(?<![\d.])(\d{2}(?:\.\d)?)\s*(?:%|percent)",
    re.IGNORECASE,
)
_ACCURACY_RANGE = (50.0, 100.0)
# A posting that names no code set and no coding work (a billing team's "120 claims per day, 98%
# accuracy, new grads welcome") gets no coding job fields.
_CODING_WORK = Scan(
    r"\bcod(?:e|es|ed|ing|ers?)\b|(?-i:\bCDI\b|\bHCCs?\b)|\bdocumentation integrity\b|\babstract", re.IGNORECASE)

# Apprentice pathway: who may apply. A refusal anywhere wins; then an explicit welcome for CPC-A,
# new graduates or coders without experience. Words that only show the employer trains newcomers
# somewhere ("apprenticeship", "we train", "new coders", "entry-level") count unless the role is
# senior: a firm experience requirement or a senior title ("we fund an apprenticeship path for
# new coders elsewhere; this lead role requires 6 years").
_APPRENTICE_CREDENTIAL = r"(?:CPC-A|COC-A|CCA|apprentices?|apprentice coders?)"
# Each way of welcoming them.
_APPRENTICE_WELCOME = [Scan(pattern, re.IGNORECASE) for pattern in (
    (rf"{_APPRENTICE_CREDENTIAL}[^.;\n]{{0,40}}?\b(?:welcome[sd]?|considered|accepted|encouraged|eligible|"
     r"okay|ok|fine|acceptable|may apply|can apply)\b"
     rf"|\b(?:welcome|accept|consider|encourage)s?\b[^.;\n]{{0,20}}?\b{_APPRENTICE_CREDENTIAL}"
     rf"|{_APPRENTICE_CREDENTIAL}\b[^.;\n]*?\b(?:are|is) (?:welcome|encouraged|eligible|invited)\b"
     r"|\b(?:CPC|COC|CIC)\s+or\s+(?:CPC-A|COC-A)\b|\b(?:CPC-A|COC-A|CCA)\s+or\s+(?:CPC|COC|CCS)\b"
     r"|\bCPC-A candidates\b|\b(?:hold|holding) the (?:CCA|CPC-A)\b"),
    r"\brecently certified\b|\bnewly certified\b",
    r"\bnew (?:coders|grads?|graduates)\b[^.;\n]{0,20}?\b(?:welcome[sd]?|encouraged|considered|may apply)\b",
    r"\brecent (?:graduates?|grads?)\b|\bgraduates of an? [^.;\n]{0,40}program\b|\bfor new graduates\b",
    r"\bno (?:prior |coding |previous )?experience (?:required|necessary|needed)\b|\bno (?:coding )?experience\?",
    r"\b(?:the -?A|-A|apprentice (?:status|designation))\s+(?:\w+\s+){0,3}?removed within\b",
)]
_APPRENTICE_VAGUE = Scan(
    # an apprenticeship counts when its sentence is about coding, not another trade's
    r"\bentry[- ]level\b|\bapprenticeship\b(?=[^.;\n]*\bcod)|\bcod[^.;\n]*\bapprenticeship\b"
    r"|\btrainee\b|\bwill train\b|\bwe train\b"
    r"|\bnew (?:coders|grads?|graduates)\b(?![^.;\n]{0,30}\bnot\b)",
    re.IGNORECASE,
)
_APPRENTICE_REFUSED = Scan(
    rf"\bno {_APPRENTICE_CREDENTIAL}\b|\b{_APPRENTICE_CREDENTIAL}[^.;\n]{{0,30}}\b(?:not|never)\b"
    r"|\b(?:new grads?|new graduates|apprentices?)\b[^.;\n]{0,25}\b(?:are|is) not\b"
    r"|\bnot (?:an )?entry[- ]level\b|\bnot open to (?:new|apprentice)"
    r"|\b(?:apprentice|-A)\s+(?:status|designation)\s+(?:must|has to|needs to) be removed\b(?!\s+within\b)"
    r"|\bwithout (?:the )?(?:-A|apprentice)\b|\bnon-apprentice\b|\bno new (?:grads?|graduates|coders)\b",
    re.IGNORECASE,
)
_YEARS_REQUIRED = Scan(
    r"\b([2-9]|two|three|four|five|six|seven|eight|nine|ten)\s*\+?\s*(?:years?|yrs?)\b[^.;\n]{0,60}?"
    r"\b(?:required|requires|must|minimum)\b"
    r"|\b(?:minimum|at least)\s+(?:of\s+)?([2-9]|two|three|four|five)\s*\+?\s*(?:years?|yrs?)\b"
    r"|\b(?:requires?|required|needs)\b[^.;\n]{0,40}?\b([2-9]|two|three|four|five|six|seven|eight|nine|ten)"
    r"\s*\+?\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_SENIOR_TITLE = re.compile(r"\b(?:senior|sr\.?|lead|supervisor|manager|director|educator|III)\b", re.IGNORECASE)


def _apprentice(text: str) -> bool:
    if _APPRENTICE_REFUSED.search(text):
        return False
    if any(scan.search(text) for scan in _APPRENTICE_WELCOME):
        return True
    if not _APPRENTICE_VAGUE.search(text):
        return False
    return not (_YEARS_REQUIRED.search(text) or _SENIOR_TITLE.search(text[:_title_end(text)]))


def _setting(text: str) -> str | None:
    title_end = _title_end(text)
    experience = _experience_clauses(text)
    scores: dict[str, float] = defaultdict(float)
    for setting, scans in _SETTING_SCANS.items():
        taken: list[tuple[int, int]] = []   # "hospital outpatient" and "outpatient" count once
        for scan, cue_weight in scans:
            for m in scan.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                weight = cue_weight
                if m.start() < title_end:
                    weight *= _TITLE_FACTOR
                elif any(a <= m.start() < b for a, b in experience):
                    weight *= _EXPERIENCE_FACTOR
                scores[setting] += weight
    if not scores:
        return None
    best, score = max(scores.items(), key=lambda kv: (kv[1], -list(SETTINGS).index(kv[0])))
    return best if score >= _SETTING_FLOOR else None


def _productivity(text: str) -> tuple[float | None, str | None, str]:
    """Charts per hour or per day (the lower figure of a range), with the chart type named."""
    m = next((m for m in _PRODUCTIVITY.finditer(text) if not _team_volume(text, m)), None)
    if m is None:
        m = _PRODUCTIVITY_AFTER.search(text)
        if m is None:
            return None, None, ""
        per = m.group(1).lower()
        return float(m.group(2)), "hour" if per in ("hour", "hr") else "day", ""
    count = float(m.group(1))
    per = "hour" if (m.group(4) or m.group(5)).lower() in ("hour", "hr", "hourly") else "day"
    words = [w for w in m.group(3).split() if w.lower() not in _NOT_CHART_TYPE]
    if not words:   # "1.5 charts per hour for surgical inpatient records"
        after = _CHART_TYPE_AFTER.match(text, m.end())
        words = after.group(1).split() if after else []
    return count, per, " ".join(words)


def _team_volume(text: str, m: re.Match[str]) -> bool:
    sentence_start = max(text.rfind(c, 0, m.start()) for c in ".;\n") + 1
    return bool(_TEAM_BEFORE.search(text, sentence_start, m.start()) or _TEAM_AFTER.match(text, m.end()))


def _accuracy(text: str) -> float | None:
    for m in _ACCURACY.finditer(text):
        value = float(m.group(1) or m.group(2))
        if _ACCURACY_RANGE[0] <= value <= _ACCURACY_RANGE[1]:
            return value
    return None


def _spelled_figures_as_digits(text: str) -> str:
    """The text with spelled-out numbers as digits ("Two charts per hour" -> "2 charts per hour");
    text the library cannot encode (a lone surrogate, refused at every entry point) stays as it is."""
    try:
        return alpha2digit(text, "en", threshold=0)
    except UnicodeEncodeError:
        return text


def job_fields(text: str, codes: tuple[str, ...] = ()) -> JobFields:
    """The coding job fields the text states: apprentice pathway, setting, code sets, encoders,
    productivity and accuracy. A text that is not a coding-related job gets none. ``codes``
    (CPT codes already found) count as the CPT code set."""
    text = text or ""
    title = text[:_title_end(text)]
    if not classify(title, text, _credentials(text), list(codes)).coding_related and not (
            _CODING_TITLE.search(title) and not _OTHER_TITLE.search(title) and _setting(text)):
        # A title naming coding work with a coding setting in the text is evidence enough here.
        return JobFields()
    code_sets = tuple(k for k, scan in _CODE_SET_SCANS.items() if scan.search(text) or (k == "cpt" and codes))
    if not code_sets and not _CODING_WORK.search(text):
        return JobFields()
    found = sorted((m.start(), k) for k, scan in _ENCODER_SCANS.items() if (m := scan.search(text)))
    figures = _spelled_figures_as_digits(text)
    count, per, chart_type = _productivity(figures)
    return JobFields(
        apprentice=_apprentice(text), setting=_setting(text), code_sets=code_sets,
        encoders=tuple(k for _, k in found), productivity=count, productivity_per=per,
        chart_type=chart_type, accuracy=_accuracy(figures),
    )

# =========================================================================== résumés

def _credential_name_pattern(name: str) -> str:
    """A credential's full name as a pattern, without any "(formerly ...)" note."""
    words = re.sub(r"\(.*?\)", "", name).replace(" - ", " ").split()
    return r"\s*[-–]?\s*".join(re.escape(w) for w in words)


@lru_cache(maxsize=1)
def _credential_name_regex() -> re.Pattern[str]:
    names = sorted(_credential_table().items(), key=lambda item: len(item[1]), reverse=True)
    alternation = "|".join(f"(?P<c{n}>{_credential_name_pattern(name)})" for n, (_, name) in enumerate(names))
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)


def _credentials_by_name(text: str) -> list[tuple[int, str]]:
    """(position, abbreviation) of credentials written out: "Certified Risk Adjustment Coder"."""
    abbreviations = [abbr for abbr, _ in sorted(_credential_table().items(), key=lambda item: len(item[1]),
                                                reverse=True)]
    # Each alternative is a named group "c<index>": the one that matched names the credential.
    return [(m.start(), abbreviations[int((m.lastgroup or "c0")[1:])]) for m in _credential_name_regex().finditer(text)]


def resume_tags(text: str) -> Tags:
    """Credentials and specialties a résumé shows its writer holds and codes.

    Unlike :func:`suggest_tags` there is no job-posting gate, and credentials also count when
    written out in full ("Certified Professional Coder (CPC)", "Certified Coding Specialist").
    """
    text = text or ""
    hits = sorted([*_credential_hits(text), *_credentials_by_name(text)])
    credentials = _credentials(text, hits)
    if not _has_medical_context(text, bool(credentials)):
        return Tags((), tuple(credentials), ())
    codes = _codes(text)
    return Tags(tuple(_specialties(text, codes)), tuple(credentials), tuple(codes))
