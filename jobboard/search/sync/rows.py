"""Every visible posting as plain rows, for a full rebuild and a drift check.

Loading ORM objects with their tag collections cost as much as building the documents; these
set-based queries (the postings of a chunk with their company's name, then one query per kind
of tag link) read the same values into small objects that ``posting_document`` reads exactly as
it reads a ``Posting``, and that pickle cheaply to the processes building a rebuild's documents.
"""
from collections import namedtuple
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, select

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.posting import Posting, PostingCredential, posting_cpt_code, posting_specialty
from jobboard.models.taxonomy import CptCode, Credential, Specialty

CompanyRow = namedtuple("CompanyRow", ["name"])
SpecialtyRow = namedtuple("SpecialtyRow", ["slug"])
CodeRow = namedtuple("CodeRow", ["code", "section", "subsection"])
CredentialRow = namedtuple("CredentialRow", ["abbreviation"])
CredentialLinkRow = namedtuple("CredentialLinkRow", ["credential", "required"])


class _PostingColumns(NamedTuple):
    """The posting's columns ``posting_document`` reads (``COLUMNS``), its company and tags."""

    id: int
    company_id: int
    title: str
    description: str
    city: str
    state: str
    arrangement: str
    employment_type: str
    apprentice: bool
    work_setting: str | None
    code_sets: str
    encoders: str
    coding_related: bool
    published_at: datetime | None
    expires_at: datetime | None
    salary_min: Decimal | None
    salary_max: Decimal | None
    salary_unit: str
    company: CompanyRow
    specialties: list[SpecialtyRow]
    cpt_codes: list[CodeRow]
    credential_links: list[CredentialLinkRow]


class PostingRow(_PostingColumns):
    """What ``posting_document`` reads of a posting; its derived values are ``Posting``'s own."""

    __slots__ = ()
    pay_posted = Posting.pay_posted
    code_set_list = Posting.code_set_list
    encoder_list = Posting.encoder_list
    annual = Posting.annual
    annual_salary_min = Posting.annual_salary_min
    annual_salary_max = Posting.annual_salary_max


COLUMNS = PostingRow._fields[:PostingRow._fields.index("company")]


def _tag_statements():
    """Specialty slugs, codes and credentials of the postings with ids from ``first`` to
    ``last``, in the order of ``Posting``'s relationships."""
    first, last = bindparam("first", type_=Integer), bindparam("last", type_=Integer)
    specialties = (select(posting_specialty.c.posting_id, Specialty.slug)
                   .join(Specialty, Specialty.id == posting_specialty.c.specialty_id)
                   .where(posting_specialty.c.posting_id.between(first, last))
                   .order_by(posting_specialty.c.posting_id, Specialty.position))
    codes = (select(posting_cpt_code.c.posting_id, CptCode.code, CptCode.section, CptCode.subsection)
             .join(CptCode, CptCode.id == posting_cpt_code.c.cpt_code_id)
             .where(posting_cpt_code.c.posting_id.between(first, last))
             .order_by(posting_cpt_code.c.posting_id, CptCode.code))
    credentials = (select(PostingCredential.posting_id, Credential.abbreviation,
                          PostingCredential.required)
                   .join(Credential, Credential.id == PostingCredential.credential_id)
                   .where(PostingCredential.posting_id.between(first, last))
                   .order_by(PostingCredential.posting_id, PostingCredential.credential_id))
    return specialties, codes, credentials


def visible_rows(chunk: int = 1000):
    """Every visible posting as a ``PostingRow``, in id order, ``chunk`` postings a query."""
    specialties, codes, credentials = _tag_statements()
    with db.engine.connect() as connection:
        last = 0
        while True:
            rows = connection.execute(
                select(*(getattr(Posting, name) for name in COLUMNS), Company.name)
                .join(Company, Company.id == Posting.company_id)
                .where(Posting.visible_clause(), Posting.id > last)
                .order_by(Posting.id).limit(chunk)).all()
            if not rows:
                return
            tags: dict[int, tuple[list, list, list]] = {row[0]: ([], [], []) for row in rows}
            bounds = {"first": rows[0][0], "last": rows[-1][0]}
            for posting_id, slug in connection.execute(specialties, bounds):
                if posting_id in tags:
                    tags[posting_id][0].append(SpecialtyRow(slug))
            for posting_id, code, section, subsection in connection.execute(codes, bounds):
                if posting_id in tags:
                    tags[posting_id][1].append(CodeRow(code, section, subsection))
            for posting_id, abbreviation, required in connection.execute(credentials, bounds):
                if posting_id in tags:
                    tags[posting_id][2].append(CredentialLinkRow(CredentialRow(abbreviation),
                                                                 required))
            for row in rows:
                yield PostingRow._make((*row[:-1], CompanyRow(row[-1]), *tags[row[0]]))
            last = rows[-1][0]
