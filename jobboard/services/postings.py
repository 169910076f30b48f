"""Postings: create, edit, move through the life cycle, expire.

Tag resolution (specialty slugs, credential abbreviations, CPT codes) lives here once and
serves the posting form and the JSON Lines importer (``services.imports``) alike.
"""
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update

from jobboard.classification import classify
from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import (
    MAX_SPECIALTIES,
    IllegalTransition,
    Posting,
    PostingCredential,
)
from jobboard.models.taxonomy import (
    ARRANGEMENTS,
    EMPLOYMENT_TYPES,
    US_STATES,
    CptCode,
    Credential,
    Specialty,
)
from jobboard.models.user import User
from jobboard.pay_transparency import covering_rule
from jobboard.reference_data import normalize_code
from jobboard.services import Conflict, DomainError, NotFound
from jobboard.tagging import (
    CODE_SETS,
    ENCODERS,
    PRODUCTIVITY_PERIODS,
    SETTINGS,
    Tags,
    coding_verdict,
    job_fields,
    suggest_tags,
)

SALARY_UNITS = ("year", "hour")
MAX_CODES = 40


class PostingInvalid(DomainError):
    """One or more fields are wrong; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class PostingFields:
    """What an employer (or an import line) says about a posting, before validation."""

    title: str = ""
    description: str = ""
    city: str = ""
    state: str = ""
    arrangement: str = "onsite"
    employment_type: str = "full_time"
    salary_min: Decimal | None = None
    salary_max: Decimal | None = None
    salary_unit: str = "year"
    specialties: list[str] = field(default_factory=list)
    credentials_required: list[str] = field(default_factory=list)
    credentials_preferred: list[str] = field(default_factory=list)
    cpt_codes: list[str] = field(default_factory=list)
    apply_url: str = ""
    expires_at: datetime | None = None
    external_id: str | None = None
    # Coding job fields; None (or an empty list) means "read it from the text".
    apprentice: bool | None = None
    work_setting: str | None = None
    code_sets: list[str] | None = None
    encoders: list[str] | None = None
    productivity: Decimal | None = None
    productivity_per: str | None = None
    chart_type: str = ""
    accuracy_pct: Decimal | None = None


def split_codes(text: str) -> list[str]:
    """'38900, 38792 99213' -> ['38900', '38792', '99213'] (order kept, no duplicates)."""
    seen = []
    for token in re.split(r"[\s,;]+", text or ""):
        if token and token.upper() not in seen:
            seen.append(token.upper())
    return seen


class Taxonomy:
    """Specialties, credentials and CPT codes by name, each looked up in the database once.

    The form makes one per posting; the importer keeps one per transaction, so a feed costs a
    few queries per batch instead of three per line (objects expire at commit: start a new one).
    """

    def __init__(self) -> None:
        self._found: dict[Any, dict[str, Any]] = {Specialty: {}, Credential: {}, CptCode: {}}

    @classmethod
    def of(cls, posting: Posting) -> "Taxonomy":
        """One that knows ``posting``'s tags already: an edit that keeps them looks nothing up."""
        taxonomy = cls()
        taxonomy._found[Specialty].update((s.slug, s) for s in posting.specialties)
        taxonomy._found[Credential].update((link.credential.abbreviation, link.credential)
                                           for link in posting.credential_links)
        taxonomy._found[CptCode].update((c.code, c) for c in posting.cpt_codes)
        return taxonomy

    def _named(self, model, column, names) -> dict[str, Any]:
        found = self._found[model]
        missing = [name for name in dict.fromkeys(names) if name not in found]
        if missing:
            rows = {getattr(o, column.key): o for o in db.session.scalars(select(model).where(column.in_(missing)))}
            found.update((name, rows.get(name)) for name in missing)
        return {name: found[name] for name in names if found[name] is not None}

    def specialties(self, slugs) -> dict[str, Specialty]:
        return self._named(Specialty, Specialty.slug, slugs)

    def credentials(self, abbreviations) -> dict[str, Credential]:
        return self._named(Credential, Credential.abbreviation, abbreviations)

    def codes(self, codes) -> dict[str, CptCode]:
        return self._named(CptCode, CptCode.code, codes)


def _resolve(fields: PostingFields, taxonomy: Taxonomy):
    """Validate every field; return the ORM objects the tags name, or raise PostingInvalid."""
    errors = {}
    if not fields.title.strip():
        errors["title"] = "Give the posting a title."
    elif len(fields.title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    if not fields.description.strip():
        errors["description"] = "Describe the job."
    elif len(fields.description) > 20000:
        errors["description"] = "Keep the description under 20,000 characters."
    if fields.state and fields.state.upper() not in US_STATES:
        errors["state"] = "Use a two-letter US state code such as TX."
    if fields.arrangement not in ARRANGEMENTS:
        errors["arrangement"] = "Choose remote, hybrid or onsite."
    if fields.employment_type not in EMPLOYMENT_TYPES:
        errors["employment_type"] = "Choose one of: " + ", ".join(EMPLOYMENT_TYPES) + "."
    if fields.salary_unit not in SALARY_UNITS:
        errors["salary_unit"] = "Pay is per hour or per year."
    for key in ("salary_min", "salary_max"):
        value = getattr(fields, key)
        if value is not None and (value < 0 or value > 10_000_000):
            errors[key] = "Enter a pay figure between 0 and 10,000,000."
    if (fields.salary_min is not None and fields.salary_max is not None
            and fields.salary_min > fields.salary_max):
        errors["salary_max"] = "The maximum pay must be at least the minimum."
    errors.update(_job_field_errors(fields))
    if fields.apply_url and not re.match(r"^https?://[^\s/]+\.[^\s]+$", fields.apply_url):
        errors["apply_url"] = "Enter a full address such as https://careers.example.com/apply."

    slugs = list(dict.fromkeys(fields.specialties))
    specialties = list(taxonomy.specialties(slugs).values())
    unknown = sorted(set(slugs) - {s.slug for s in specialties})
    if unknown:
        errors["specialties"] = "Unknown specialty: " + ", ".join(unknown) + "."
    elif len(slugs) > MAX_SPECIALTIES:
        errors["specialties"] = f"Choose at most {MAX_SPECIALTIES} specialties."

    abbreviations = list(dict.fromkeys(fields.credentials_required + fields.credentials_preferred))
    credentials = taxonomy.credentials(abbreviations)
    unknown = [a for a in abbreviations if a not in credentials]
    if unknown:
        key = "credentials_required" if set(unknown) & set(fields.credentials_required) else "credentials_preferred"
        errors[key] = "Unknown credential: " + ", ".join(unknown) + "."

    malformed = [c for c in fields.cpt_codes if normalize_code(c) is None]
    normalized = list(dict.fromkeys(code for code in map(normalize_code, fields.cpt_codes) if code))
    codes = taxonomy.codes(normalized)
    unknown = [c for c in normalized if c not in codes]
    if malformed:
        errors["cpt_codes"] = (f"Not a CPT code: {', '.join(malformed)}. Codes look like "
                               "12345, 1234F, 1234T or 1234U.")
    elif unknown:
        errors["cpt_codes"] = f"Unknown CPT code: {', '.join(unknown)}. It is not in our code reference."
    elif len(normalized) > MAX_CODES:
        errors["cpt_codes"] = f"Tag at most {MAX_CODES} codes."
    if errors:
        raise PostingInvalid(errors)
    ordered_specialties = sorted(specialties, key=lambda s: slugs.index(s.slug))
    return ordered_specialties, credentials, [codes[c] for c in normalized]


def _job_field_errors(fields: PostingFields) -> dict[str, str]:
    errors = {}
    if fields.work_setting is not None and fields.work_setting not in SETTINGS:
        errors["work_setting"] = "Choose one of: " + ", ".join(SETTINGS.values()) + "."
    unknown = [c for c in fields.code_sets or [] if c not in CODE_SETS]
    if unknown:
        errors["code_sets"] = "Choose code sets from: " + ", ".join(CODE_SETS.values()) + "."
    unknown = [c for c in fields.encoders or [] if c not in ENCODERS]
    if unknown:
        errors["encoders"] = "Choose encoders and EHRs from: " + ", ".join(ENCODERS.values()) + "."
    if fields.productivity is not None:
        if not 0 < fields.productivity <= 1000:
            errors["productivity"] = "Give charts per hour or day as a number from 0.1 to 1,000."
        elif fields.productivity_per not in PRODUCTIVITY_PERIODS:
            errors["productivity_per"] = "Say whether the figure is per hour or per day."
    if len(fields.chart_type or "") > 60:
        errors["chart_type"] = "Keep the chart type under 60 characters."
    if fields.accuracy_pct is not None and not 50 <= fields.accuracy_pct <= 100:
        errors["accuracy_pct"] = "Give the accuracy expected as a percentage from 50 to 100."
    return errors


def _with_inferred_fields(fields: PostingFields, text: str, codes, read_fields=None) -> PostingFields:
    """Coding job fields the employer left empty are read from the text (not read when none is)."""
    if not (fields.apprentice is None or fields.work_setting is None or not fields.code_sets
            or not fields.encoders or fields.productivity is None or fields.accuracy_pct is None):
        return fields
    found = (read_fields or job_fields)(text, tuple(codes))
    changes: dict[str, Any] = {}
    if fields.apprentice is None:
        changes["apprentice"] = found.apprentice
    if fields.work_setting is None:
        changes["work_setting"] = found.setting
    if not fields.code_sets:
        changes["code_sets"] = list(found.code_sets)
    if not fields.encoders:
        changes["encoders"] = list(found.encoders)
    if fields.productivity is None and found.productivity is not None:
        changes.update(productivity=Decimal(str(found.productivity)), productivity_per=found.productivity_per,
                       chart_type=fields.chart_type or found.chart_type)
    if fields.accuracy_pct is None and found.accuracy is not None:
        changes["accuracy_pct"] = Decimal(str(found.accuracy))
    return replace(fields, **changes)


def _tagged(fields: PostingFields) -> bool:
    return bool(fields.specialties or fields.credentials_required or fields.credentials_preferred or fields.cpt_codes)


def _with_inferred_tags(fields: PostingFields, tags, taxonomy: Taxonomy) -> PostingFields:
    """A posting given no tags at all gets the tagger's (none for a non-coding job)."""
    return replace(fields, specialties=list(tags.specialties), credentials_required=list(tags.required),
                   credentials_preferred=list(tags.preferred), cpt_codes=known_codes(tags.codes, taxonomy))


@dataclass
class CheckedPosting:
    """A posting's fields once validated, classified and completed by the tagger: what ``_apply``
    copies onto a posting, as plain values (the importer writes them as rows without one)."""

    columns: dict[str, Any]     # column values; expires_at and external_id only when given
    coding_related: bool
    coding_evidence: str
    specialties: list[Specialty]
    codes: list[CptCode]
    credentials: list[tuple[Credential, bool]]   # (credential, required) in the fields' order


def check_posting(fields: PostingFields, tags: Tags | None = None, taxonomy: Taxonomy | None = None,
                  read_fields=None) -> CheckedPosting:
    """Validate the fields, classify the posting, and fill in missing tags and job fields.

    ``tags``: ``suggest_tags`` of the title and description when the caller has them already;
    a tagged posting needs only the tagger's verdict. ``read_fields``: ``job_fields`` or a
    function giving what it would (the importer's readings made in worker processes).
    """
    text = f"{fields.title}\n{fields.description}"
    taxonomy = taxonomy or Taxonomy()
    if _tagged(fields):
        verdict = tags.classification if tags else coding_verdict(text)
    else:
        tags = tags or suggest_tags(text)
        verdict = tags.classification
        fields = _with_inferred_tags(fields, tags, taxonomy)
    fields = _with_inferred_fields(fields, text, [normalize_code(c) for c in fields.cpt_codes if normalize_code(c)],
                                   read_fields)
    specialties, credentials, codes = _resolve(fields, taxonomy)
    assert verdict is not None, "suggest_tags always classifies"
    if not verdict.coding_related and (specialties or credentials or codes):
        # The author's own coding tags are evidence too.
        verdict = classify(fields.title, text, list(credentials), [c.code for c in codes],
                           [s.name for s in specialties])
    measured = fields.productivity is not None
    columns: dict[str, Any] = dict(
        title=fields.title.strip(), description=fields.description.strip(), city=fields.city.strip(),
        state=fields.state.strip().upper(), arrangement=fields.arrangement, employment_type=fields.employment_type,
        salary_min=fields.salary_min, salary_max=fields.salary_max, salary_unit=fields.salary_unit,
        apply_url=fields.apply_url.strip(), apprentice=bool(fields.apprentice), work_setting=fields.work_setting,
        code_sets=" ".join(c for c in CODE_SETS if c in (fields.code_sets or [])),
        encoders=" ".join(dict.fromkeys(fields.encoders or [])),
        productivity=fields.productivity, productivity_per=fields.productivity_per if measured else None,
        chart_type=(fields.chart_type or "").strip() if measured else "", accuracy_pct=fields.accuracy_pct)
    if fields.expires_at is not None:
        columns["expires_at"] = fields.expires_at
    if fields.external_id is not None:
        columns["external_id"] = fields.external_id or None
    required = set(fields.credentials_required)
    return CheckedPosting(
        columns, verdict.coding_related, verdict.summary(), specialties, codes,
        [(credentials[a], a in required)
         for a in dict.fromkeys(fields.credentials_required + fields.credentials_preferred)])


def _apply(posting: Posting, fields: PostingFields, taxonomy: Taxonomy | None = None) -> Posting:
    """Check the fields (``check_posting``) and copy them onto the posting."""
    checked = check_posting(fields, taxonomy=taxonomy)
    posting.classify(checked.coding_related, checked.coding_evidence)
    for name, value in checked.columns.items():
        setattr(posting, name, value)
    posting.specialties = checked.specialties
    posting.cpt_codes = checked.codes
    posting.credential_links = _credential_links(posting, checked.credentials)
    return posting


def _credential_links(posting: Posting, credentials: list[tuple[Credential, bool]]) -> list[PostingCredential]:
    """The posting's credential rows as listed; a link it has already is kept (and left
    unwritten when its required flag stays)."""
    kept = {link.credential_id: link for link in posting.credential_links}
    links = []
    for credential, required in credentials:
        link = kept.get(credential.id)
        if link is None:
            link = PostingCredential(credential=credential)
        link.required = required
        links.append(link)
    return links


def require_pay_range(posting: Posting, now: datetime | None = None) -> None:
    """The one pay transparency check, before a posting is (or stays) public: a posting a pay
    transparency law covers (see ``jobboard.pay_transparency``) needs both ends of a pay range.

    :raise PostingInvalid: on ``salary_min``, naming the law.
    """
    rule = covering_rule(posting.state, posting.city, posting.arrangement, (now or utcnow()).date())
    if rule is not None and not posting.pay_posted:
        raise PostingInvalid({"salary_min": rule.message()})


def create_posting(company: Company, author: User | None, fields: PostingFields,
                   publish: bool = False) -> Posting:
    posting = _apply(Posting(company=company, created_by=author), fields)
    if publish:
        try:
            require_pay_range(posting)
        except PostingInvalid:
            db.session.rollback()
            raise
        posting.publish()
    db.session.add(posting)
    db.session.commit()
    return posting


def _lock_for_edit(posting: Posting) -> None:
    """Take the posting's row (PostgreSQL) or the database's write lock (SQLite) before its tags
    are read, and read them again under it: two edits of one posting at the same moment then
    follow each other, and neither removes tag links the other has already replaced."""
    db.session.execute(update(Posting).where(Posting.id == posting.id).values(updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.expire(posting, ["specialties", "cpt_codes", "credential_links"])


def update_posting(posting: Posting, fields: PostingFields) -> Posting:
    try:
        _lock_for_edit(posting)
        _apply(posting, fields, taxonomy=Taxonomy.of(posting))
        if posting.status == Posting.PUBLISHED:
            require_pay_range(posting)
    except PostingInvalid:
        db.session.rollback()
        raise
    db.session.commit()
    return posting


TRANSITIONS = {"publish": Posting.publish, "close": Posting.close, "renew": Posting.renew}


def change_status(posting: Posting, action: str) -> Posting:
    """Run one life-cycle transition (publish, close, renew) and commit it."""
    if action not in TRANSITIONS:
        raise DomainError(f"Unknown action {action!r}.")
    if action in ("publish", "renew"):
        require_pay_range(posting)
    try:
        TRANSITIONS[action](posting)
    except IllegalTransition as error:
        raise Conflict(str(error)) from error
    db.session.commit()
    return posting


def company_posting(company: Company | None, posting_id: int) -> Posting:
    """A posting of ``company``; anyone else's or a missing one is NotFound (never 403)."""
    posting = db.session.get(Posting, posting_id)
    if posting is None or company is None or posting.company_id != company.id:
        raise NotFound("No such posting.")
    return posting


def visible_posting(posting_id: int) -> Posting:
    posting = db.session.scalar(Posting.visible().where(Posting.id == posting_id))
    if posting is None:
        raise NotFound("This posting does not exist or is no longer open.")
    return posting


def expire_due(now: datetime | None = None) -> int:
    """Move published postings past their expiry to expired; returns how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Posting).where(Posting.status == Posting.PUBLISHED, Posting.expires_at <= now)
    ).all()
    for posting in due:
        posting.expire(now)
    db.session.commit()
    return len(due)


def known_codes(codes, taxonomy: Taxonomy | None = None) -> list[str]:
    """The codes our code reference holds, in the given order."""
    codes = list(codes)
    known = (taxonomy or Taxonomy()).codes(codes)
    return [c for c in codes if c in known]


def suggested_tags(text: str) -> dict:
    """The tagger's suggestions for a title and description, limited to tags the database knows,
    with the coding-job verdict and its evidence."""
    tags = suggest_tags(text)
    assert tags.classification is not None, "suggest_tags always classifies"
    return {
        "specialties": list(tags.specialties),
        "credentials_required": list(tags.required),
        "credentials_preferred": list(tags.preferred),
        "cpt_codes": known_codes(tags.codes),
        "coding_related": tags.classification.coding_related,
        "evidence": list(tags.classification.evidence),
        "job_fields": _job_fields_json(job_fields(text, tags.codes)),
    }


def _job_fields_json(found) -> dict:
    return {"apprentice": found.apprentice, "work_setting": found.setting, "code_sets": list(found.code_sets),
            "encoders": list(found.encoders),
            "productivity": Decimal(str(found.productivity)) if found.productivity is not None else None,
            "productivity_per": found.productivity_per, "chart_type": found.chart_type,
            "accuracy_pct": Decimal(str(found.accuracy)) if found.accuracy is not None else None}


MAX_PAY = Decimal(10_000_000)


def parse_decimal(value) -> Decimal | None:
    """A pay figure ("$52,000", "24.50") as a Decimal rounded to cents.

    :raise ValueError: not a number, not finite (NaN, sNaN, Infinity) or beyond 10,000,000 either
        way (so "1e-999999" and "1e999999" are refused instead of failing later).
    """
    if value in (None, ""):
        return None
    text = str(value).replace(",", "").replace("$", "").strip()
    if not text.isascii():  # Decimal() also reads other scripts' digits ("٥٥٠٠٠")
        raise ValueError(f"use the digits 0-9: {text[:40]!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text[:40]!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a number: {text[:40]!r}")
    if number != 0 and not (Decimal("0.01") <= abs(number) <= MAX_PAY):
        raise ValueError("enter a pay figure between 0 and 10,000,000")
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

