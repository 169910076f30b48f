"""Suggest specialty, credential and CPT code tags for a job posting's text.

This is the project's one tagger: the importer, the posting form and the demo loader all call
:func:`suggest_tags`, and the posting page calls :func:`code_mentions` to link code numbers to
their reference pages. Standard library plus :mod:`jobboard.reference_data` only (no Flask, no
database), so it can run anywhere and is measured offline by ``bench/tagger_eval.py`` against the
hand-judged corpus in ``tests/data/tagger_cases.json``.

How it decides
--------------
Codes
    A candidate is a token of five digits or four digits plus F/T/U that is not part of a longer
    number. It is dropped when it is plainly something else: money (``$55,000``), a ZIP code
    after a state (``Dallas, TX 75201``), a phone extension or an ID (``ext. 43239``,
    ``Job ID 58231``), a street number (``12345 Main St``), or a count (``45000 charts``,
    ``55000 per year``). Years are four digits, so they are never candidates. What is left must
    ``classify()`` into a known CPT range and stand in coding context: a cue word earlier in the
    same sentence (CPT, HCPCS, code, modifier, report, billing, procedure, E/M, "such as", ...),
    a list or range with another code (``99213, 99214``, ``99202-99215``), or another accepted code
    in the same sentence. A range of at most 20 codes expands to every code in it; a longer one
    yields its two endpoints.
Credentials
    Whole-token, case-sensitive matches of the abbreviations in ``credentials.csv``, longest
    first, so ``CPC-A`` never also counts as ``CPC``. A few abbreviations have common other
    meanings and are skipped in those contexts: CPC near advertising words (cost per click,
    PPC, Google Ads, campaigns...), CRC next to colorectal-cancer words, RCC next to renal cell
    carcinoma.
Specialties
    Phrase matches of each specialty's name and synonyms (word boundaries, plural-tolerant,
    short acronyms such as ED, IR, GI upper-case only, and the longest phrase wins where two
    overlap), weighted (generic words such as "audit" or "billing" count less, a hit in the
    title counts double), plus evidence from the codes found: each code shares one unit of
    evidence among the specialties whose ranges hold it, in proportion to 1 / (total width of
    the specialty's ranges), so a narrow range such as hemic and lymphatic 38100-38999 outweighs
    the whole surgery section claimed by ambulatory surgery. Scores under a floor, or far below
    the best one, are dropped; at most five are kept. A text without any medical or coding
    vocabulary (a marketing or software ad) gets no specialties and no codes.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from jobboard import reference_data as rd

__all__ = ["Tags", "suggest_tags", "code_mentions", "MAX_SPECIALTIES", "RANGE_EXPAND_LIMIT"]

MAX_SPECIALTIES = 5
RANGE_EXPAND_LIMIT = 20  # a written range of at most this many codes expands to all of them


@dataclass(frozen=True)
class Tags:
    specialties: tuple[str, ...]   # slugs, best first, at most 5
    credentials: tuple[str, ...]   # abbreviations as in credentials.csv, order of appearance
    codes: tuple[str, ...]         # CPT codes, order of appearance, no duplicates


# =========================================================================== shared text helpers

_WORD = r"A-Za-z0-9"

# Sentence boundaries: end punctuation followed by space and a capital/quote/bracket, a newline,
# a semicolon or a bullet. "e.g. 99213" and "ext. 43239" do not end a sentence (digit follows).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])|\n+|;\s+|\s[•·]\s")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _sentence_index(spans: list[tuple[int, int]], pos: int) -> int:
    for i, (a, b) in enumerate(spans):
        if a <= pos <= b:
            return i
    return len(spans) - 1


# Medical / coding vocabulary that tells a coding posting from a marketing or software ad.
_MEDICAL_STRONG = re.compile(
    r"\b(?:CPT|HCPCS|ICD-?10(?:-CM|-PCS)?|ICD|MS-DRG|DRG|E/M|E&M|AAPC|AHIMA|Medicare|Medicaid|"
    r"medical (?:coding|coder|coders|billing|biller|records?)|revenue cycle|HIM|"
    r"health information|chart reviews?|operative (?:notes|reports)|clinical documentation)\b",
    re.IGNORECASE,
)
_MEDICAL_WEAK = re.compile(
    r"\b(?:medical|clinical|clinics?|patients?|physicians?|providers?|hospitals?|health(?:care)?|"
    r"surgery|surgical|surgeons?|diagnos[ie]s|payers?|nurses?|RN|EHR|Epic|documentation|"
    r"procedures?|claims?|charts?|encounters?|practice|radiology|oncology|pathology|cardiology|"
    r"anesthesia|pediatric|dermatology|urology|psychiatr\w*|therapy|visits?)\b",
    re.IGNORECASE,
)


def _has_medical_context(text: str, credentials_found: bool) -> bool:
    if credentials_found or _MEDICAL_STRONG.search(text):
        return True
    weak = {m.group(0).lower().rstrip("s") for m in _MEDICAL_WEAK.finditer(text)}
    return len(weak) >= 3


# =========================================================================== codes

_CANDIDATE = re.compile(rf"(?<![{_WORD}])(\d{{4}}[FTUftu]|\d{{5}})(?![{_WORD}])")

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
_ID_BEFORE = re.compile(
    r"(?:\b(?:job|req|requisition|ref|reference|posting|position|vacancy|ext|extension|suite|ste|"
    r"unit|box|zip|zip\s*code|postal\s*code|apt|apartment|room|rm|floor|building|bldg|hwy|"
    r"highway|route|rte|invoice|ticket|license|licence|npi|tin|ein|fax|phone|tel|telephone|"
    r"call|text|id)\b\.?\s*(?:(?:id|no|num|number|code)\b\.?\s*)?[:#]?\s*|#\s*|\$\s*|no\.\s*)$",
    re.IGNORECASE,
)
# Quantities: "more than 45000", "serves 45000", "~12000".
_QUANTITY_BEFORE = re.compile(
    r"(?:\b(?:more than|over|nearly|almost|about|approximately|approx\.?|around|roughly|up to|"
    r"at least|in excess of|exceeding|serves|serving|served|employs|employing|processes|"
    r"processed|processing|handles|handled|handling|sees|saw|top)\s*|~\s*)$",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"^\s*(?:\+\s*)?(?:(?:[a-z-]+\s+)?(?:employees|staff|people|members|patients|users|customers|"
    r"clients|claims|charts|encounters|records|accounts|beds|providers|physicians|lives|"
    r"specimens|transactions|sites|students|followers|downloads|visits|cases|square|sq\.?|"
    r"dollars|usd|subscribers|merchants|orders|shipments|calls|hours|minutes|miles)\b|"
    r"(?:per|a|an|each|every)\s+(?:year|yr|annum|month|week|day|hour|hr)\b|annually\b|yearly\b|"
    r"k\b|/\s*(?:yr|year|hr|hour|mo|month)\b)",
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
    range_end: "_Candidate | None" = None  # set on the first code of a written range
    range_start: "_Candidate | None" = None


def _hard_excluded(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 60):start]
    after = text[end:end + 60]
    # Part of a longer number: 1,23456 / 12345.67 / 55000,00 / ZIP+4 12345-6789 / phone groups.
    if re.search(r"\d[.,]$", before) or re.match(r"[.,]\d", after):
        return True
    if re.match(r"-\d{4}(?![\dFTUftu])", after) or re.match(r"-\d{1,3}-", after):
        return True
    if re.search(r"\d-$", before) and not re.search(r"\d{4}[FTUftu0-9]\s*-$", before):
        return True  # "555-12345" style, but not the end of a range such as 99202-99215
    if before.endswith("(") and re.match(r"\)\s*\d{3}-", after):
        return True
    if _ZIP_BEFORE.search(before) or _ID_BEFORE.search(before) or _QUANTITY_BEFORE.search(before):
        return True
    if _COUNT_AFTER.match(after) or _STREET_AFTER.match(after):
        return True
    return False


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
    for a, b in zip(cands, cands[1:]):
        gap = text[a.end:b.start]
        if len(gap) > 30 or not _LIST_GAP.match(gap):
            continue
        a.accepted = b.accepted = True
        same_kind = a.code[-1] == b.code[-1] or (a.code.isdigit() and b.code.isdigit())
        if _RANGE_GAP.match(gap) and same_kind and a.range_start is None \
                and rd.code_sort_key(a.code) < rd.code_sort_key(b.code):
            a.range_end, b.range_start = b, a

    spans = _sentence_spans(text)
    for c in cands:
        if c.accepted:
            continue
        si = _sentence_index(spans, c.start)
        s_start, s_end = spans[si]
        window_before = text[max(s_start, c.start - _CUE_WINDOW_BEFORE):c.start]
        window_after = text[c.end:min(s_end, c.end + _CUE_WINDOW_AFTER)]
        if _CUE.search(window_before) or _CUE.match(window_after.lstrip(" (")) or \
                re.match(r"-(?:\d{2}|[A-Z]{2})\b", window_after):  # 99213-25: code with modifier
            c.accepted = True

    # Propagation inside a sentence: "(CPT 66984), screening colonoscopy 45378 and ... 29881".
    changed = True
    while changed:
        changed = False
        for c in cands:
            if c.accepted:
                continue
            si = _sentence_index(spans, c.start)
            for o in cands:
                if o.accepted and _sentence_index(spans, o.start) == si and \
                        abs(o.start - c.start) <= _PROPAGATE_WINDOW:
                    c.accepted = changed = True
                    break
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
_AD_CONTEXT = re.compile(
    r"cost[\s-]+per[\s-]+click|pay[\s-]+per[\s-]+click|\bPPC\b|\bSEM\b|\bSEO\b|Google Ads|"
    r"Microsoft Ads|Bing Ads|AdWords|Facebook Ads|Meta Ads|\bcampaigns?\b|\bbids?\b|\bbidding\b|"
    r"\bCPM\b|\bCPA\b|\bCTR\b|\bROAS\b|\bROI\b|impressions|click[\s-]*through|conversion rates?|"
    r"paid search|paid social|ad spend|\baffiliates?\b|publishers|advertis\w*|marketing",
    re.IGNORECASE,
)
_AMBIGUOUS = {
    "CPC": (_AD_CONTEXT, 160),
    "CRC": (re.compile(r"colorectal|colon\b|colonoscop\w*|cancer|screening", re.IGNORECASE), 60),
    "RCC": (re.compile(r"renal|kidney|carcinoma|tumou?r|cancer", re.IGNORECASE), 60),
}


@lru_cache(maxsize=1)
def _credential_regex() -> re.Pattern[str]:
    abbrs = sorted((c.abbreviation for c in rd.load_credentials()), key=len, reverse=True)
    alternation = "|".join(re.escape(a) for a in abbrs)
    # Not inside a longer token; "CPC-A" must not yield "CPC" and "CPC-H" (the old name of COC)
    # is not CPC, but "CPC-certified" is. A trailing plural s ("CPCs") or (R)/® is allowed.
    return re.compile(
        rf"(?<![{_WORD}-])({alternation})(?:s|®|\(R\))?(?![{_WORD}]|-[A-Z0-9](?![A-Za-z0-9]))"
    )


def _credential_hits(text: str) -> list[tuple[int, str]]:
    hits = []
    for m in _credential_regex().finditer(text):
        abbr = m.group(1)
        rule = _AMBIGUOUS.get(abbr)
        if rule is not None:
            pattern, radius = rule
            window = text[max(0, m.start() - radius):m.end() + radius]
            if pattern.search(window):
                continue
        hits.append((m.start(), abbr))
    return hits


def _credentials(text: str, hits: list[tuple[int, str]] | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for _, abbr in hits if hits is not None else _credential_hits(text):
        seen.setdefault(abbr, None)
    return list(seen)


# =========================================================================== specialties

# Synonyms that also turn up in postings of other specialties ("quarterly audits", "billing
# office", "observation" beds...). They count, but less than a specialty's own vocabulary.
_WEAK_SYNONYMS = frozenset({
    "audit", "compliance", "quality review", "billing", "credentialing", "denials", "ar",
    "observation", "same-day surgery", "op notes", "surgical notes", "operative reports",
    "global period", "global surgery", "surgical modifiers", "facility coding", "hospital coder",
    "imaging", "ultrasound", "mri", "ct", "mri/ct", "cardiac", "cardiovascular", "echo",
    "infusion", "lab", "laboratory", "molecular", "epidural", "base units", "time units", "asa",
    "office visits", "pro-fee", "professional fee", "profee", "mdm", "medical decision making",
    "psychology", "query", "queries", "cds", "chart review", "newborn", "outpatient surgery",
})
# A few words the tagger also listens for, beyond each specialty's synonyms; all weak.
_EXTRA_WEAK_PHRASES = {"inpatient-facility": ("inpatient",)}
_SYNONYM_WEIGHT = 1.0
_WEAK_WEIGHT = 0.4
_WEAK_CAP = 0.8              # weak phrases alone never reach the floor: they support, not decide
_TITLE_FACTOR = 2.0
_REPEAT_BONUS = 0.2          # per extra mention of the same phrase, up to _REPEAT_CAP mentions
_REPEAT_CAP = 5
_CODE_WEIGHT = 0.5           # one unit of code evidence is worth half a synonym
_SCORE_FLOOR = 1.0
_RELATIVE_FLOOR = 0.2       # of the best score
# Settings whose ranges repeat other specialties' entirely (family and internal medicine's are
# the E/M codes): codes alone cannot tell them apart, so their code evidence needs a word too.
_CODE_NEEDS_WORDS = frozenset({"family-internal-medicine"})
# Words that are ordinary English and stay case-insensitive despite being short.
_SHORT_WORDS = frozenset({"lab"})


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    phrase = phrase.strip()
    if len(phrase) <= 3 and phrase.replace("&", "").isalpha() and phrase not in _SHORT_WORDS:
        return re.compile(rf"(?<![{_WORD}]){re.escape(phrase.upper())}(?:s)?(?![{_WORD}])")
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
    return re.compile(rf"(?<![{_WORD}]){body}(?![{_WORD}])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _vocabulary() -> list[tuple[str, str, float, re.Pattern[str]]]:
    """(slug, phrase, weight, pattern) for every specialty name and synonym."""
    vocab = []
    for spec in rd.load_specialties():
        phrases = {s.strip().lower() for s in spec.synonyms if s.strip()}
        name = spec.name.lower()
        m = re.match(r"^(.*?)\s*\((.*?)\)\s*$", name)
        if m:
            phrases.update({m.group(1).strip(), m.group(2).strip()})
        else:
            phrases.add(name)
        weak = set(_EXTRA_WEAK_PHRASES.get(spec.slug, ())) | (phrases & _WEAK_SYNONYMS)
        phrases |= weak
        for phrase in sorted(phrases):
            weight = _WEAK_WEIGHT if phrase in weak else _SYNONYM_WEIGHT
            vocab.append((spec.slug, phrase, weight, _phrase_pattern(phrase)))
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


def _vocabulary_scores(text: str) -> dict[str, float]:
    matches = []
    for slug, phrase, weight, pattern in _vocabulary():
        for m in pattern.finditer(text):
            matches.append((m.start(), m.end(), slug, phrase, weight))
    # Longest match wins where phrases overlap ("interventional radiology" over "radiology",
    # "cath lab" over "lab"); equal spans from different specialties all stand.
    matches.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
    taken: list[tuple[int, int]] = []
    kept = []
    for start, end, slug, phrase, weight in matches:
        if any(start < e and s < end and (e - s) > (end - start) for s, e in taken):
            continue
        taken.append((start, end))
        kept.append((start, slug, phrase, weight))

    title_end = _title_end(text)
    per_phrase: dict[tuple[str, str], list[int]] = defaultdict(list)
    weights: dict[tuple[str, str], float] = {}
    for start, slug, phrase, weight in kept:
        per_phrase[(slug, phrase)].append(start)
        weights[(slug, phrase)] = weight
    strong: dict[str, float] = defaultdict(float)
    weak: dict[str, float] = defaultdict(float)
    for key, starts in per_phrase.items():
        score = weights[key] * (1 + _REPEAT_BONUS * (min(len(starts), _REPEAT_CAP) - 1))
        if any(s < title_end for s in starts):
            score *= _TITLE_FACTOR
        (weak if weights[key] < _SYNONYM_WEIGHT else strong)[key[0]] += score
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

def suggest_tags(text: str) -> Tags:
    """Specialties, credentials and CPT codes suggested for a posting's title and description."""
    text = text or ""
    hits = _credential_hits(text)
    credentials = _credentials(text, hits)
    if not _has_medical_context(text, bool(credentials)):
        return Tags((), tuple(credentials), ())
    codes = _codes(text)
    return Tags(tuple(_specialties(text, codes)), tuple(credentials), tuple(codes))
