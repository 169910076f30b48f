"""The contract's search parameters, shared by ``/jobs``, ``/jobs.atom`` and ``/api/v1/jobs``.

``q`` is never rejected (the query parser accepts anything); every other malformed value
raises ``InvalidParameter`` naming the parameter, which the views turn into a 400. Empty values
(what an untouched form field sends) count as absent.
"""
import re
from dataclasses import dataclass, replace
from typing import Any

from jobboard.models.taxonomy import ARRANGEMENTS, EMPLOYMENT_TYPES, US_STATES
from jobboard.numbers import parse_int
from jobboard.reference_data import CODE_FORMATS, get_specialty, normalize_code
from jobboard.search.backend import SORTS
from jobboard.search.text import CREDENTIALS
from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS

# Repeatable filters over the coding job fields: parameter, SearchParams attribute, allowed keys.
FIELD_FILTERS = (("setting", "settings", SETTINGS), ("code_set", "code_sets", CODE_SETS),
                 ("encoder", "encoders", ENCODERS))
FLAGS = ("eligible", "apprentice", "pay_posted")   # "1" or absent

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_RESULTS = 10_000   # deepest result reachable by paging
MAX_DAYS = 3650
MAX_SALARY = 10_000_000
MAX_QUERY_ECHO = 500   # the parser reads less; this much is kept for the search box
_NUMBER_RE = re.compile(r"\$?\s*([0-9]{1,12}(?:\.[0-9]{1,12})?)\s*(k)?", re.IGNORECASE)


class InvalidParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = f"{name}: {message}"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    specialties: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()
    arrangements: tuple[str, ...] = ()
    employment_types: tuple[str, ...] = ()
    state: str | None = None
    salary_min: int | None = None
    posted_within: int | None = None
    code: str | None = None
    # Only postings whose required credentials the signed-in seeker holds.
    eligible: bool = False
    apprentice: bool = False            # open to apprentice coders (CPC-A) / new graduates
    pay_posted: bool = False            # a pay range is posted
    settings: tuple[str, ...] = ()
    code_sets: tuple[str, ...] = ()
    encoders: tuple[str, ...] = ()
    sort: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def args(self, **changes) -> list[tuple[str, str]]:
        """URL query pairs for these parameters (with ``changes``), defaults left out."""
        params = replace(self, **changes)
        pairs = [("q", params.q)] if params.q else []
        pairs += [("specialty", s) for s in params.specialties]
        pairs += [("credential", c) for c in params.credentials]
        pairs += [("arrangement", a) for a in params.arrangements]
        pairs += [("employment_type", e) for e in params.employment_types]
        for name in ("state", "salary_min", "posted_within", "code", "sort"):
            if getattr(params, name) is not None:
                pairs.append((name, str(getattr(params, name))))
        for name, attribute, _ in FIELD_FILTERS:
            pairs += [(name, v) for v in getattr(params, attribute)]
        pairs += [(flag, "1") for flag in FLAGS if getattr(params, flag)]
        if params.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(params.per_page)))
        if params.page != 1:
            pairs.append(("page", str(params.page)))
        return pairs

    def without(self, name: str, value: str | None = None) -> list[tuple[str, str]]:
        """Query pairs with one filter value (or the whole filter) removed, back on page 1."""
        current = getattr(self, name)
        if isinstance(current, tuple):
            return self.args(page=1, **{name: tuple(v for v in current if value is not None
                                                    and v != value)})
        return self.args(page=1, **{name: "" if name == "q" else (False if name in FLAGS else None)})

    def toggled(self, name: str, value: str) -> list[tuple[str, str]]:
        """Query pairs with a filter value added or removed, back on page 1."""
        current = getattr(self, name)
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        return self.args(page=1, **{name: values})

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def filtered(self) -> bool:
        return bool(self.specialties or self.credentials or self.arrangements
                    or self.employment_types or self.state or self.salary_min is not None
                    or self.posted_within or self.code or self.eligible or self.apprentice
                    or self.pay_posted or self.settings or self.code_sets or self.encoders)


def _values(args, name: str) -> list[str]:
    return [v.strip() for v in args.getlist(name) if v and v.strip()]


def _first(args, name: str) -> str | None:
    values = _values(args, name)
    return values[0] if values else None


def _integer(args, name: str, low: int, high: int, what: str) -> int | None:
    raw = _first(args, name)
    if raw is None:
        return None
    number = parse_int(raw)
    if number is None or not low <= number <= high:
        raise InvalidParameter(name, f"{what} from {low} to {high:,}, not {raw[:40]!r}.")
    return number


def _salary(args) -> int | None:
    raw = _first(args, "salary_min")
    if raw is None:
        return None
    match = _NUMBER_RE.fullmatch(raw.replace(",", ""))
    if not match:
        raise InvalidParameter("salary_min", f"give annual pay in US dollars such as 55000, "
                                             f"not {raw[:40]!r}.")
    amount = float(match.group(1)) * (1000 if match.group(2) else 1)
    if amount > MAX_SALARY:
        raise InvalidParameter("salary_min", f"at most {MAX_SALARY:,}.")
    return int(amount)


def parse_params(args) -> SearchParams:
    """Validate a request's query arguments (a werkzeug MultiDict)."""
    specialties = tuple(dict.fromkeys(_values(args, "specialty")))
    for slug in specialties:
        if get_specialty(slug) is None:
            raise InvalidParameter("specialty", f"unknown specialty {slug[:60]!r}; use a slug "
                                                "such as general-surgery.")
    credentials = []
    for raw in _values(args, "credential"):
        abbreviation = CREDENTIALS.get(raw.lower())
        if abbreviation is None:
            raise InvalidParameter("credential", f"unknown credential {raw[:40]!r}; use an "
                                                 "abbreviation such as CPC or CCS.")
        credentials.append(abbreviation)
    arrangements = tuple(dict.fromkeys(_values(args, "arrangement")))
    for value in arrangements:
        if value not in ARRANGEMENTS:
            raise InvalidParameter("arrangement", "choose remote, hybrid or onsite.")
    employment_types = tuple(dict.fromkeys(_values(args, "employment_type")))
    for value in employment_types:
        if value not in EMPLOYMENT_TYPES:
            raise InvalidParameter("employment_type",
                                   "choose one of " + ", ".join(EMPLOYMENT_TYPES) + ".")
    state = _first(args, "state")
    if state is not None:
        if state.upper() not in US_STATES:
            raise InvalidParameter("state", "use a two-letter US state code such as TX.")
        state = state.upper()
    code = _first(args, "code")
    if code is not None:
        normalized = normalize_code(code)
        if normalized is None:
            raise InvalidParameter("code", "a CPT code looks like " + ", ".join(CODE_FORMATS) + ".")
        code = normalized
    sort = _first(args, "sort")
    if sort is not None and sort not in SORTS:
        raise InvalidParameter("sort", "choose relevance, newest or salary.")
    per_page = _integer(args, "per_page", 1, MAX_PER_PAGE, "a number") or DEFAULT_PER_PAGE
    page = _integer(args, "page", 1, MAX_RESULTS, "a page number") or 1
    if page * per_page > MAX_RESULTS:
        raise InvalidParameter("page", f"results stop at {MAX_RESULTS:,}; narrow the search "
                                       "with words or filters.")
    flags: dict[str, Any] = {}
    for flag, what in (("eligible", "jobs whose required credentials you hold"),
                       ("apprentice", "jobs open to apprentice coders (CPC-A) and new graduates"),
                       ("pay_posted", "jobs that post a pay range")):
        given = _first(args, flag)
        if given is not None and given not in ("0", "1"):
            raise InvalidParameter(flag, f"use 1 to show only {what}.")
        flags[flag] = given == "1"
    chosen: dict[str, Any] = {}
    for name, attribute, allowed in FIELD_FILTERS:
        values = tuple(dict.fromkeys(_values(args, name)))
        for value in values:
            if value not in allowed:
                raise InvalidParameter(name, f"unknown value {value[:40]!r}; use one of "
                                             + ", ".join(allowed) + ".")
        chosen[attribute] = values
    return SearchParams(
        **flags, **chosen,
        q=(args.get("q") or "").strip()[:MAX_QUERY_ECHO],
        specialties=specialties,
        credentials=tuple(dict.fromkeys(credentials)),
        arrangements=arrangements,
        employment_types=employment_types,
        state=state,
        salary_min=_salary(args),
        posted_within=_integer(args, "posted_within", 1, MAX_DAYS, "a number of days"),
        code=code,
        sort=sort,
        page=page,
        per_page=per_page,
    )
