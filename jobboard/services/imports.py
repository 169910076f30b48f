"""Postings from JSON Lines feeds (`jobs import`, `demo load`).

Each line is read, checked and tagged on its own, so a bad line is reported with its number and
reason and never stops the others. Rows are written a batch at a time: one transaction, bulk
inserts for postings and their tags, and one hand-over of the batch to the search index (the
outbox rows of ``reindex_postings``), instead of a commit and an index segment per posting.

Every imported posting keeps a hash of its source line: a line whose hash a posting already holds
is counted as unchanged without even being parsed (the hashes of a batch of lines are looked up
in one query), which makes re-importing a nightly feed cheap. Validation and tagging are the
posting form's own (``check_posting``, ``suggest_tags``); each line is tagged at most once (in a
worker process for a large feed), and a line that brings its own tags only gets the tagger's verdict.
A line's rows are written from the checked values (no model objects are built for them), while its
status still moves by the model's own transitions.
Tags are looked up by name once per transaction (``Taxonomy``): the names a batch's lines give are
fetched together before the lines are checked, so a batch costs a few queries whatever its codes.
"""
import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import DDL, Table, bindparam, delete, func, insert, inspect, select, text, tuple_, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import Posting, PostingCredential, posting_cpt_code, posting_specialty
from jobboard.reference_data import normalize_code
from jobboard.search.sync import following_later, reindex_postings
from jobboard.services.accounts import slugify, unique_company_slug
from jobboard.services.import_readings import TAG_FIELDS, Readers, Reading, missing_tags, needs_tagger
from jobboard.services.postings import (
    CheckedPosting,
    PostingFields,
    PostingInvalid,
    Taxonomy,
    check_posting,
    known_codes,
    parse_decimal,
    require_pay_range,
)
from jobboard.tagging import Tags, suggest_tags
from jobboard.text_input import http_url_problem, text_problem

BATCH_SIZE = 500   # lines per transaction and per index hand-over
MAX_FUTURE_POSTING = timedelta(days=1)
MAX_LIST_ITEMS = 100
LOOK_UP_CHUNK = 500   # tag names per query (SQLite caps a statement's parameters)
ANALYZE_MIN_ROWS = 1_000   # PostgreSQL: changed posting rows before a feed refreshes the statistics

IMPORT_FIELDS = {
    "title", "company", "description", "city", "state", "arrangement", "employment_type",
    "salary_min", "salary_max", "salary_unit", "specialties", "credentials_required",
    "credentials_preferred", "cpt_codes", "apply_url", "posted_at", "expires_at", "external_id",
    "apprentice", "work_setting", "code_sets", "encoders", "productivity", "productivity_per", "chart_type",
    "accuracy_pct",
}
# Columns an import never writes on an existing posting (its history and moderation).
KEPT_ON_UPDATE = {"id", "company_id", "created_by_id", "created_at", "suspended_at", "coding_reviewed_at"}



class LineRefused(ValueError):
    """One feed line cannot be imported; the message is the reason shown beside its number."""


@dataclass
class ImportReport:
    """What a feed did; ``line()`` is the summary the commands print."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    not_coding: int = 0  # created or updated postings that do not read as coding jobs (admin queue)
    failed: list[tuple[int, str]] = field(default_factory=list)
    close_skipped: str = ""
    elapsed: float = 0.0

    @property
    def lines(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.failed)

    def line(self) -> str:
        counts = [f"{self.created} created", f"{self.updated} updated", f"{self.unchanged} unchanged",
                  f"{len(self.failed)} failed"]
        if self.closed:
            counts.append(f"{self.closed} closed")
        counts.append(f"{self.not_coding} not coding jobs (listed for admins)")
        rate = self.lines / self.elapsed if self.elapsed else 0
        return f"Imported postings: {', '.join(counts)} in {self.elapsed:.1f} s ({rate:,.0f} lines/s)."


# --------------------------------------------------------------------------- one line


def _text(record: dict, name: str, *, single_line: bool = True, required: bool = False,
          max_length: int | None = None) -> str:
    """A text field: a string without control characters (and on one line unless multi-line)."""
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise LineRefused(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise LineRefused(f"{name} must be a string")
    problem = text_problem(value, multiline=not single_line)
    if problem:
        raise LineRefused(f"{name}: {problem}")
    if required and not value.strip():
        raise LineRefused(f"{name} is required")
    if max_length is not None and len(value.strip()) > max_length:
        raise LineRefused(f"{name} is longer than {max_length} characters")
    return value


def _web_address(record: dict, name: str) -> str:
    """An http or https address (other schemes, such as javascript:, are refused)."""
    value = _text(record, name, max_length=500).strip()
    if value and http_url_problem(value):
        raise LineRefused(f"{name} must be an http or https address")
    return value


def _external_id(record: dict) -> str | None:
    value = record.get("external_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    value = _text({"external_id": value}, "external_id", max_length=120).strip()
    return value or None


def _string_list(record: dict, name: str) -> list[str]:
    value = record.get(name) or []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;\s]+", _text(record, name)) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LineRefused(f"{name} must be a list of strings")
    if len(value) > MAX_LIST_ITEMS:
        raise LineRefused(f"{name} has more than {MAX_LIST_ITEMS} entries")
    for item in value:
        _text({name: item}, name, max_length=60)
    return value


def _job_field_values(record: dict) -> dict[str, Any]:
    """The optional coding job fields of a line; absent ones are read from the text by ``check_posting``."""
    apprentice = record.get("apprentice")
    if apprentice is not None and not isinstance(apprentice, bool):
        raise LineRefused("apprentice must be true or false")
    return dict(apprentice=apprentice, work_setting=_text(record, "work_setting") or None,
                code_sets=_string_list(record, "code_sets") or None, encoders=_string_list(record, "encoders") or None,
                productivity=_pay(record, "productivity"), productivity_per=_text(record, "productivity_per") or None,
                chart_type=_text(record, "chart_type", max_length=60), accuracy_pct=_pay(record, "accuracy_pct"))


def _pay(record: dict, name: str) -> Decimal | None:
    """A pay figure read by the posting form's own rule (``parse_decimal``)."""
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float | str | type(None)):
        raise LineRefused(f"{name} must be a number")
    try:
        return parse_decimal(value)
    except (ValueError, ArithmeticError) as error:
        raise LineRefused(f"{name}: {error}") from None


def _time(record: dict, name: str) -> datetime | None:
    value = _text(record, name, max_length=40)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise LineRefused(f"{name} is not an ISO 8601 date: {value!r}") from None


def _fields(record: dict, taxonomy: Taxonomy,
            reading: Reading | None = None) -> tuple[PostingFields, datetime | None, Tags | None]:
    """The posting a line describes, with missing tags inferred from its text, and the tags the
    tagger read there if it ran (``check_posting`` classifies the posting with them: a line is tagged once).
    ``reading``: the tagger's reading made in a worker process, if any."""
    unknown = sorted(set(record) - IMPORT_FIELDS)
    if unknown:
        raise LineRefused("unknown field: " + ", ".join(unknown)[:200])
    title = _text(record, "title", required=True)
    description = _text(record, "description", single_line=False, required=True)
    tags: dict[str, Any] = {name: _string_list(record, name) for name in TAG_FIELDS}
    posted_at = _time(record, "posted_at")
    if posted_at is not None and posted_at > utcnow() + MAX_FUTURE_POSTING:
        raise LineRefused("posted_at is in the future")
    fields = PostingFields(
        title=title, description=description,
        city=_text(record, "city", max_length=100), state=_text(record, "state").upper(),
        arrangement=_text(record, "arrangement") or "onsite",
        employment_type=_text(record, "employment_type") or "full_time",
        salary_min=_pay(record, "salary_min"), salary_max=_pay(record, "salary_max"),
        salary_unit=_text(record, "salary_unit") or "year",
        apply_url=_web_address(record, "apply_url"),
        expires_at=_time(record, "expires_at"), external_id=_external_id(record), **tags,
        **_job_field_values(record),
    )
    # A tag field the line leaves out (or sends as null or "") is inferred (the two credential
    # fields together); a list, even empty, is the feed's answer. A line that gives its own tags
    # only needs the tagger's verdict (in ``check_posting``).
    if not needs_tagger(record):
        return fields, posted_at, reading.tags if reading else None
    suggested = reading.tags if reading else suggest_tags(f"{title}\n{description}")
    missing = missing_tags(record)
    inferred: dict[str, Any] = {}
    if "specialties" in missing:
        inferred["specialties"] = list(suggested.specialties)
    if "cpt_codes" in missing:
        inferred["cpt_codes"] = known_codes(suggested.codes, taxonomy)
    if {"credentials_required", "credentials_preferred"} <= missing:
        inferred.update(credentials_required=list(suggested.required),
                        credentials_preferred=list(suggested.preferred))
    return replace(fields, **inferred), posted_at, suggested


@dataclass
class _Line:
    number: int
    source_hash: str
    record: dict
    company: str
    external_id: str | None
    company_id: int | None = None
    checked: "_Checked | None" = None     # what the line's posting is written with, once checked
    reading: Reading | None = None       # the tagger's, when a worker process read the line
    existing_id: int | None = None

    @property
    def built(self) -> "_Checked":
        """What checking this line gave: every line that is stored has it."""
        assert self.checked is not None, f"line {self.number} stored before it was checked"
        return self.checked

    @property
    def key(self):
        return self.company.lower(), self.external_id or self.source_hash


def _decode(raw: bytes | str) -> str:
    """A line as text without surrounding white space (and byte order mark)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise LineRefused(f"not valid UTF-8 (byte {error.start + 1})") from None
    return raw.strip().lstrip("\ufeff")


def _hash(text: str) -> str:
    """The source hash of a decoded line: a posting holding it was imported from this very line."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _parse(number: int, text: str, source_hash: str) -> _Line:
    """Parse one decoded line far enough to know which posting it is about."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise LineRefused(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise LineRefused("not valid JSON (nested too deeply)") from None
    except ValueError as error:  # e.g. an integer longer than Python converts
        raise LineRefused(f"not valid JSON ({error})") from None
    if not isinstance(record, dict):
        raise LineRefused("the line is not a JSON object")
    company = _text(record, "company", required=True, max_length=160).strip()
    return _Line(number, source_hash, record, company, _external_id(record))


class _Checked(NamedTuple):
    """A checked line: its posting's column values, and its tags (``check_posting``)."""

    row: dict
    posting: CheckedPosting


class _Existing(NamedTuple):
    """The posting a line updates, as checking the line needs it."""

    posting_id: int
    source_hash: str | None
    status: str
    expires_at: datetime | None
    coding_reviewed_at: datetime | None
    company_id: int
    external_id: str | None


@dataclass(frozen=True)
class _Held:
    """A posting that holds a line's hash: it was imported from that very line."""

    posting_id: int
    company_id: int
    external_id: str | None


# --------------------------------------------------------------------------- a batch


class _Importer:
    """Holds what a feed's batches share: the report, the time, known companies."""

    def __init__(self, report: ImportReport, close_missing: bool, batch_size: int):
        self.report = report
        self.batch_size = batch_size
        self.ready: list[_Line] = []            # checked lines waiting to be stored
        self.now = utcnow()
        self.companies: dict[str, int] = {}     # lower-case name -> id, committed companies only
        self.close_missing = close_missing
        self.seen: set[int] = set()              # postings still in the feed (for --close-missing)
        self.feed_companies: set[int] = set()
        self.taxonomy = Taxonomy()              # tags by name, for the current transaction

    def _company_id(self, name: str) -> int | None:
        key = name.lower()
        if key not in self.companies:
            found = db.session.scalar(select(Company.id).where(
                (func.lower(Company.name) == key) | (Company.slug == slugify(name))).limit(1))
            if found is None:
                return None
            self.companies[key] = found
        return self.companies[key]

    def held(self, hashes: list[str]) -> dict[str, _Held]:
        """The postings holding any of ``hashes``, by hash (one query per batch of lines)."""
        found = {}
        if hashes:
            for row in db.session.execute(select(Posting.id, Posting.company_id, Posting.external_id,
                                                 Posting.source_hash).where(Posting.source_hash.in_(hashes))):
                found[row.source_hash] = _Held(row.id, row.company_id, row.external_id)
        return found

    def unchanged(self, held: _Held) -> None:
        self.report.unchanged += 1
        self._saw([held.company_id], [held.posting_id])

    def _existing(self, lines: list[_Line]) -> dict[tuple, "_Existing"]:
        """The postings the lines are about, by (company id, external id or line hash)."""
        keyed = [(line.company_id, line.external_id) for line in lines
                 if line.company_id is not None and line.external_id]
        hashed = [line.source_hash for line in lines if line.company_id is not None and not line.external_id]
        columns = (Posting.id.label("posting_id"), Posting.source_hash, Posting.status, Posting.expires_at,
                   Posting.coding_reviewed_at, Posting.company_id, Posting.external_id)
        found = {}
        if keyed:
            for row in db.session.execute(select(*columns).where(
                    tuple_(Posting.company_id, Posting.external_id).in_(keyed))):
                found[(row.company_id, row.external_id)] = _Existing(**row._mapping)
        if hashed:
            for row in db.session.execute(select(*columns).where(
                    Posting.external_id.is_(None), Posting.source_hash.in_(hashed))):
                found[(row.company_id, row.source_hash)] = _Existing(**row._mapping)
        return found

    def check(self, lines: list[_Line], readings: list[Reading | None]) -> None:
        """Skip unchanged lines; check and tag the others and queue the good ones for storing."""
        for line, reading in zip(lines, readings, strict=True):
            line.company_id = self._company_id(line.company)
            line.reading = reading
        existing = self._existing(lines)
        changed = []
        for line in lines:
            match = existing.get((line.company_id, line.external_id or line.source_hash))
            if match is not None:
                line.existing_id = match.posting_id
            self._saw([line.company_id], [line.existing_id])
            if match is not None and match.source_hash == line.source_hash:
                self.report.unchanged += 1
            else:
                changed.append((line, match))
        try:
            self._look_up_tags([line.record for line, _ in changed])
        except SQLAlchemyError:
            db.session.rollback()
            self.taxonomy = Taxonomy()   # each line looks its own tags up and reports what fails
        for line, match in changed:
            try:
                line.checked = self._checked(line, match)
            except LineRefused as error:
                self.report.failed.append((line.number, str(error)))
            except PostingInvalid as error:
                self.report.failed.append((line.number, "; ".join(f"{k}: {v}" for k, v in error.errors.items())))
            except SQLAlchemyError as error:
                db.session.rollback()
                self.taxonomy = Taxonomy()
                self.report.failed.append((line.number, f"could not be checked: {_reason(error)}"))
            else:
                self.ready.append(line)
        if len(self.ready) >= self.batch_size:
            self.store_ready()

    def _look_up_tags(self, records: list[dict]) -> None:
        """Fetch the tags the lines name a few queries per batch (``Taxonomy`` keeps them), not per line."""
        names: dict[str, list[str]] = {name: [] for name in TAG_FIELDS}
        for record in records:
            for name in TAG_FIELDS:
                value = record.get(name)
                if isinstance(value, list):
                    names[name] += [v for v in value if isinstance(v, str)]
        codes = [code for code in map(normalize_code, names["cpt_codes"]) if code]
        credentials = names["credentials_required"] + names["credentials_preferred"]
        for look_up, wanted in ((self.taxonomy.specialties, names["specialties"]),
                                (self.taxonomy.credentials, credentials), (self.taxonomy.codes, codes)):
            wanted = list(dict.fromkeys(wanted))
            for start in range(0, len(wanted), LOOK_UP_CHUNK):
                look_up(wanted[start:start + LOOK_UP_CHUNK])

    def store_ready(self) -> None:
        """Store the queued lines in one transaction (line by line if the database refuses one)."""
        ready, self.ready = self.ready, []
        if not ready:
            return
        try:
            self._store(ready)
        except SQLAlchemyError:
            db.session.rollback()
            for line in ready:
                try:
                    self._store([line])
                except SQLAlchemyError as error:
                    db.session.rollback()
                    self.report.failed.append((line.number, f"the database refused it: {_reason(error)}"))
        finally:
            self.taxonomy = Taxonomy()   # the commit or rollback expired what it held

    def _checked(self, line: _Line, match: _Existing | None) -> _Checked:
        """The line's checked fields and tags, and the column values its posting is written with."""
        fields, posted_at, tags = _fields(line.record, self.taxonomy, line.reading)
        checked = check_posting(fields, tags, self.taxonomy, line.reading.job_fields if line.reading else None)
        columns = checked.columns
        # A transient posting holding what the life cycle and the pay law read: its status moves
        # by the model's own transitions, and the admin's approval of an update stands.
        life = Posting(status=Posting.DRAFT if match is None else match.status,
                       expires_at=columns.get("expires_at", match and match.expires_at),
                       coding_reviewed_at=match and match.coding_reviewed_at, source_hash=line.source_hash,
                       **{name: columns[name] for name in ("state", "city", "arrangement", "salary_min", "salary_max")})
        life.classify(checked.coding_related, checked.coding_evidence)
        if match is None:
            require_pay_range(life, self.now)
            life.publish(now=posted_at or self.now)
        else:
            if life.status == Posting.PUBLISHED:
                require_pay_range(life, self.now)
            if posted_at:
                life.published_at = posted_at
        if life.status == Posting.PUBLISHED and life.expires_at is not None and life.expires_at <= self.now:
            life.expire(self.now)
        return _Checked({**columns, **_set_columns(life)}, checked)

    def _store(self, lines: list[_Line]) -> None:
        """Write the lines' postings and tags in one transaction and queue them for the index.

        Nothing is remembered on the lines or the importer before the commit, so a batch the
        database refused can be stored again line by line.
        """
        created_companies: dict[str, int] = {}
        company_ids = []
        for line in lines:
            company_id = line.company_id
            if company_id is None:
                key = line.company.lower()
                if key not in created_companies:
                    company = Company(name=line.company, slug=unique_company_slug(line.company))
                    db.session.add(company)
                    db.session.flush()
                    created_companies[key] = company.id
                company_id = created_companies[key]
            company_ids.append(company_id)
        table = cast(Table, Posting.__table__)  # typed FromClause; a mapped class's is a Table
        stamp = utcnow()
        new = [i for i, line in enumerate(lines) if line.existing_id is None]
        posting_ids = [line.existing_id for line in lines]
        if new:
            rows = [{**_insert_row(lines[i].built.row, stamp), "company_id": company_ids[i]} for i in new]
            for i, new_id in zip(new, _insert_postings(table, rows), strict=True):
                posting_ids[i] = new_id
        changed = [line for line in lines if line.existing_id is not None]
        if changed:
            old = [line.existing_id for line in changed]
            for link in (posting_specialty, posting_cpt_code, cast(Table, PostingCredential.__table__)):
                db.session.execute(delete(link).where(link.c.posting_id.in_(old)))
            # One executemany per set of columns the lines set (most lines set the same ones).
            updates: dict[tuple[str, ...], list[dict]] = defaultdict(list)
            for line in changed:
                values = {k: v for k, v in line.built.row.items() if k not in KEPT_ON_UPDATE}
                values.update(updated_at=stamp, existing_id=line.existing_id)
                updates[tuple(sorted(values))].append(values)
            for rows in updates.values():
                db.session.execute(update(table).where(table.c.id == bindparam("existing_id")), rows)
        _insert_tags(zip(posting_ids, (line.built.posting for line in lines), strict=True))
        not_coding = sum(not line.built.row["coding_related"] for line in lines)
        reindex_postings(posting_ids)
        db.session.commit()
        for key, company_id in created_companies.items():
            self.companies[key] = company_id
        for line, company_id, posting_id in zip(lines, company_ids, posting_ids, strict=True):
            line.company_id, line.existing_id = company_id, posting_id
            line.checked = line.reading = None
        self._saw(company_ids, posting_ids)
        self.report.created += len(new)
        self.report.updated += len(changed)
        self.report.not_coding += not_coding

    def _saw(self, company_ids, posting_ids) -> None:
        """Remember which postings the feed still names (only ``--close-missing`` needs it)."""
        if self.close_missing:
            self.feed_companies.update(i for i in company_ids if i is not None)
            self.seen.update(i for i in posting_ids if i is not None)

    def close_absent(self) -> None:
        """Close the published feed postings of the feed's companies that the feed no longer has."""
        if not self.feed_companies:
            return
        absent = db.session.scalars(select(Posting.id).where(
            Posting.company_id.in_(self.feed_companies), Posting.source_hash.is_not(None),
            Posting.status == Posting.PUBLISHED)).all()
        absent = [posting_id for posting_id in absent if posting_id not in self.seen]
        for start in range(0, len(absent), BATCH_SIZE):
            chunk = absent[start:start + BATCH_SIZE]
            for posting in db.session.scalars(select(Posting).where(Posting.id.in_(chunk))):
                posting.close(self.now)
            db.session.commit()
        self.report.closed = len(absent)


def _reason(error: SQLAlchemyError) -> str:
    return (str(getattr(error, "orig", None) or error).splitlines() or ["unknown error"])[0][:200]


def _set_columns(posting: Posting) -> dict:
    """The column values set on a transient posting (by its constructor and transitions)."""
    state = inspect(posting)
    return {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs if attr.key in state.dict}


_COLUMNS = [attr.key for attr in inspect(Posting).column_attrs if attr.key != "id"]


def _insert_row(values: dict, stamp: datetime) -> dict:
    """Every column of a new posting (a bulk insert needs the same keys on every row)."""
    row = {key: values.get(key) for key in _COLUMNS}
    row["created_at"] = row["updated_at"] = stamp
    return row


def _insert_tags(postings) -> None:
    """Bulk-insert the specialty, code and credential links of (posting id, checked posting)."""
    specialties, codes, credentials = [], [], []
    for posting_id, checked in postings:
        specialties += [{"posting_id": posting_id, "specialty_id": s.id} for s in checked.specialties]
        codes += [{"posting_id": posting_id, "cpt_code_id": c.id} for c in checked.codes]
        credentials += [{"posting_id": posting_id, "credential_id": credential.id, "required": required}
                        for credential, required in checked.credentials]
    for table, rows in ((posting_specialty, specialties), (posting_cpt_code, codes),
                        (cast(Table, PostingCredential.__table__), credentials)):
        _bulk_insert(table, rows)


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _fresh_statistics() -> None:
    """Refresh PostgreSQL's statistics of the posting tables once half their rows are new.

    A feed's look-ups (line hashes, external ids) are planned from those statistics, which
    autovacuum refreshes only now and then (or never, when it is off): a plan made while the
    table was small reads every row once it is large (a 100,000-line feed spent most of its time
    so). Refreshing at each doubling costs a few short ANALYZEs per feed.
    """
    if not _on_postgresql():
        return
    # On a connection of its own: the feed's transaction, and the tags it holds, stay as they are.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(text("SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
                                      "WHERE relid = CAST(:name AS regclass)"),
                                 {"name": Posting.__tablename__}).one_or_none()
        if row is not None and row.n_mod_since_analyze >= max(ANALYZE_MIN_ROWS, row.n_live_tup // 2):
            for name in (Posting.__tablename__, posting_specialty.name, posting_cpt_code.name,
                         PostingCredential.__tablename__):
                connection.execute(DDL(f"ANALYZE {name}"))


def _insert_postings(table: Table, rows: list[dict]) -> list[int]:
    """Insert new postings' rows; their ids in the rows' order. PostgreSQL draws the ids from
    the table's sequence first and copies the rows in; elsewhere one INSERT ... RETURNING."""
    if not _on_postgresql():
        return list(db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    ids = list(db.session.scalars(select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
                                  .select_from(func.generate_series(1, len(rows)))))
    _bulk_insert(table, [{"id": posting_id, **row} for posting_id, row in zip(ids, rows, strict=True)])
    return ids


def _bulk_insert(table: Table, rows: list[dict]) -> None:
    """Insert rows that all have the same keys: PostgreSQL's COPY (one stream of values and no
    statement holding thousands of parameters to parse), elsewhere one executemany."""
    if not rows:
        return
    if not _on_postgresql():
        db.session.execute(insert(table), rows)
        return
    dialect = db.session.get_bind().dialect
    columns = list(rows[0])
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) FROM STDIN"
    driver = db.session.connection().connection.driver_connection
    assert driver is not None, "a session connection is open"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
    except dialect.loaded_dbapi.Error as error:  # raised as SQLAlchemy would (refused rows are reported)
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error


# --------------------------------------------------------------------------- the feed


def import_postings(lines: Iterable[bytes | str], progress=None, close_missing: bool = False,
                    batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import a JSON Lines feed, streaming it a batch at a time.

    Lines are looked up and checked ``batch_size`` at a time (a large batch's texts are read by
    worker processes while the batch before it is checked and written: ``import_readings``);
    the changed ones are stored (and handed to the index) ``batch_size`` at a time, so a
    re-import that changes a few lines writes a few batches. ``progress(n)`` is called after each batch read. With
    ``close_missing`` the published feed postings of the feed's companies that no line names
    any more are closed, unless a line failed before it could say which posting it was about.
    """
    started = time.perf_counter()
    report = ImportReport()
    importer = _Importer(report, close_missing, batch_size)
    pending: list[tuple[int, str, str]] = []   # (number, text, hash) of lines read, not looked up
    batch: list[_Line] = []
    keys: set = set()       # postings named by the lines read and not yet stored
    unknown_lines = read = 0
    readers = Readers()
    in_flight: list = []    # [lines, job]: a batch the readers have, not checked yet

    def check_batch():
        """Hand the batch's texts to the readers, then check the batch handed over before it."""
        lines = list(batch)
        batch.clear()
        job = readers.submit([line.record for line in lines]) if lines else None
        check_in_flight()
        if lines:
            in_flight[:] = [lines, job]
        keys.clear()
        keys.update(line.key for line in (*importer.ready, *lines))

    def check_in_flight():
        if in_flight:
            lines, job = in_flight
            in_flight.clear()
            importer.check(lines, readers.readings(job, len(lines)))

    def add(line: _Line):
        if line.key in keys:  # the same posting twice: store the earlier line, then read on
            check_batch()
            check_in_flight()
            importer.store_ready()
            keys.clear()
        batch.append(line)
        keys.add(line.key)
        if len(batch) >= batch_size:
            check_batch()

    def look_up_pending():
        """Count the lines a posting already holds unchanged, without parsing them; parse and
        queue the others. A held line is parsed after all when a line still waiting to be stored
        names the same external id: the earlier line must not win over it."""
        nonlocal read
        _fresh_statistics()
        held = importer.held([source_hash for _, _, source_hash in pending])
        parsed: dict[int, _Line | None] = {}
        for number, text, source_hash in pending:
            if source_hash not in held:
                parsed[number] = parse_or_report(number, text, source_hash)
        unstored = (*parsed.values(), *batch, *(in_flight[0] if in_flight else ()), *importer.ready)
        waiting = {line.external_id for line in unstored if line is not None and line.external_id}
        for number, text, source_hash in pending:
            found = held.get(source_hash)
            if found is not None and found.external_id not in waiting:
                importer.unchanged(found)
                continue
            line = parsed[number] if number in parsed else parse_or_report(number, text, source_hash)
            if line is not None:
                add(line)
        pending.clear()
        if progress and read:
            progress(read)
        read = 0

    def parse_or_report(number, text, source_hash):
        nonlocal unknown_lines
        try:
            return _parse(number, text, source_hash)
        except LineRefused as error:
            report.failed.append((number, str(error)))
            unknown_lines += 1
            return None

    with following_later(db.session), closing(readers):
        for number, raw in enumerate(lines, start=1):
            read += 1
            try:
                text = _decode(raw)
            except LineRefused as error:
                report.failed.append((number, str(error)))
                unknown_lines += 1
                continue
            if text:
                pending.append((number, text, _hash(text)))
            if len(pending) >= batch_size:
                look_up_pending()
        look_up_pending()
        check_batch()
        check_in_flight()
        importer.store_ready()
        if close_missing:
            if unknown_lines:
                report.close_skipped = (f"Nothing closed: {unknown_lines} lines could not be read "
                                        "far enough to know which posting they name.")
            else:
                importer.close_absent()
    report.failed.sort()
    report.elapsed = time.perf_counter() - started
    return report
