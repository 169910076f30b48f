"""A rebuild and a drift check read postings as plain rows (``search.sync.rows``): the documents
must be exactly those the ORM objects give, which the change log indexes."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.posting import Posting, with_tags
from jobboard.models.taxonomy import CptCode
from jobboard.search import sync
from jobboard.search.document import posting_document
from jobboard.search.sync.rows import visible_rows
from jobboard.search.whoosh import storage
from jobboard.services.moderation import suspend_user
from tests.factories import make_company, make_employer, make_posting


def orm_documents() -> dict[int, dict]:
    """Documents of the visible postings, built from freshly loaded ORM objects."""
    with Session(db.engine) as session:
        postings = session.scalars(with_tags(Posting.visible())).unique().all()
        return {p.id: posting_document(p) for p in postings}


def make_corpus() -> set[int]:
    """Postings with every kind of value a document reads; returns the visible ids."""
    shown = [
        make_posting(title="Surgical Coder", specialties=["general-surgery", "hemic-lymphatic",
                                                          "evaluation-management"],
                     credentials_required=["CPC", "CCS-P"], credentials_preferred=["CPC-A", "RHIT"],
                     cpt_codes=["38900", "99213", "70551", "38792"]),
        make_posting(company=make_company("Clínica Ñandú – Zürich"),
                     title="Codeuse médicale — E/M & OB/GYN", city="São Paulo", state="",
                     description="Résumé: [our site](https://example.com/x) «coding» ß straße "
                                 "<https://example.org> ICD-10-CM 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                     salary_min=Decimal("24.555"), salary_max=Decimal("31.10"), salary_unit="hour",
                     specialties=[], credentials_required=[], cpt_codes=[]),
        make_posting(title="Billing Specialist", city="", state="TX", arrangement="onsite",
                     employment_type="per_diem", salary_min=None, salary_max=None,
                     description="Claims and denials.", specialties=["billing-rcm"],
                     credentials_required=[], credentials_preferred=["CPB"]),
        make_posting(title="Risk Adjustment Coder", city="Austin", state="TX", arrangement="onsite",
                     salary_min=Decimal("60000"), salary_max=None, apprentice=True, work_setting="payer",
                     code_sets=["icd10cm", "hcpcs"], encoders=["3m", "optum"],
                     specialties=["risk-adjustment"], credentials_required=["CRC"]),
        make_posting(title="Marketing Lead", description="Brand campaigns.", specialties=[],
                     credentials_required=[]),
    ]
    shown[-1].classify(False, "no coding words")
    # A code the curated list classifies, its section left empty: the document classifies it.
    db.session.execute(update(CptCode).where(CptCode.code == "99213").values(section="",
                                                                             subsection=""))
    db.session.commit()
    # Hidden postings with tags, between visible ones: a chunk's tag queries read their links.
    make_posting(status="expired", cpt_codes=["38900"], credentials_required=["CPC"])
    make_posting(status="draft", specialties=["radiology"])
    make_posting(status="closed", credentials_preferred=["CCS"])
    hidden = make_posting(title="Hidden Coder", specialties=["cardiology"])
    hidden.suspended_at = utcnow()
    author = make_employer()
    make_posting(author=author, title="Author Suspended", cpt_codes=["70551"])
    suspend_user(author)
    past = make_posting(title="Past Expiry", specialties=["urology"])
    past.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    shown.append(make_posting(title="Last Coder", specialties=["dermatology", "urology", "radiology"],
                              cpt_codes=["70551"], credentials_preferred=["RCC"]))
    return {p.id for p in shown}


def test_rows_give_the_documents_the_posting_objects_give(app):
    with app.app_context():
        shown = make_corpus()
        expected = orm_documents()
        assert set(expected) == shown
        for chunk in (1, 2, 3, 1000):
            rows = list(visible_rows(chunk=chunk))
            assert [r.id for r in rows] == sorted(shown)
            assert {r.id: posting_document(r) for r in rows} == expected
        documents = list(expected.values())
        assert any(d["required"] and set(d["credential"]) > set(d["required"]) for d in documents)
        assert any(d["domain"] == ["0"] for d in documents)
        assert any(d["code_set"] and d["encoder"] and d["apprentice"] for d in documents)
        assert any(d["pay_posted"] == [] and d["pay_low"] for d in documents)
        assert any({"evaluation", "office", "lymph"} <= set(d["tags"]) for d in documents)


def test_a_rebuild_in_worker_processes_indexes_the_same_documents(app, monkeypatch):
    monkeypatch.setattr(storage, "PARALLEL_MIN_DOCS", 1)  # forked workers build the documents
    monkeypatch.setattr(storage, "BATCH_DOCS", 2)
    with app.app_context():
        shown = make_corpus()
        assert sync.rebuild() == len(shown)
        held, duplicates = app.extensions["search"].check()
        assert not duplicates
        assert {i: d.fingerprint for i, d in held.items()} == {
            i: d["fp"] for i, d in orm_documents().items()}
        assert not sync.check().drifted
        company = db.session.scalar(select(Company).where(Company.name == "Clínica Ñandú – Zürich"))
        db.session.execute(update(Company).where(Company.id == company.id)
                           .values(name="Clinica Nandu"))  # no change log entry: drift
        db.session.commit()
        drift = sync.check()
        assert len(drift.stale) == 1 and not (drift.missing or drift.extra)
