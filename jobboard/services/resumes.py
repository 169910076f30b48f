"""Résumés: PDF or DOCX up to 5 MB, recognised by their bytes, stored outside static/."""
import io
import os
import secrets
import zipfile

from flask import current_app
from sqlalchemy import exists, select

from jobboard.extensions import db
from jobboard.models.application import Application, Resume
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import DomainError, NotFound

MAX_RESUME_BYTES = 5 * 1024 * 1024
PDF = ("application/pdf", ".pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")


def sniff(data: bytes):
    """(content type, extension) from the file's bytes, or None when it is neither PDF nor DOCX."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return DOCX
    return None


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
        raise DomainError("Upload a PDF or a Word (.docx) file.", field="resume")
    content_type, extension = kind
    stored_name = secrets.token_hex(16) + extension
    final = os.path.join(_upload_dir(), stored_name)
    partial = final + ".part"
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except OSError:
        if os.path.exists(partial):
            os.remove(partial)
        current_app.logger.exception("résumé write failed")
        raise DomainError("We could not store the file. Please try again.", field="resume")
    original = os.path.basename(filename or "resume")[:200] or "resume" + extension
    resume = Resume(user_id=user.id, stored_name=stored_name, original_name=original,
                    content_type=content_type, size=len(data))
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
    return resume, os.path.join(_upload_dir(), resume.stored_name)
