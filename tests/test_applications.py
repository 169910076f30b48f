"""Résumés, applying, the pipeline, notifications, matching and saved jobs."""
import io
import re
import zipfile
from datetime import timedelta

import pytest

from jobboard.extensions import db
from jobboard.models.application import Application, Resume
from jobboard.models.base import utcnow
from jobboard.models.mail import OutboundEmail
from jobboard.models.user import User
from jobboard.services.resumes import sniff
from tests.conftest import Auth, post_form
from tests.factories import approve_join_requests, make_employer, make_posting
from tests.pdfs import pdf_with_lines


def pdf_bytes(text="Jordan Reyes, CPC") -> bytes:
    """A small but real one-page PDF."""
    return pdf_with_lines([text])


def docx_bytes() -> bytes:
    """A minimal Word document: the parts Word itself requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="xml" ContentType="application/xml"/></Types>')
        archive.writestr("word/document.xml",
                         '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                         "<w:body><w:p><w:r><w:t>Coder</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def test_sniffing_by_bytes_not_names():
    assert sniff(pdf_bytes())[0] == "application/pdf"
    assert sniff(docx_bytes())[1] == ".docx"
    assert sniff(b"MZ\x90\x00" + b"\x00" * 100) is None  # a Windows executable
    assert sniff(b"%PDF-1.4 but truncated") is None
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "x")
    assert sniff(plain_zip.getvalue()) is None


def upload(client, data, name):
    return post_form(client, "/seeker/resume", {"resume": (io.BytesIO(data), name)},
                     page="/seeker", content_type="multipart/form-data")


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 2000, "resume.pdf", "Upload a PDF or a Word (.docx) file."),
    (b"", "empty.pdf", "The file is empty."),
])
def test_bad_uploads_are_refused_with_a_clear_message(app, client, auth, data, name, message):
    auth.register("seeker")
    response = upload(client, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resume.id))) == 0


def test_six_megabyte_upload_is_a_413_with_a_message(app, client, auth):
    auth.register("seeker")
    response = upload(client, pdf_bytes() + b"0" * (6 * 1024 * 1024), "big.pdf")
    assert response.status_code == 413
    assert "at most 5 MB" in response.get_data(as_text=True)


def test_real_pdf_and_docx_upload_and_download(app, client, auth):
    auth.register("seeker")
    assert upload(client, pdf_bytes(), "../../etc/My CV.pdf").status_code == 302
    assert upload(client, docx_bytes(), "cv.docx").status_code == 302
    with app.app_context():
        resumes = db.session.scalars(db.select(Resume).order_by(Resume.id)).all()
        assert [r.content_type for r in resumes] == [
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
        assert resumes[0].original_name == "My CV.pdf"
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", resumes[0].stored_name)
        resume_id = resumes[0].id
    response = client.get(f"/seeker/resumes/{resume_id}")
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]


def test_failed_write_leaves_no_file_and_no_row(app, client, auth, monkeypatch, tmp_path):
    auth.register("seeker")
    import os

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    response = upload(client, pdf_bytes(), "cv.pdf")
    assert "We could not store the file" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resume.id))) == 0
    assert os.listdir(app.config["UPLOAD_DIR"]) == []


@pytest.fixture
def job(app):
    with app.app_context():
        employer = make_employer(email="boss@example.com")
        posting = make_posting(author=employer, title="Remote E/M Coder",
                               specialties=["evaluation-management"],
                               credentials_required=["CPC", "CRC"])
        return posting.id


def seeker_with_resume(app, email="applicant@example.com"):
    client = app.test_client()
    Auth(client).register("seeker", email=email, name="Jordan Reyes")
    upload(client, pdf_bytes(), "cv.pdf")
    return client


def applied(app, job):
    """A seeker with a résumé who has applied to ``job``: (their client, the application id)."""
    applicant = seeker_with_resume(app)
    post_form(applicant, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        return applicant, db.session.scalar(db.select(Application.id))


def test_apply_once_then_already_applied(app, job, mailbox):
    client = seeker_with_resume(app)
    page = f"/jobs/{job}"
    response = post_form(client, f"{page}/apply", {"cover_note": "Six years of E/M."}, page=page)
    assert response.status_code == 302
    again = post_form(client, f"{page}/apply", {"cover_note": "again"}, page=page)
    assert again.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "You already applied to this job." in html and "Stage: <strong>Applied</strong>" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 1
    [message] = mailbox.to("boss@example.com")
    assert message["Subject"] == "New application: Remote E/M Coder"
    assert f"/employer/jobs/{job}/applicants" in mailbox.body(message)
    [copy] = mailbox.to("applicant@example.com")
    with app.app_context():
        company = db.session.get(Application, 1).posting.company.name
    assert copy["Subject"] == f"Application sent: Remote E/M Coder at {company}"
    assert "with the résumé cv.pdf" in mailbox.body(copy)
    assert f"http://jobs.test/jobs/{job}" in mailbox.body(copy)
    assert len(mailbox.messages) == 2


def test_apply_needs_a_resume_and_an_open_posting(app, job):
    client = app.test_client()
    Auth(client).register("seeker")
    page = f"/jobs/{job}"
    response = post_form(client, f"{page}/apply", {"cover_note": "hi"}, page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    beside = r'id="resume"[^>]*>\s*<div class="invalid-feedback">Attach your résumé \(PDF or DOCX\).</div>'
    assert re.search(beside, html)
    assert re.search(r'<textarea[^>]*id="cover_note"[^>]*>\s*hi</textarea>', html)
    with app.app_context():
        closed = make_posting(status="closed").id
        external = make_posting(apply_url="https://careers.example.com/1").id
    client = seeker_with_resume(app, "second@example.com")
    response = post_form(client, f"/jobs/{closed}/apply", {}, page=f"/jobs/{job}")
    assert response.status_code == 302
    post_form(client, f"/jobs/{external}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_who_may_download_a_resume(app, job):
    applicant = seeker_with_resume(app)
    post_form(applicant, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        resume_id = db.session.scalar(db.select(Resume.id))
        company = db.session.scalar(db.select(User).where(User.email == "boss@example.com")).company
        join_code = company.join_code
    url = f"/seeker/resumes/{resume_id}"
    owner = app.test_client()
    Auth(owner).login("boss@example.com")
    colleague, other_employer, other_seeker, visitor = (app.test_client() for _ in range(4))
    Auth(colleague).register("employer", join_code=join_code)
    assert colleague.get(url).status_code == 404  # a request to join gives no access until approved
    with app.app_context():
        approve_join_requests()
    Auth(other_employer).register("employer", company_name="Elsewhere")
    Auth(other_seeker).register("seeker")
    assert applicant.get(url).status_code == 200
    assert owner.get(url).status_code == 200
    assert colleague.get(url).status_code == 200
    assert other_employer.get(url).status_code == 404
    assert other_seeker.get(url).status_code == 404
    assert visitor.get(url).status_code == 302


def move(client, application_id, stage):
    return post_form(client, f"/employer/applications/{application_id}/move",
                     {f"a{application_id}-stage": stage}, page="/employer")


@pytest.mark.parametrize("path, final, emails", [
    (["screening", "interview", "offer", "hired"], "hired", 4),
    (["screening", "rejected"], "rejected", 2),
    (["interview"], "interview", 1),  # forward past a step
    (["offer", "screening"], "screening", 2),  # and back
    (["rejected", "screening"], "screening", 2),  # a rejection taken back
    (["hired"], "applied", 0),  # hiring needs an offer first
    (["screening", "screening"], "screening", 1),
    (["withdrawn"], "applied", 0),  # only the seeker withdraws
])
def test_pipeline_moves(app, job, mailbox, path, final, emails):
    applicant, application_id = applied(app, job)
    employer = app.test_client()
    Auth(employer).login("boss@example.com")
    mailbox.clear()
    for stage in path:
        move(employer, application_id, stage)
    with app.app_context():
        assert db.session.get(Application, application_id).stage == final
    assert len(mailbox.to("applicant@example.com")) == emails
    applicants = employer.get(f"/employer/jobs/{job}/applicants").get_data(as_text=True)
    assert "Jordan Reyes" in applicants
    seeker_page = applicant.get("/seeker").get_data(as_text=True)
    label = {"rejected": "Not selected"}.get(final, final.capitalize())
    assert f'<span class="badge text-bg-primary stage">{label}</span>' in seeker_page


def test_other_company_cannot_see_or_move_applicants(app, job):
    applicant, application_id = applied(app, job)
    other = app.test_client()
    Auth(other).register("employer", company_name="Elsewhere")
    assert other.get(f"/employer/jobs/{job}/applicants").status_code == 404
    assert move(other, application_id, "screening").status_code == 404
    assert applicant.get(f"/employer/jobs/{job}/applicants").status_code == 403


def test_private_notes_and_withdrawal(app, job):
    applicant, application_id = applied(app, job)
    employer = app.test_client()
    Auth(employer).login("boss@example.com")
    post_form(employer, f"/employer/applications/{application_id}/notes",
              {f"n{application_id}-body": "Strong E/M audit scores"}, page="/employer")
    assert "Strong E/M audit scores" in employer.get(f"/employer/jobs/{job}/applicants").get_data(as_text=True)
    assert "Strong E/M audit scores" not in applicant.get("/seeker").get_data(as_text=True)
    post_form(applicant, f"/seeker/applications/{application_id}/withdraw", {}, page="/seeker")
    with app.app_context():
        assert db.session.get(Application, application_id).stage == "withdrawn"
    assert move(employer, application_id, "screening").status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).stage == "withdrawn"


def test_smtp_down_then_back_sends_each_message_once(app, job, mailbox, runner):
    applicant = seeker_with_resume(app)  # registered (and confirmed by email) while the relay worked
    mailbox.refuse = True
    post_form(applicant, f"/jobs/{job}/apply", {}, page=f"/jobs/{job}")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 1  # nothing lost
        pending = db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.sent_at.is_(None))).all()
        assert len(pending) == 2 and all("451" in p.last_error for p in pending)
    assert mailbox.messages == []
    mailbox.refuse = False
    from jobboard.services.mail import deliver_pending

    with app.app_context():
        assert deliver_pending() == (0, 0)  # the retry waits (backoff)
        later = utcnow() + timedelta(minutes=2)
        assert deliver_pending(now=later) == (2, 0)
        assert deliver_pending(now=later) == (0, 0)
    assert sorted(m["To"] for m in mailbox.messages) == ["applicant@example.com", "boss@example.com"]


def test_names_cannot_inject_mail_headers(app, mailbox):
    with app.app_context():
        employer = make_employer(email="boss2@example.com")
        posting_id = make_posting(author=employer, title="Coder\r\nBcc: victim@example.com").id
    client = app.test_client()
    _, refused = Auth(client).register("seeker", name="Eve\nBcc: x@example.com")
    assert refused.status_code == 422  # one-line fields refuse line breaks at the form
    Auth(client).register("seeker", name="Eve")
    upload(client, pdf_bytes(), "cv.pdf")
    post_form(client, f"/jobs/{posting_id}/apply", {}, page=f"/jobs/{posting_id}")
    [message] = mailbox.to("boss2@example.com")
    assert message["Bcc"] is None and "\n" not in message["Subject"]
    assert message["Subject"] == "New application: Coder Bcc: victim@example.com"


def test_matching_on_the_posting_page_and_recommendations(app, job):
    client = app.test_client()
    Auth(client).register("seeker")
    post_form(client, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["evaluation-management"],
                                          "preferred_arrangement": "remote"})
    html = client.get(f"/jobs/{job}").get_data(as_text=True)
    assert "Missing: CRC" in html and "Specialties you share: Evaluation and Management" in html
    post_form(client, "/seeker/profile", {"credentials": ["CPC", "CRC"],
                                          "specialties": ["evaluation-management"]})
    assert "You meet the requirements." in client.get(f"/jobs/{job}").get_data(as_text=True)
    with app.app_context():
        other = make_posting(title="Radiology reader", specialties=["radiology"],
                             credentials_required=["RCC"]).id
    profile = client.get("/seeker").get_data(as_text=True)
    recommended = profile.split('id="recommended"', 1)[1].split("</section>", 1)[0]
    assert f'/jobs/{job}"' in recommended and f'/jobs/{other}"' not in recommended


def test_save_and_unsave_a_job(app, job):
    client = app.test_client()
    Auth(client).register("seeker")
    for _ in range(2):  # a double click keeps one row
        post_form(client, f"/jobs/{job}/save", {}, page=f"/jobs/{job}")
    saved = client.get("/seeker").get_data(as_text=True).split('id="saved-jobs"', 1)[1]
    assert "Remote E/M Coder" in saved.split("</section>", 1)[0]
    post_form(client, f"/jobs/{job}/unsave", {}, page=f"/jobs/{job}")
    saved = client.get("/seeker").get_data(as_text=True).split('id="saved-jobs"', 1)[1]
    assert "None yet." in saved.split("</section>", 1)[0]


def test_lists_of_postings_load_their_tags_in_a_fixed_number_of_queries(app, job):
    """Cards show specialties and credentials: one query per posting would grow with the list."""
    from sqlalchemy import event

    client = app.test_client()
    Auth(client).register("seeker")
    post_form(client, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["evaluation-management"]})
    with app.app_context():
        for n in range(15):
            make_posting(title=f"E/M coder {n}", specialties=["evaluation-management"])
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    urls = ("/seeker", "/", "/specialties/evaluation-management")

    def counts():
        found = {}
        event.listen(engine, "before_cursor_execute", record)
        try:
            for url in urls:
                statements.clear()
                assert client.get(url).status_code == 200
                found[url] = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return found

    counts()  # fill the per-process caches (code figures, pay figures) first
    fifteen = counts()
    with app.app_context():
        for n in range(15, 30):
            make_posting(title=f"E/M coder {n}", specialties=["evaluation-management"])
    counts()
    # Twice the postings on every list, the same number of queries (and a small one).
    assert counts() == fifteen
    assert max(fifteen.values()) <= 25, fifteen
