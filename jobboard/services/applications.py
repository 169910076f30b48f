"""Applying on the site and the applicant pipeline both sides can see."""
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.application import Application, ApplicationNote, IllegalMove
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import Conflict, DomainError, NotFound
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.services.resumes import current_resume
from jobboard.urls import external_url

ALREADY_APPLIED = "You already applied to this job."
MAX_COVER_NOTE = 4000
STAGE_LABELS = {"applied": "Applied", "screening": "Screening", "interview": "Interview",
                "offer": "Offer", "hired": "Hired", "rejected": "Not selected",
                "withdrawn": "Withdrawn"}


def existing_application(posting: Posting, seeker: User) -> Application | None:
    return db.session.scalar(select(Application).where(
        Application.posting_id == posting.id, Application.seeker_id == seeker.id))


def apply(posting: Posting, seeker: User, cover_note: str, resume=None) -> Application:
    """One application per seeker and posting; a repeat or a double click is a Conflict.

    The unique constraint decides races: the losing insert rolls back and reports the same
    Conflict as a plain repeat. The employers and the seeker are emailed in the same transaction.
    """
    if not posting.is_visible:
        raise DomainError("This job is no longer taking applications.")
    if not posting.applies_on_site:
        raise DomainError("This employer takes applications on its own site.")
    if existing_application(posting, seeker):
        raise Conflict(ALREADY_APPLIED) from None
    cover_note = (cover_note or "").strip()
    if len(cover_note) > MAX_COVER_NOTE:
        raise DomainError(f"Keep the note to {MAX_COVER_NOTE:,} characters; it has {len(cover_note):,}.",
                          field="cover_note")
    resume = resume or current_resume(seeker)
    if resume is None:
        raise DomainError("Attach your résumé (PDF or DOCX).", field="resume")
    application = Application(posting=posting, seeker=seeker, resume=resume,
                              cover_note=cover_note)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(ALREADY_APPLIED) from None
    for employer in posting.company.employers:
        if employer.active:
            queue_email(
                employer.email, f"New application: {posting.title}",
                f"{seeker.name or seeker.email} applied to {posting.title}.\n\n"
                "Review applicants: "
                f"{external_url('employer.applicants', posting_id=posting.id)}\n")
    queue_email(
        seeker.email, f"Application sent: {posting.title} at {posting.company.name}",
        f"Your application for {posting.title} at {posting.company.name} was sent "
        f"with the résumé {resume.original_name}.\n\n"
        f"The job: {external_url('postings.detail', posting_id=posting.id)}\n"
        f"Follow your applications: {external_url('seeker.profile')}\n")
    try:
        commit_and_deliver()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(ALREADY_APPLIED) from None
    return application


def _notify_seeker(application: Application) -> None:
    queue_email(
        application.seeker.email,
        f"Your application to {application.posting.company.name}: {STAGE_LABELS[application.stage]}",
        f"Your application for {application.posting.title} at {application.posting.company.name} "
        f"is now at the stage: {STAGE_LABELS[application.stage]}.\n\n"
        f"See all your applications: {external_url('seeker.profile')}\n")


def move(application: Application, stage: str) -> Application:
    """An employer moves an application to another stage; the seeker is emailed."""
    try:
        application.move_to(stage)
    except IllegalMove:
        raise Conflict(f"An application at {STAGE_LABELS[application.stage].lower()} cannot move "
                       f"to {STAGE_LABELS.get(stage, stage).lower()}.") from None
    _notify_seeker(application)
    commit_and_deliver()
    return application


def reject_many(posting: Posting, application_ids) -> int:
    """Reject the chosen open applications of one posting at once; each seeker is emailed.

    Ids of other postings and applications already decided or withdrawn are left alone.
    Returns how many were rejected.
    """
    chosen = db.session.scalars(select(Application).where(
        Application.posting_id == posting.id, Application.id.in_(list(application_ids)))).all()
    rejected = 0
    for application in chosen:
        try:
            application.reject()
        except IllegalMove:
            continue
        _notify_seeker(application)
        rejected += 1
    commit_and_deliver()
    return rejected


def seeker_application(application_id: int, seeker: User) -> Application:
    """:raise NotFound: the application is missing or another seeker's."""
    application = db.session.get(Application, application_id)
    if application is None or application.seeker_id != seeker.id:
        raise NotFound("No such application.")
    return application


def withdraw(application_id: int, seeker: User) -> Application:
    """The seeker takes an application back (before a decision); it can be undone for a while."""
    application = seeker_application(application_id, seeker)
    try:
        application.withdraw()
    except IllegalMove as error:
        raise Conflict(str(error)) from None
    db.session.commit()
    return application


def undo_withdraw(application_id: int, seeker: User) -> Application:
    """Put a withdrawn application back at the stage it was withdrawn from."""
    application = seeker_application(application_id, seeker)
    try:
        application.undo_withdraw()
    except IllegalMove as error:
        raise Conflict(str(error)) from None
    db.session.commit()
    return application


def add_note(application: Application, author: User, body: str) -> ApplicationNote:
    body = (body or "").strip()
    if not body:
        raise DomainError("Write something first.", field="body")
    note = ApplicationNote(application=application, author=author, body=body[:4000])
    db.session.add(note)
    db.session.commit()
    return note


def company_application(company_id: int | None, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or company_id is None or application.posting.company_id != company_id:
        raise NotFound("No such application.")
    return application


def applicants(posting: Posting) -> Sequence[Application]:
    return db.session.scalars(select(Application).where(Application.posting_id == posting.id)
                              .order_by(Application.created_at)).all()


def seeker_applications(seeker: User) -> Sequence[Application]:
    return db.session.scalars(select(Application).where(Application.seeker_id == seeker.id)
                              .order_by(Application.created_at.desc())).all()
