"""The coding taxonomy: specialties, credentials, CPT sections, and shared vocabularies."""
from decimal import Decimal

from sqlalchemy import DDL, ForeignKey, Numeric, String, Text, UniqueConstraint, event, insert, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.models.base import TimestampMixin

ARRANGEMENTS = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}
EMPLOYMENT_TYPES = {
    "full_time": "Full-time",
    "part_time": "Part-time",
    "contract": "Contract",
    "temporary": "Temporary",
    "per_diem": "Per diem",
}
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}


class Specialty(Model):
    """A kind of coding work (E/M, hemic-lymphatic, risk adjustment...), with its CPT ranges."""

    __tablename__ = "specialty"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # ";"-separated "start-end" pairs; empty for specialties that are not CPT-range based.
    cpt_ranges: Mapped[str] = mapped_column(String(400), default="")
    typical_credentials: Mapped[str] = mapped_column(String(200), default="")
    synonyms: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def ranges(self) -> list[tuple[str, str]]:
        return [(start, end) for start, end in (part.split("-", 1) for part in self.cpt_ranges.split(";") if part)]

    @property
    def credential_list(self) -> list[str]:
        return [c for c in self.typical_credentials.split(";") if c]

    def __repr__(self):
        return f"<Specialty {self.slug}>"


class Credential(Model):
    """A coding credential such as CPC, CCS or CRC."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    abbreviation: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(60), default="")
    focus: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self):
        return f"<Credential {self.abbreviation}>"


class CptSection(Model):
    """A CPT section or subsection as a code range (alphanumeric ranges compare as strings)."""

    __tablename__ = "cpt_section"
    __table_args__ = (UniqueConstraint("range_start", "range_end", "section", "subsection"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    range_start: Mapped[str] = mapped_column(String(5))
    range_end: Mapped[str] = mapped_column(String(5))
    section: Mapped[str] = mapped_column(String(120))
    subsection: Mapped[str] = mapped_column(String(200), default="")


class CptCode(TimestampMixin, Model):
    """A CPT code with our own description and the CMS figures of one year."""

    __tablename__ = "cpt_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    section: Mapped[str] = mapped_column(String(120), default="")
    subsection: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Other names coders use for the service, in our own words; ";"-separated.
    also_known_as: Mapped[str] = mapped_column(Text, default="")
    # The AMA descriptor, only when an operator imported licensed data.
    licensed_descriptor: Mapped[str | None] = mapped_column(Text)
    curated: Mapped[bool] = mapped_column(default=False)
    work_rvu: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    nonfacility_pe_rvu: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    facility_pe_rvu: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    mp_rvu: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    nonfacility_total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    facility_total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    global_days: Mapped[str] = mapped_column(String(3), default="")
    add_on: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(2), default="")
    year: Mapped[int | None]
    conversion_factor: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    # Lineage of the figures: the file they came from and its release within the year
    # (1 January ... 4 October; 0 when the file does not say), so older files never win.
    source_file: Mapped[str] = mapped_column(String(255), default="")
    source_release: Mapped[int] = mapped_column(default=0)

    modifiers: Mapped[list["CptModifierRvu"]] = relationship(
        back_populates="cpt_code", cascade="all, delete-orphan", order_by="CptModifierRvu.modifier"
    )

    @property
    def has_figures(self) -> bool:
        return self.year is not None

    @property
    def vintage(self) -> tuple[int, int]:
        """(year, release): what decides whether other figures are newer than these."""
        return (self.year or 0, self.source_release or 0)

    @property
    def aliases(self) -> list[str]:
        return [a.strip() for a in self.also_known_as.split(";") if a.strip()]

    def __repr__(self):
        return f"<CptCode {self.code}>"


class CptModifierRvu(Model):
    """CMS figures of a code with a payment modifier (26, TC, 53), kept apart from the global row."""

    __tablename__ = "cpt_modifier_rvu"
    __table_args__ = (UniqueConstraint("cpt_code_id", "modifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cpt_code_id: Mapped[int] = mapped_column(ForeignKey("cpt_code.id", ondelete="CASCADE"))
    modifier: Mapped[str] = mapped_column(String(4))
    work_rvu: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    nonfacility_total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    facility_total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    year: Mapped[int | None]

    cpt_code: Mapped[CptCode] = relationship(back_populates="modifiers")


class MedicareLocality(Model):
    """A Medicare payment locality (MAC + locality number) with its GPCIs for one year."""

    __tablename__ = "medicare_locality"
    __table_args__ = (UniqueConstraint("mac", "locality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mac: Mapped[str] = mapped_column(String(5))
    locality: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(2), default="")
    name: Mapped[str] = mapped_column(String(120), default="")
    counties: Mapped[str] = mapped_column(Text, default="")
    work_gpci: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    pe_gpci: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    mp_gpci: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    year: Mapped[int | None]

    @property
    def key(self) -> str:
        """The identifier the API takes: ``MAC-LL`` such as ``13202-01``."""
        return f"{self.mac}-{self.locality}"

    def __repr__(self):
        return f"<MedicareLocality {self.key}>"


class ReferenceVersion(Model):
    """One row whose number moves in the same transaction as any change to the reference data
    (codes, their figures and modifier rows, localities, specialties, sections, credentials),
    whoever makes it: hosts sharing the database key what they cache from it to this number,
    including for tables that carry no timestamps."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


event.listen(ReferenceVersion.__table__, "after_create",
             DDL("INSERT INTO reference_version (id, version) VALUES (1, 0)"))
REFERENCE_MODELS = (Specialty, Credential, CptSection, CptCode, CptModifierRvu, MedicareLocality)


def _bump(session: Session) -> None:
    bumped = session.execute(update(ReferenceVersion).where(ReferenceVersion.id == 1)
                             .values(version=ReferenceVersion.version + 1))
    if not bumped.rowcount:  # type: ignore[attr-defined]  # a database the migration never seeded
        session.execute(insert(ReferenceVersion).values(id=1, version=1))


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session, flush_context, instances) -> None:
    """A flush writing any reference row moves the version within the same transaction."""
    if any(isinstance(obj, REFERENCE_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_statement(state) -> None:
    """So does an UPDATE or DELETE statement on a reference table (bulk changes skip the flush)."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in REFERENCE_MODELS:
        _bump(state.session)
