"""Résumé files: typed by their bytes, macro and oversized-ZIP refusals, safe download names,
files removed with their résumé or account, a clear 404 for a file lost in a restore."""
import io
import os
import re
import zipfile
from html import unescape

import pytest

from jobboard.extensions import db
from jobboard.models.application import Resume
from jobboard.services import DomainError
from jobboard.services.resumes import MACROS, TOO_COMPLEX, WRONG_TYPE, display_name, sniff
from tests.conftest import PASSWORD, post_form
from tests.test_applications import applied, docx_bytes, job, pdf_bytes, upload  # noqa: F401

CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
PLAIN_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def zip_bytes(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def docm_bytes(with_vba=True, macro_type=True) -> bytes:
    main = MACRO_MAIN if macro_type else PLAIN_MAIN
    parts = {"[Content_Types].xml": CONTENT_TYPES.format(main=main), "word/document.xml": "<w:document/>"}
    if with_vba:
        parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 macro storage"
    return zip_bytes(parts)


def many_entries_zip(entries=40_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main="x"))
        archive.writestr("word/document.xml", "<w:document/>")
        for n in range(entries):
            archive.writestr(f"p/{n}", b"")
    return out.getvalue()


def polyglot_bytes() -> bytes:
    """Starts as a PDF, carries an HTML page with a script and ends like a PDF."""
    return pdf_bytes()[:-6] + b"<html><script>alert(document.cookie)</script></html>\n%%EOF\n"


def stored_resumes(app):
    with app.app_context():
        return [(r.original_name, r.content_type, r.stored_name)
                for r in db.session.scalars(db.select(Resume).order_by(Resume.id))]


def test_sniff_refuses_macros_and_huge_zips():
    with pytest.raises(DomainError, match="macros"):
        sniff(docm_bytes())
    with pytest.raises(DomainError, match="macros"):
        sniff(docm_bytes(with_vba=False))
    with pytest.raises(DomainError, match="macros"):
        sniff(docm_bytes(macro_type=False))
    assert sniff(docm_bytes(with_vba=False, macro_type=False))[1] == ".docx"
    with pytest.raises(DomainError, match="too many parts"):
        sniff(many_entries_zip())
    assert sniff(b"PK\x03\x04 not really a zip") is None
    assert sniff(polyglot_bytes())[1] == ".pdf"


def test_a_zip_lying_about_its_entry_count_is_still_capped():
    data = bytearray(many_entries_zip(2_000))
    at = data.rfind(b"PK\x05\x06")
    data[at + 8:at + 12] = (3).to_bytes(2, "little") * 2  # claims 3 entries
    with pytest.raises(DomainError, match="too many parts"):
        sniff(bytes(data))


@pytest.mark.parametrize("name, content_type, expected", [
    ("cv.html", "application/pdf", "cv.pdf"),
    ("cv", "application/pdf", "cv.pdf"),
    ("My CV.final.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "My CV.final.docx"),
    ("cv\r\nX-Injected: 1.pdf", "application/pdf", "cv__X-Injected: 1.pdf"),
    ("..\\..\\etc\\passwd", "application/pdf", "passwd.pdf"),
    ("\x00", "application/pdf", "_.pdf"),
    ("", "application/pdf", "resume.pdf"),
])
def test_display_name(name, content_type, expected):
    assert display_name(name, content_type) == expected


@pytest.fixture
def seeker(app, auth):
    auth.register("seeker", email="ann@example.com")
    return auth.client


def test_pdf_html_polyglot_is_stored_and_served_as_pdf(app, seeker):
    assert upload(seeker, polyglot_bytes(), "cv.html").status_code == 302
    [(name, content_type, stored)] = stored_resumes(app)
    assert (name, content_type) == ("cv.pdf", "application/pdf") and stored.endswith(".pdf")
    with app.app_context():
        resume_id = db.session.scalar(db.select(Resume.id))
    response = seeker.get(f"/seeker/resumes/{resume_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=cv.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, name, message", [
    (docm_bytes(), "cv.docm", MACROS),
    (docm_bytes(with_vba=False), "cv.docx", MACROS),
    (many_entries_zip(), "cv.docx", TOO_COMPLEX),
    (b"<html><body>Hi</body></html>", "cv.pdf", WRONG_TYPE),
    (zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text"}), "cv.odt", WRONG_TYPE),
    (b"{\\rtf1 hello}", "cv.rtf", WRONG_TYPE),
])
def test_refused_types_get_a_message_beside_the_field(app, seeker, data, name, message):
    response = upload(seeker, data, name)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert re.search(r'id="resume" [^>]*is-invalid|class="form-control is-invalid"[^>]*id="resume"', html)
    assert f'<div class="invalid-feedback" id="resume-error">{message}</div>' in html
    assert stored_resumes(app) == []
    assert not os.path.exists(app.config["UPLOAD_DIR"]) or os.listdir(app.config["UPLOAD_DIR"]) == []


def test_the_file_input_has_a_unique_id_and_a_label(app, seeker):
    html = seeker.get("/seeker").get_data(as_text=True)
    assert html.count('id="resume"') == 1
    assert '<label class="form-label" for="resume">' in html


@pytest.mark.parametrize("stored_name, disposition", [
    ("cv\r\nSet-Cookie: a=b.pdf", "attachment; filename=\"cv__Set-Cookie: a=b.pdf\""),
    ("Résumé Müller.pdf", "attachment; filename=\"Resume Muller.pdf\"; "
                          "filename*=UTF-8''R%C3%A9sum%C3%A9%20M%C3%BCller.pdf"),
    ("履歴書.pdf", "attachment; filename=.pdf; filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf"),
    ('a"b;c.pdf', 'attachment; filename="a\\"b;c.pdf"'),
])
def test_downloads_survive_any_stored_name(app, seeker, stored_name, disposition):
    upload(seeker, pdf_bytes(), "cv.pdf")
    with app.app_context():  # a row stored before names were cleaned
        resume = db.session.scalar(db.select(Resume))
        resume.original_name = stored_name
        db.session.commit()
        resume_id = resume.id
    response = seeker.get(f"/seeker/resumes/{resume_id}")
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.headers["Content-Disposition"] == disposition


def test_deleting_a_resume_removes_its_file_and_keeps_the_application(app, job):  # noqa: F811
    applicant, application_id = applied(app, job)
    [(_, _, stored)] = stored_resumes(app)
    assert os.listdir(app.config["UPLOAD_DIR"]) == [stored]
    with app.app_context():
        resume_id = db.session.scalar(db.select(Resume.id))
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).register("seeker")
    assert post_form(other, f"/seeker/resumes/{resume_id}/delete", {}, page="/seeker").status_code == 404
    assert os.listdir(app.config["UPLOAD_DIR"]) == [stored]
    response = post_form(applicant, f"/seeker/resumes/{resume_id}/delete", {}, page="/seeker")
    assert response.status_code == 302
    assert stored_resumes(app) == [] and os.listdir(app.config["UPLOAD_DIR"]) == []
    from jobboard.models.application import Application

    with app.app_context():
        assert db.session.get(Application, application_id).resume_id is None


def test_deleting_the_account_removes_its_files(app, seeker):
    upload(seeker, pdf_bytes(), "cv.pdf")
    upload(seeker, docx_bytes(), "cv.docx")
    assert len(os.listdir(app.config["UPLOAD_DIR"])) == 2
    response = post_form(seeker, "/account", {"action": "delete", "del-current_password": PASSWORD,
                                              "del-confirm": "y"})
    assert response.status_code == 302
    assert stored_resumes(app) == [] and os.listdir(app.config["UPLOAD_DIR"]) == []


def test_a_failed_deletion_keeps_the_files(app, seeker):
    upload(seeker, pdf_bytes(), "cv.pdf")
    with app.app_context():
        db.session.delete(db.session.scalar(db.select(Resume)))
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # nothing left to commit: the rolled-back deletion must not act
    assert len(os.listdir(app.config["UPLOAD_DIR"])) == 1


def test_a_file_missing_after_a_restore_is_a_clear_404(app, seeker):
    upload(seeker, pdf_bytes(), "cv.pdf")
    [(_, _, stored)] = stored_resumes(app)
    os.remove(os.path.join(app.config["UPLOAD_DIR"], stored))
    with app.app_context():
        resume_id = db.session.scalar(db.select(Resume.id))
    response = seeker.get(f"/seeker/resumes/{resume_id}")
    assert response.status_code == 404
    assert "The file of this résumé is no longer stored." in unescape(response.get_data(as_text=True))
