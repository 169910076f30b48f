"""Résumés: PDF or DOCX up to 5 MB, recognised by their bytes, stored outside static/.

A file is stored, named and served as the type its bytes show, whatever name it was uploaded
under. Files are removed from disk once the deletion of their row (or their owner's account)
is committed. On upload the file's text is read (in a limited child process, see
:mod:`jobboard.resume_text`) and the profile fields it suggests are kept on the row, not the
text, until the seeker accepts or dismisses them.
"""
import io
import os
import secrets
import struct
import zipfile
import zlib

from flask import current_app, has_app_context
from sqlalchemy import event, exists, select, update
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.application import Application, Resume
from jobboard.models.posting import Posting
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.models.user import User
from jobboard.resume_proposals import Proposals, propose
from jobboard.resume_text import READ, read_text
from jobboard.services import DomainError, NotFound
from jobboard.services.profiles import seeker_profile
from jobboard.text_input import clean_filename

MAX_RESUME_BYTES = 5 * 1024 * 1024
PDF = ("application/pdf", ".pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
EXTENSIONS = {PDF[0]: PDF[1], DOCX[0]: DOCX[1]}
# A Word document has a few dozen parts; these caps bound the work spent on a hostile ZIP
# before zipfile parses its directory (a 40,000-entry archive is refused from its last bytes).
MAX_ZIP_ENTRIES = 500
MAX_ZIP_DIRECTORY_BYTES = 256 * 1024
MAX_CONTENT_TYPES_BYTES = 256 * 1024
WRONG_TYPE = "Upload a PDF or a Word (.docx) file."
MACROS = "Word files with macros (.docm) are not accepted: save it as a .docx without macros, or as a PDF."
TOO_COMPLEX = "This Word file has too many parts to be a résumé: save it as a PDF and upload that."
_END_OF_DIRECTORY = b"PK\x05\x06"
_FILES_TO_REMOVE = "resume_files_to_remove"


def _zip_directory_size(data: bytes) -> tuple[int, int] | None:
    """(entries, directory bytes) from the ZIP's end-of-directory record, or None if it has none."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 65535))
    if at < 0 or len(data) < at + 22:
        return None
    entries, directory_bytes = struct.unpack("<HI", data[at + 10:at + 16])
    return entries, directory_bytes


def _sniff_docx(data: bytes):
    sizes = _zip_directory_size(data)
    if sizes is None:
        return None
    entries, directory_bytes = sizes
    if entries > MAX_ZIP_ENTRIES or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise DomainError(TOO_COMPLEX, field="resume")  # also refuses ZIP64 (0xFFFF markers)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise DomainError(TOO_COMPLEX, field="resume")
            names = {info.filename for info in infos}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return None
            if any(name.lower().rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml") for name in names):
                raise DomainError(MACROS, field="resume")
            with archive.open("[Content_Types].xml") as handle:
                content_types = handle.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError,
            OSError, struct.error):
        return None
    if len(content_types) > MAX_CONTENT_TYPES_BYTES:
        return None
    if b"macroenabled" in content_types.lower():
        raise DomainError(MACROS, field="resume")
    return DOCX


def sniff(data: bytes):
    """(content type, extension) from the file's bytes, or None when it is neither PDF nor DOCX.

    :raise DomainError: a macro-enabled Word file, or a ZIP too large to inspect cheaply.
    """
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_docx(data)
    return None


def display_name(uploaded_name: str, content_type: str) -> str:
    """The name a résumé is shown and downloaded under: the uploaded name made safe, with the
    extension of the type its bytes show (``cv.html`` holding a PDF becomes ``cv.pdf``)."""
    extension = EXTENSIONS.get(content_type, "")
    name = clean_filename(uploaded_name, default="resume")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem.strip(" .") or "resume")[:190] + extension


def _upload_dir() -> str:
    path = current_app.config["UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def save_resume(user: User, stream, filename: str) -> Resume:
    """Check and store an upload; a failed write leaves neither a file nor a row."""
    data = stream.read(MAX_RESUME_BYTES + 1)
    if not data:
        raise DomainError("The file is empty.", field="resume")
    if len(data) > MAX_RESUME_BYTES:
        raise DomainError("The résumé is larger than 5 MB.", field="resume")
    kind = sniff(data)
    if kind is None:
        raise DomainError(WRONG_TYPE, field="resume")
    content_type, extension = kind
    reading = read_text(data, content_type)
    proposals = propose(reading.text) if reading.outcome == READ else Proposals()
    stored_name = secrets.token_hex(16) + extension
    final = os.path.join(_upload_dir(), stored_name)
    partial = final + ".part"
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except OSError as error:
        if os.path.exists(partial):
            os.remove(partial)
        current_app.logger.exception("résumé write failed")
        raise DomainError("We could not store the file. Please try again.", field="resume") from error
    resume = Resume(user_id=user.id, stored_name=stored_name,
                    original_name=display_name(filename, content_type),
                    content_type=content_type, size=len(data),
                    reading=reading.outcome, proposals=proposals.to_json() if proposals else None)
    # Only the newest résumé's suggestions are offered: older ones are dropped.
    db.session.execute(update(Resume).where(Resume.user_id == user.id, Resume.proposals.is_not(None))
                       .values(proposals=None))
    db.session.add(resume)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.remove(final)
        raise
    return resume


def current_resume(user: User) -> Resume | None:
    return db.session.scalar(select(Resume).where(Resume.user_id == user.id)
                             .order_by(Resume.uploaded_at.desc(), Resume.id.desc()).limit(1))


def open_proposals(profile: SeekerProfile, resume: Resume | None) -> Proposals:
    """The résumé's suggestions the profile does not have yet: credentials and specialties not
    held, and years or location only where the profile has none (never overwriting the seeker)."""
    if resume is None or not resume.proposals:
        return Proposals()
    offered = Proposals.from_json(resume.proposals)
    held_credentials = {c.abbreviation for c in profile.credentials}
    held_specialties = {s.slug for s in profile.specialties}
    has_place = bool(profile.city or profile.state)
    return Proposals(
        tuple(c for c in offered.credentials if c not in held_credentials),
        tuple(s for s in offered.specialties if s not in held_specialties),
        offered.years_experience if profile.years_experience is None else None,
        "" if has_place else offered.city, "" if has_place else offered.state)


def _own_resume(user: User, resume_id: int) -> Resume:
    resume = db.session.get(Resume, resume_id)
    if resume is None or resume.user_id != user.id:
        raise NotFound("No such résumé.")
    return resume


def accept_proposals(user: User, resume_id: int, *, credentials=(), specialties=(), years_experience=False,
                     location=False) -> SeekerProfile:
    """Add the chosen suggestions to the profile, keeping everything it already has; the
    suggestions are then settled, whatever was chosen (choosing nothing dismisses them).

    Only what the résumé suggested can be added this way.
    :raise NotFound: not the user's résumé.
    :raise DomainError: the suggestions were already answered (a second submit).
    """
    resume = _own_resume(user, resume_id)
    profile = seeker_profile(user)
    offered = open_proposals(profile, resume)
    # Claim the suggestions before touching the profile: of two submits racing, the second
    # finds them gone (it waits on the row) instead of adding the same credential twice.
    claimed = db.session.execute(update(Resume).where(Resume.id == resume.id, Resume.proposals.is_not(None))
                                 .values(proposals=None)).rowcount  # type: ignore[attr-defined]  # a CursorResult
    if not claimed:
        db.session.rollback()
        raise DomainError("You have already answered these suggestions.")
    chosen_credentials = [c for c in offered.credentials if c in set(credentials)]
    chosen_specialties = [s for s in offered.specialties if s in set(specialties)]
    if chosen_credentials:
        profile.credentials.extend(db.session.scalars(
            select(Credential).where(Credential.abbreviation.in_(chosen_credentials))))
    if chosen_specialties:
        profile.specialties.extend(db.session.scalars(
            select(Specialty).where(Specialty.slug.in_(chosen_specialties))))
    if years_experience and offered.years_experience is not None:
        profile.years_experience = offered.years_experience
    if location and offered.state:
        profile.city, profile.state = offered.city, offered.state
    db.session.commit()
    return profile


def resume_for(resume_id: int, viewer: User) -> tuple[Resume, str]:
    """The résumé and its path, if ``viewer`` may download it.

    Allowed: its seeker, and employers of a company to whose posting the seeker applied with it.
    :raise NotFound: for anyone else (no hint that the file exists).
    """
    resume = db.session.get(Resume, resume_id)
    if resume is None or not viewer.is_authenticated:
        raise NotFound("No such résumé.")
    allowed = resume.user_id == viewer.id or (
        viewer.is_employer and viewer.company_id is not None and db.session.scalar(
            select(exists().where(
                Application.resume_id == resume.id,
                Application.posting_id == Posting.id,
                Posting.company_id == viewer.company_id,
            ))))
    if not allowed:
        raise NotFound("No such résumé.")
    path = os.path.join(_upload_dir(), resume.stored_name)
    if not os.path.isfile(path):
        current_app.logger.warning("résumé %s: file %s is missing", resume.id, resume.stored_name)
        raise NotFound("The file of this résumé is no longer stored. "
                       "Ask the applicant to upload it again.")
    return resume, path


def delete_resume(user: User, resume_id: int) -> None:
    """Delete one of the user's résumés; its file goes once the deletion is committed.

    Applications sent with it stay, without a résumé.
    :raise NotFound: not the user's résumé.
    """
    resume = _own_resume(user, resume_id)
    db.session.delete(resume)
    db.session.commit()


@event.listens_for(Session, "before_flush")
def _collect_files_to_remove(session, flush_context, instances):
    """Remember the files of résumés deleted in this flush, directly or with their account
    (the database cascades those rows, so they are looked up here)."""
    names = {obj.stored_name for obj in session.deleted if isinstance(obj, Resume)}
    users = [obj.id for obj in session.deleted if isinstance(obj, User) and obj.id is not None]
    if users:
        names |= set(session.connection().scalars(
            select(Resume.stored_name).where(Resume.user_id.in_(users))))
    if names:
        session.info.setdefault(_FILES_TO_REMOVE, set()).update(names)


@event.listens_for(Session, "after_commit")
def _remove_files(session):
    names = session.info.pop(_FILES_TO_REMOVE, None)
    if not names or not has_app_context():
        return
    for name in names:
        try:
            os.remove(os.path.join(current_app.config["UPLOAD_DIR"], name))
        except FileNotFoundError:
            pass
        except OSError:
            current_app.logger.exception("could not remove résumé file %s", name)


@event.listens_for(Session, "after_rollback")
def _forget_files(session):
    session.info.pop(_FILES_TO_REMOVE, None)
