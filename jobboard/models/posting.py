"""Job postings: a status with transition methods and the one ``visible()`` rule."""
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import (
    BindParameter,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    false,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import (
    Mapped,
    joinedload,
    load_only,
    mapped_column,
    relationship,
    selectinload,
    validates,
)
from sqlalchemy.orm.attributes import set_committed_value

from jobboard.extensions import Model, db
from jobboard.models.base import TimestampMixin, utcnow
from jobboard.models.company import Company
from jobboard.models.taxonomy import CptCode, Credential, Specialty
from jobboard.models.user import User

DEFAULT_LIFETIME = timedelta(days=30)
HOURS_PER_YEAR = 2080
MAX_SPECIALTIES = 5

posting_specialty = Table(
    "posting_specialty",
    db.metadata,
    Column("posting_id", ForeignKey("posting.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_id", ForeignKey("specialty.id", ondelete="CASCADE"), primary_key=True),
    # Also lists a specialty's postings without reading the table (pay benchmarks read them all).
    Index("ix_posting_specialty_specialty_id_posting_id", "specialty_id", "posting_id"),
)
posting_cpt_code = Table(
    "posting_cpt_code",
    db.metadata,
    Column("posting_id", ForeignKey("posting.id", ondelete="CASCADE"), primary_key=True),
    Column("cpt_code_id", ForeignKey("cpt_code.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class PostingCredential(Model):
    """A credential a posting requires or prefers."""

    __tablename__ = "posting_credential"
    __table_args__ = (
        # Also lists the postings requiring a credential without reading the table (pay benchmarks).
        Index("ix_posting_credential_credential_id_required", "credential_id", "required", "posting_id"),
    )

    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"),
                                            primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"),
                                               primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    credential: Mapped[Credential] = relationship(lazy="joined")


class IllegalTransition(Exception):
    """A status change the posting's life cycle does not allow."""


class Posting(TimestampMixin, Model):
    __tablename__ = "posting"
    __table_args__ = (
        UniqueConstraint("company_id", "external_id"),
        CheckConstraint("status IN ('draft', 'published', 'closed', 'expired')", name="status"),
        CheckConstraint("arrangement IN ('remote', 'hybrid', 'onsite')", name="arrangement"),
        CheckConstraint(
            "employment_type IN ('full_time', 'part_time', 'contract', 'temporary', 'per_diem')",
            name="employment_type",
        ),
        CheckConstraint("salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
                        name="salary_range"),
        CheckConstraint("work_setting IS NULL OR work_setting IN "
                        "('inpatient', 'outpatient', 'profee', 'payer', 'asc')", name="work_setting"),
        CheckConstraint("productivity_per IS NULL OR productivity_per IN ('hour', 'day')",
                        name="productivity_per"),
        # The newest change is part of the data version pay benchmarks are cached under.
        Index("ix_posting_updated_at", "updated_at"),
        # Holds every column pay benchmarks read of an open posting: their read skips the table.
        Index("ix_posting_pay", "status", "expires_at", "suspended_at", "created_by_id", "salary_unit",
              "salary_min", "salary_max", "state", "id"),
    )

    DRAFT, PUBLISHED, CLOSED, EXPIRED = "draft", "published", "closed", "expired"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    arrangement: Mapped[str] = mapped_column(String(10), default="onsite")
    employment_type: Mapped[str] = mapped_column(String(12), default="full_time")
    salary_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    salary_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    salary_unit: Mapped[str] = mapped_column(String(4), default="year")
    apply_url: Mapped[str] = mapped_column(String(500), default="")
    external_id: Mapped[str | None] = mapped_column(String(120))
    # Hash of the feed line a posting was imported from: an unchanged line is not written again.
    source_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    # Set by an admin acting on a report; hides the posting whatever its status.
    suspended_at: Mapped[datetime | None]
    # Whether the text reads as a medical-coding-related job (coding, CDI, auditing, billing/RCM,
    # HIM), why, and when an admin confirmed a posting the classifier doubted.
    coding_related: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    coding_evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    coding_reviewed_at: Mapped[datetime | None]
    # Coding job fields (keys in ``jobboard.tagging``: SETTINGS, CODE_SETS, ENCODERS); lists are
    # space-separated keys. Inferred from the text when the employer leaves them empty.
    apprentice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    work_setting: Mapped[str | None] = mapped_column(String(12))
    code_sets: Mapped[str] = mapped_column(String(80), default="", server_default="")
    encoders: Mapped[str] = mapped_column(String(160), default="", server_default="")
    productivity: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))   # charts per period
    productivity_per: Mapped[str | None] = mapped_column(String(4))
    chart_type: Mapped[str] = mapped_column(String(60), default="", server_default="")
    accuracy_pct: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))

    company: Mapped[Company] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    specialties: Mapped[list[Specialty]] = relationship(
        secondary=posting_specialty, order_by=Specialty.position
    )
    cpt_codes: Mapped[list[CptCode]] = relationship(secondary=posting_cpt_code, order_by=CptCode.code)
    credential_links: Mapped[list[PostingCredential]] = relationship(
        cascade="all, delete-orphan", order_by=PostingCredential.credential_id
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("status", self.DRAFT)  # column defaults only arrive at flush
        super().__init__(**kwargs)

    # --- transitions -------------------------------------------------------------------------

    def _move(self, allowed_from, to):
        if self.status not in allowed_from:
            raise IllegalTransition(f"A {self.status} posting cannot be {to}.")
        self.status = to

    def publish(self, now=None):
        """Draft to published; the expiry defaults to 30 days from now."""
        now = now or utcnow()
        self._move({self.DRAFT}, self.PUBLISHED)
        self.published_at = now
        if self.expires_at is None or self.expires_at <= now:
            self.expires_at = now + DEFAULT_LIFETIME

    def close(self, now=None):
        self._move({self.PUBLISHED}, self.CLOSED)
        self.closed_at = now or utcnow()

    def expire(self, now=None):
        self._move({self.PUBLISHED}, self.EXPIRED)
        self.closed_at = now or utcnow()

    def renew(self, now=None, lifetime=DEFAULT_LIFETIME):
        """A closed or expired posting (or a published one near its end) runs again."""
        now = now or utcnow()
        self._move({self.PUBLISHED, self.CLOSED, self.EXPIRED}, self.PUBLISHED)
        self.published_at = now
        self.expires_at = now + lifetime
        self.closed_at = None

    def classify(self, coding_related: bool, evidence: str) -> None:
        """Record the classifier's verdict; an admin's approval stands over later edits."""
        self.coding_evidence = evidence
        self.coding_related = coding_related or self.coding_reviewed_at is not None

    def approve_as_coding(self, now=None) -> None:
        """An admin confirms the posting is a coding-related job: it leaves the review queue."""
        self.coding_reviewed_at = now or utcnow()
        self.coding_related = True

    @classmethod
    def needs_coding_review(cls):
        """Visible postings that do not look like coding jobs and no admin has confirmed."""
        return cls.visible().where(cls.coding_related.is_(False), cls.coding_reviewed_at.is_(None))

    # --- the visibility rule -------------------------------------------------------------------

    @classmethod
    def visible_clause(cls, now=None):
        """What makes a posting public: published, unexpired, not suspended, author not suspended."""
        now = now or utcnow()
        return and_(
            cls.status == cls.PUBLISHED,
            cls.expires_at > now,
            cls.suspended_at.is_(None),
            ~exists().where(User.id == cls.created_by_id, User.active.is_(False)),
        )

    @classmethod
    def visible(cls, now=None):
        """The one query every public list, page, count, feed and the search index use."""
        return select(cls).where(cls.visible_clause(now))

    @property
    def is_visible(self) -> bool:
        now = utcnow()
        return (
            self.status == self.PUBLISHED
            and self.expires_at is not None
            and self.expires_at > now
            and self.suspended_at is None
            and (self.created_by is None or self.created_by.active)
        )

    @validates("salary_min", "salary_max")
    def _to_cents(self, key, value):
        """Keep pay as the column stores it (cents): a document built from the object before it
        is reloaded must equal one built from the row, or the search index drifts ("24.555" an
        hour would index as 51,074 a year and read back as 51,084)."""
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    # --- derived values ---------------------------------------------------------------------

    @property
    def credentials_required(self) -> list[Credential]:
        return [link.credential for link in self.credential_links if link.required]

    @property
    def credentials_preferred(self) -> list[Credential]:
        return [link.credential for link in self.credential_links if not link.required]

    @property
    def code_set_list(self) -> list[str]:
        return (self.code_sets or "").split()

    @property
    def encoder_list(self) -> list[str]:
        return (self.encoders or "").split()

    @property
    def pay_posted(self) -> bool:
        """A pay range (or a fixed pay, given as both ends) is on the posting."""
        return self.salary_min is not None and self.salary_max is not None

    @property
    def applies_on_site(self) -> bool:
        return not self.apply_url

    def annual(self, amount):
        if amount is None:
            return None
        return int(amount * HOURS_PER_YEAR) if self.salary_unit == "hour" else int(amount)

    @property
    def annual_salary_min(self):
        return self.annual(self.salary_min)

    @property
    def annual_salary_max(self):
        return self.annual(self.salary_max)

    def __repr__(self):
        return f"<Posting {self.id} {self.status} {self.title!r}>"


def with_tags(query):
    """Load what a posting card or document shows (company, specialties, codes, credentials)
    in a few queries instead of one per posting."""
    return query.options(
        joinedload(Posting.company), selectinload(Posting.specialties),
        selectinload(Posting.cpt_codes),
        selectinload(Posting.credential_links).joinedload(PostingCredential.credential))


@cache
def _tags_statement():
    """The tags of the postings ``:posting_ids``, one row per link. Built once: building a
    statement and computing its cache key cost as much as running it."""
    ids: BindParameter[int] = bindparam("posting_ids", expanding=True)
    links = union_all(
        select(posting_specialty.c.posting_id, literal("s").label("kind"),
               posting_specialty.c.specialty_id.label("tag_id"))
        .where(posting_specialty.c.posting_id.in_(ids)),
        select(posting_cpt_code.c.posting_id, literal("c"), posting_cpt_code.c.cpt_code_id)
        .where(posting_cpt_code.c.posting_id.in_(ids)),
        select(PostingCredential.posting_id, literal("r"), PostingCredential.credential_id)
        .where(PostingCredential.posting_id.in_(ids)),
    ).subquery()
    return (
        select(links.c.posting_id, Specialty, CptCode, PostingCredential).select_from(links)
        .outerjoin(Specialty, and_(links.c.kind == "s", Specialty.id == links.c.tag_id))
        .outerjoin(CptCode, and_(links.c.kind == "c", CptCode.id == links.c.tag_id))
        .outerjoin(PostingCredential, and_(links.c.kind == "r",
                                           PostingCredential.posting_id == links.c.posting_id,
                                           PostingCredential.credential_id == links.c.tag_id))
        # What cards, the API and the posting page show of a tag; long texts load only if read.
        .options(load_only(Specialty.slug, Specialty.name, Specialty.position),
                 load_only(CptCode.code, CptCode.subsection)))


def load_with_tags(session, query, params: dict | None = None) -> list[Posting]:
    """The postings ``query`` (with ``params``) selects with their company and tags, in two
    statements.

    ``with_tags`` costs four (one per collection); a list page or search page pays this on every
    request, so the three link tables are read in one UNION ALL, each row outer-joined to the one
    tag it names, and the collections are set on the postings as loaded.
    """
    postings = session.scalars(query, params).unique().all()
    if not postings:
        return []
    ids = [p.id for p in postings]
    rows = session.execute(_tags_statement(), {"posting_ids": ids})
    tags: dict[int, tuple[list, list, list]] = {i: ([], [], []) for i in ids}
    for posting_id, specialty, code, credential in rows:
        specialties, codes, credentials = tags[posting_id]
        if specialty is not None:
            specialties.append(specialty)
        elif code is not None:
            codes.append(code)
        elif credential is not None:
            credentials.append(credential)
    for posting in postings:
        specialties, codes, credentials = tags[posting.id]
        set_committed_value(posting, "specialties", sorted(specialties, key=lambda s: s.position))
        set_committed_value(posting, "cpt_codes", sorted(codes, key=lambda c: c.code))
        set_committed_value(posting, "credential_links",
                            sorted(credentials, key=lambda link: link.credential_id))
    return list(postings)
