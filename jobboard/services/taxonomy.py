"""Loads the shipped taxonomy (specialties, credentials, CPT sections) into the database."""
from sqlalchemy import delete, select

from jobboard import reference_data
from jobboard.extensions import db
from jobboard.models.taxonomy import CptSection, Credential, Specialty


def sync_taxonomy() -> dict[str, int]:
    """Upsert specialties and credentials by key and replace the section ranges; idempotent."""
    existing = {s.slug: s for s in db.session.scalars(select(Specialty))}
    for position, data in enumerate(reference_data.load_specialties()):
        specialty = existing.get(data.slug) or Specialty(slug=data.slug)
        specialty.name = data.name
        specialty.summary = data.summary
        specialty.description = data.description
        specialty.cpt_ranges = ";".join(f"{start}-{end}" for start, end in data.cpt_ranges)
        specialty.typical_credentials = ";".join(data.credentials)
        specialty.synonyms = ";".join(data.synonyms)
        specialty.position = position
        db.session.add(specialty)

    known = {c.abbreviation: c for c in db.session.scalars(select(Credential))}
    credentials = reference_data.load_credentials()
    for entry in credentials:
        credential = known.get(entry.abbreviation) or Credential(abbreviation=entry.abbreviation)
        credential.name = entry.name
        credential.body = entry.body
        credential.kind = entry.kind
        credential.focus = entry.focus
        db.session.add(credential)

    sections = reference_data.load_sections()
    db.session.execute(delete(CptSection))
    db.session.add_all(
        CptSection(range_start=s.start, range_end=s.end, section=s.section, subsection=s.subsection)
        for s in sections
    )
    db.session.commit()
    return {
        "specialties": len(reference_data.load_specialties()),
        "credentials": len(credentials),
        "sections": len(sections),
    }
