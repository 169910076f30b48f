"""The one function that turns a posting into its index document, whatever the backend.

A document is a dict of de-duplicated term lists (text fields, tags, filters) plus numbers
(``pid``, ``posted``, ``salary``, ``expires``, ``pay_low``, ``pay_high``) and an 8-byte fingerprint ``fp`` that drift
checks compare. Words are kept as written (lower-cased); the query side maps a word to every
indexed form that shares its stem, and the same vocabulary feeds "did you mean". Specialty,
credential and code-section names are not copied into each document: the query side looks them
up in the taxonomy and matches the tag fields instead. Snippets come from the database rows that
every search loads anyway, so nothing is stored for display.
"""
import hashlib
import re

from jobboard.models.posting import Posting
from jobboard.models.taxonomy import US_STATES
from jobboard.reference_data import classify
from jobboard.search import text
from jobboard.tagging import _has_medical_context

TEXT_FIELDS = ("title", "meta", "body")
FACETS = ("specialty", "credential", "arrangement", "employment_type",
          "apprentice", "pay_posted", "setting", "code_set", "encoder")


_URL_RE = re.compile(r"\]\([^)\s]*\)|<?https?://[^\s>)]+>?")


def index_text(markdown: str) -> str:
    """The words of a Markdown description: link targets dropped, markup left to the tokenizer.

    Rendering Markdown costs four times the rest of document building, and the tokenizer ignores
    the markup characters anyway.
    """
    return _URL_RE.sub(" ", markdown or "")


def _epoch(value) -> int:
    return int(value.timestamp()) if value else 0


def domain_level(posting: Posting, description: str) -> int:
    """0 for a posting that is not a coding job; 1-2 for one, by how plainly: credential or code
    tags and medical wording each count once."""
    if not posting.coding_related:
        return 0
    signals = (bool(posting.credential_links), bool(posting.cpt_codes),
               _has_medical_context(f"{posting.title}\n{description}", False))
    return max(1, min(2, sum(signals)))


def posting_document(posting: Posting) -> dict:
    """The index document of a visible posting (the only place a document is built); a rebuild
    passes a ``sync.rows.PostingRow``, which reads the same."""
    description = index_text(posting.description)
    meta_text = " ".join(t for t in (posting.company.name, posting.city, posting.state,
                                     US_STATES.get(posting.state, "")) if t)
    title, body, meta = text.tokens(posting.title), text.tokens(description), text.tokens(meta_text)
    sections = set()
    for code in posting.cpt_codes:
        found = (code.section, code.subsection) if code.section else classify(code.code)
        sections.update(text.tokens(" ".join(found or ())))
    document = {
        "id": [str(posting.id)],
        "title": sorted(set(title)),
        "meta": sorted(set(meta)),
        "tags": sorted(sections),
        "body": sorted(set(body)),
        "phrase": sorted(set(text.pairs(title)) | set(text.pairs(body)) | set(text.pairs(meta))),
        "specialty": [s.slug for s in posting.specialties],
        "credential": sorted({link.credential.abbreviation.lower()
                              for link in posting.credential_links}),
        "required": sorted({link.credential.abbreviation.lower()
                            for link in posting.credential_links if link.required}),
        "code": [c.code for c in posting.cpt_codes],
        "company": [str(posting.company_id)],
        "arrangement": [posting.arrangement],
        "employment_type": [posting.employment_type],
        "state": [posting.state] if posting.state else [],
        "apprentice": ["1"] if posting.apprentice else [],
        "pay_posted": ["1"] if posting.pay_posted else [],
        "setting": [posting.work_setting] if posting.work_setting else [],
        "code_set": posting.code_set_list,
        "encoder": posting.encoder_list,
        "domain": [str(domain_level(posting, description))],
        "tlen": [str(min(9, max(1, text.word_count(posting.title))))],
        "nspec": [str(min(3, len(posting.specialties)))] if posting.specialties else [],
        "pid": posting.id,
        "posted": _epoch(posting.published_at),
        "salary": int(posting.annual_salary_max or posting.annual_salary_min or 0),
        "expires": _epoch(posting.expires_at),
        "pay_low": int(posting.annual_salary_min or 0),
        "pay_high": int(posting.annual_salary_max or 0),
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
