"""The index schema and the one function that turns a posting into its document.

The index answers "which postings match" as sets of document numbers; ranking is done over
those sets (see ``whoosh_backend``), so text fields carry pre-analysed, de-duplicated terms with
no positions, frequencies or lengths, and nothing is stored: sort keys, expiry and a content
fingerprint live in compact numeric columns, and snippets come from the database rows that
every search loads anyway.
"""
import hashlib

from whoosh.columns import FixedBytesColumn, NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, Schema

from jobboard.markup import plain_text
from jobboard.models.posting import Posting
from jobboard.models.taxonomy import US_STATES
from jobboard.reference_data import classify
from jobboard.search import text
from jobboard.tagging import _has_medical_context

# Weighted text fields, most important first (weights live in the query layer).
TEXT_FIELDS = ("title", "tags", "meta", "body")
FACETS = ("specialty", "credential", "arrangement", "employment_type")


def _terms():
    return KEYWORD(scorable=True)


SCHEMA = Schema(
    id=KEYWORD(unique=True, scorable=True),
    title=_terms(),      # the title
    tags=_terms(),       # specialty names and synonyms, credential names, code sections
    meta=_terms(),       # company name and place
    body=_terms(),       # the description
    phrase=_terms(),     # adjacent-term pairs of all of the above, for quoted phrases
    spell=_terms(),      # plain words, for "did you mean"
    specialty=_terms(),  # slugs
    credential=_terms(),  # lower-case abbreviations, required or preferred
    code=_terms(),       # CPT codes
    arrangement=_terms(),
    employment_type=_terms(),
    state=_terms(),
    domain=_terms(),        # 0-2: how plainly this is a medical coding job (ranks ambiguous words)
    pid=COLUMN(NumericColumn("q")),
    posted=COLUMN(NumericColumn("q")),
    salary=COLUMN(NumericColumn("q")),   # annual USD, the top of the range; 0 when not given
    expires=COLUMN(NumericColumn("q")),
    fp=COLUMN(FixedBytesColumn(8)),
)


def _epoch(value) -> int:
    return int(value.timestamp()) if value else 0


def domain_level(posting: Posting, description: str) -> int:
    """0-2: credential or code tags and medical wording each count once."""
    signals = (bool(posting.credential_links), bool(posting.cpt_codes),
               _has_medical_context(f"{posting.title}\n{description}", False))
    return min(2, sum(signals))


def posting_document(posting: Posting) -> dict:
    """The index document of a visible posting (the only place a document is built)."""
    description = plain_text(posting.description)
    tag_texts = []
    for specialty in posting.specialties:
        tag_texts.append(specialty.name)
        tag_texts.extend(s for s in specialty.synonyms.split(";") if s)
    for link in posting.credential_links:
        tag_texts.append(f"{link.credential.abbreviation} {link.credential.name}")
    for code in posting.cpt_codes:
        section, subsection = code.section, code.subsection
        if not section:
            section, subsection = classify(code.code) or ("", "")
        tag_texts.extend(t for t in (section, subsection) if t)
    meta_text = " ".join(t for t in (posting.company.name, posting.city, posting.state,
                                     US_STATES.get(posting.state, "")) if t)

    title_terms = text.stems(posting.title)
    body_terms = text.stems(description)
    meta_terms = text.stems(meta_text)
    tag_term_lists = [text.stems(t) for t in tag_texts]
    phrase = set(text.pairs(title_terms)) | set(text.pairs(body_terms)) | set(text.pairs(meta_terms))
    for terms in tag_term_lists:
        phrase.update(text.pairs(terms))
    spell = text.words(" ".join([posting.title, description, meta_text, *tag_texts]))
    salary = posting.annual_salary_max or posting.annual_salary_min or 0

    document = {
        "id": str(posting.id),
        "title": " ".join(sorted(set(title_terms))),
        "tags": " ".join(sorted({t for terms in tag_term_lists for t in terms})),
        "meta": " ".join(sorted(set(meta_terms))),
        "body": " ".join(sorted(set(body_terms))),
        "phrase": " ".join(sorted(phrase)),
        "spell": " ".join(sorted(spell)),
        "specialty": " ".join(s.slug for s in posting.specialties),
        "credential": " ".join(sorted({link.credential.abbreviation.lower()
                                       for link in posting.credential_links})),
        "code": " ".join(c.code for c in posting.cpt_codes),
        "arrangement": posting.arrangement,
        "employment_type": posting.employment_type,
        "state": posting.state or "",
        "domain": str(domain_level(posting, description)),
        "pid": posting.id,
        "posted": _epoch(posting.published_at),
        "salary": int(salary),
        "expires": _epoch(posting.expires_at),
    }
    document["fp"] = fingerprint(document)
    return document


def fingerprint(document: dict) -> bytes:
    """Eight bytes that change whenever any indexed value of the document changes."""
    digest = hashlib.blake2b(digest_size=8)
    for key in sorted(document):
        if key != "fp":
            digest.update(f"{key}\0{document[key]}\1".encode())
    return digest.digest()
