"""What a résumé's text suggests for the seeker's profile: credentials, specialties, years of
coding experience and location. Pure functions (no Flask, no database), so the rules can be
read and tested on their own; the seeker always confirms before anything reaches the profile.

Years of experience
    A sentence that says it wins ("7 years of coding experience", "over 10 years as a coder",
    "5+ years"), the largest such figure. Otherwise the work history's date ranges ("Jan 2016 -
    Mar 2019", "03/2017 – 05/2020", "2018 - Present") are merged, so overlapping jobs count once,
    and the total is rounded down to whole years. Figures above 60 are ignored.
Location
    The first "City, ST" or "City, State name" in the first lines (the résumé's header), with a
    known US state.
"""
import re
from dataclasses import asdict, dataclass
from datetime import date

from jobboard.models.taxonomy import US_STATES
from jobboard.tagging import resume_tags

MAX_YEARS = 60
HEADER_CHARS = 600

_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}
_NUMBER_WORDS = {w: n for n, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"))}
_YEARS_SAID = re.compile(
    r"\b(?P<n>\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s*\+?\s*(?:years?|yrs?)\b"
    r"(?P<tail>[^.\n;]{0,60})",
    re.IGNORECASE)
_EXPERIENCE_WORDS = re.compile(r"\b(?:experience|experienced|coding|coder|billing|auditing|HIM|revenue cycle)\b",
                               re.IGNORECASE)
_MONTHS = {m: n for n, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH = r"(?:(?P<{0}m>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+|(?P<{0}n>0?[1-9]|1[0-2])/)?"
_WHEN = _MONTH + r"(?P<{0}y>(?:19|20)\d\d)"
_RANGE = re.compile(
    r"\b" + _WHEN.format("a") + r"\s*(?:-|–|—|to|until)\s*(?:" + _WHEN.format("b")
    + r"|(?P<now>present|current|now|today))\b",
    re.IGNORECASE)
_PLACE = re.compile(
    r"(?P<city>[A-Z][a-zA-Z.'’-]+(?:[ -][A-Z][a-zA-Z.'’-]+){0,3}),\s*"
    r"(?P<state>[A-Z]{2}|" + "|".join(sorted(US_STATES.values(), key=len, reverse=True)) + r")"
    r"(?![A-Za-z])")


@dataclass(frozen=True)
class Proposals:
    credentials: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    years_experience: int | None = None
    city: str = ""
    state: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["credentials"], data["specialties"] = list(self.credentials), list(self.specialties)
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> "Proposals":
        data = data or {}
        return cls(tuple(data.get("credentials") or ()), tuple(data.get("specialties") or ()),
                   data.get("years_experience"), data.get("city") or "", data.get("state") or "")

    def __bool__(self) -> bool:
        return bool(self.credentials or self.specialties or self.years_experience is not None or self.state)


def _years_said(text: str) -> int | None:
    found = []
    for m in _YEARS_SAID.finditer(text):
        if not _EXPERIENCE_WORDS.search(m.group("tail")):
            continue
        raw = m.group("n").lower()
        years = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if years is not None and 0 < years <= MAX_YEARS:
            found.append(years)
    return max(found) if found else None


def _month_index(m: re.Match, side: str, *, end: bool) -> int:
    year = int(m.group(f"{side}y"))
    name, number = m.group(f"{side}m"), m.group(f"{side}n")
    month = _MONTHS[name.lower()[:3]] if name else int(number) if number else (12 if end else 1)
    return year * 12 + month - 1


def _years_from_dates(text: str, today: date) -> int | None:
    now = today.year * 12 + today.month - 1
    spans = []
    for m in _RANGE.finditer(text):
        start = _month_index(m, "a", end=False)
        stop = now if m.group("now") else _month_index(m, "b", end=True)
        if start <= stop <= now:
            spans.append((start, stop + 1))
    if not spans:
        return None
    months, reach = 0, None
    for start, stop in sorted(spans):
        if reach is not None and start < reach:
            start = reach
        if stop > start:
            months += stop - start
            reach = stop
    years = months // 12
    return years if 0 < years <= MAX_YEARS else None


def _location(text: str) -> tuple[str, str]:
    for m in _PLACE.finditer(text[:HEADER_CHARS]):
        state = m.group("state")
        code = state if state in US_STATES else _STATE_BY_NAME.get(state.lower())
        if code:
            return m.group("city").strip()[:100], code
    return "", ""


def propose(text: str, today: date | None = None) -> Proposals:
    """The profile fields a résumé's text suggests."""
    tags = resume_tags(text)
    years = _years_said(text)
    if years is None:
        years = _years_from_dates(text, today or date.today())
    city, state = _location(text)
    return Proposals(tags.credentials, tags.specialties, years, city, state)
