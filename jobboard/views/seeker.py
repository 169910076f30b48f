"""The job seeker's own pages."""
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from jobboard.extensions import csrf, db
from jobboard.forms.applications import (
    EditSearchForm,
    ResumeForm,
    ResumeProposalsForm,
    SaveSearchForm,
)
from jobboard.forms.auth import ConfirmForm
from jobboard.forms.profiles import SeekerProfileForm
from jobboard.models.application import UNDO_WITHDRAW_WITHIN
from jobboard.resume_text import ENCRYPTED, READ, SCANNED
from jobboard.services import DomainError, NotFound, applications, resumes, saved
from jobboard.services.matching import recommendations
from jobboard.services.profiles import (
    all_credentials,
    all_specialties,
    seeker_profile,
    tag_choices,
    update_seeker_profile,
)
from jobboard.services.resumes import (
    accept_proposals,
    current_resume,
    display_name,
    open_proposals,
    resume_for,
    save_resume,
)
from jobboard.services.submissions import AlreadySubmitted, claim, record_result
from jobboard.views.errors import error_response
from jobboard.views.helpers import flash_domain_error, role_required

bp = Blueprint("seeker", __name__, url_prefix="/seeker")


# What the seeker is told about reading an uploaded résumé, by outcome.
READING_MESSAGES = {
    SCANNED: "This PDF has no text we can read — it looks scanned. Employers can still open it; "
             "fill in your profile by hand, or upload a PDF saved from your word processor.",
    ENCRYPTED: "This PDF is password-protected, so we could not read the text. Employers may not be "
               "able to open it either: upload a copy without a password.",
}
UNREAD = "We could not read the text of this file. It is stored as uploaded; fill in your profile by hand."


def _proposals_form(proposals, formdata=None):
    """The suggestions form for the page: ticked on a fresh page, as posted after a refusal."""
    form = ResumeProposalsForm(formdata=formdata, prefix="proposal")
    return form.offer(proposals, {c.abbreviation: c.name for c in all_credentials()},
                      {s.slug: s.name for s in all_specialties()}, tick=formdata is None)


def _profile_page(resume_form=None, status=200, proposals_form=None):
    user = current_user._get_current_object()
    profile = seeker_profile(user)
    recommended = recommendations(profile)
    resume = current_resume(user)
    proposals = open_proposals(profile, resume)
    if proposals and proposals_form is None:
        proposals_form = _proposals_form(proposals)
    return render_template(
        "seeker/profile.html", profile=profile, resume=resume,
        proposals=proposals, proposals_form=proposals_form,
        reading_message=READING_MESSAGES.get(resume.reading, UNREAD)
        if resume and resume.reading and resume.reading != READ else None,
        resume_form=resume_form or ResumeForm(formdata=None),
        applications=applications.seeker_applications(user),
        stage_labels=applications.STAGE_LABELS, saved_jobs=saved.saved_jobs(user),
        saved_searches=saved.saved_searches(user), recommended=recommended,
        marks=saved.marks(user, (posting.id for posting, _ in recommended)),
    ), status


@bp.get("")
@role_required("seeker")
def profile():
    return _profile_page()


@bp.route("/profile", methods=["GET", "POST"])
@role_required("seeker")
def edit_profile():
    profile = seeker_profile(current_user)
    form = SeekerProfileForm(obj=profile)
    choices = tag_choices()
    form.credentials.choices = list(choices.credentials)
    form.specialties.choices = list(choices.specialties)
    if request.method == "GET":
        form.credentials.data = [c.abbreviation for c in profile.credentials]
        form.specialties.data = [s.slug for s in profile.specialties]
    if form.validate_on_submit():
        try:
            update_seeker_profile(
                current_user,
                headline=form.headline.data, credentials=form.credentials.data,
                specialties=form.specialties.data, years_experience=form.years_experience.data,
                city=form.city.data, state=form.state.data,
                preferred_arrangement=form.preferred_arrangement.data,
                desired_salary=form.desired_salary.data,
            )
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("seeker.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("seeker/edit_profile.html", form=form), status


@bp.post("/resume")
@role_required("seeker")
def upload_resume():
    """Store a résumé; a refused file is named beside the field on the profile page (422)."""
    form = ResumeForm()
    if form.validate_on_submit():
        try:
            resume = save_resume(current_user, form.resume.data.stream, form.resume.data.filename)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            if resume.reading != READ:
                flash("Your résumé is uploaded, but we could not read its text: see below.", "warning")
            elif open_proposals(seeker_profile(current_user), resume):
                flash("Your résumé is uploaded. We read it: check the suggestions for your profile below.",
                      "success")
            else:
                flash("Your résumé is uploaded. We read it and found nothing new for your profile.", "success")
            return redirect(url_for("seeker.profile", _anchor="resume-section"))
    return _profile_page(form, 422)


@bp.post("/resumes/<int:resume_id>/proposals")
@role_required("seeker")
def answer_proposals(resume_id):
    """Add the ticked suggestions to the profile in one go, or ignore them all."""
    resume = current_resume(current_user)
    if resume is None or resume.id != resume_id:
        flash("Those suggestions came from a résumé you have since replaced or deleted; nothing was added.",
              "info")
        return redirect(url_for("seeker.profile", _anchor="resume-section"))
    proposals = open_proposals(seeker_profile(current_user), resume)
    form = _proposals_form(proposals, formdata=request.form)
    if not form.validate_on_submit():
        if not resume.proposals:
            flash("You have already answered these suggestions.", "info")
            return redirect(url_for("seeker.profile", _anchor="resume-section"))
        return _profile_page(status=422, proposals_form=form)
    accept = not form.dismiss.data
    try:
        accept_proposals(current_user, resume_id,
                         credentials=form.credentials.data if accept else (),
                         specialties=form.specialties.data if accept else (),
                         years_experience=accept and form.years_experience.data,
                         location=accept and form.location.data)
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash("Your profile is updated from your résumé." if accept else "The suggestions are dismissed.",
              "success" if accept else "info")
    return redirect(url_for("seeker.profile"))


@bp.get("/resumes/<int:resume_id>")
@login_required
def download_resume(resume_id):
    """The seeker, and employers the seeker applied to with it; 404 for everyone else.

    Served as the type its bytes showed at upload, under a name with that type's extension;
    Werkzeug adds an ASCII ``filename`` and an RFC 5987 ``filename*`` for other names.
    """
    try:
        resume, path = resume_for(resume_id, current_user)
    except NotFound as error:
        return error_response(404, error.message)
    response = send_file(path, mimetype=resume.content_type, as_attachment=True,
                         download_name=display_name(resume.original_name, resume.content_type),
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/resumes/<int:resume_id>/delete")
@role_required("seeker")
def delete_resume(resume_id):
    if ConfirmForm().validate_on_submit():
        resumes.delete_resume(current_user, resume_id)
        flash("Your résumé is deleted.", "info")
    return redirect(url_for("seeker.profile"))


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@role_required("seeker")
def withdraw(application_id):
    """Ask first (the page says what the employer sees and how long it can be undone), then do it."""
    application = applications.seeker_application(application_id, current_user)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            applications.withdraw(application_id, current_user)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash("Your application is withdrawn. You can undo this from your applications below "
                  f"for {UNDO_WITHDRAW_WITHIN.days} days.", "info")
        return redirect(url_for("seeker.profile", _anchor="applications"))
    return render_template("seeker/withdraw.html", application=application,
                           stage_labels=applications.STAGE_LABELS, undo_days=UNDO_WITHDRAW_WITHIN.days)


@bp.post("/applications/<int:application_id>/undo-withdraw")
@role_required("seeker")
def undo_withdraw(application_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        application = applications.undo_withdraw(application_id, current_user)
    except NotFound:
        raise  # the 404 page (views/errors.py), not a flashed message
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(f"Your application is back at {applications.STAGE_LABELS[application.stage]}.", "success")
    return redirect(url_for("seeker.profile", _anchor="applications"))


@bp.post("/searches")
@role_required("seeker")
def save_search():
    form = SaveSearchForm()
    if form.validate_on_submit():
        try:
            claim(form.once.data or "")
            saved.save_search(current_user, form.name.data or "", form.query.data or "", form.frequency.data)
        except AlreadySubmitted as sent:
            flash(sent.message, "info")
            return redirect(sent.result_url or url_for("seeker.profile", _anchor="saved-searches"))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            done = url_for("seeker.profile", _anchor="saved-searches")
            record_result(form.once.data or "", done)
            flash("Search saved. We will email you new matches.", "success")
            return redirect(done)
    else:
        problems = [message for messages in form.errors.values() for message in messages]
        flash(" ".join(problems) or "Name the search to save it.", "danger")
    return redirect(url_for("search.jobs") + "?" + saved.clean_query(form.query.data or ""))


@bp.route("/searches/<int:search_id>/edit", methods=["GET", "POST"])
@role_required("seeker")
def edit_search(search_id):
    """Rename a saved search, change its words, its alert frequency, or turn its emails off."""
    search = saved.own_search(current_user, search_id)
    form = EditSearchForm(obj=search)
    if request.method == "GET":
        form.words.data = saved.search_words(search)
    if form.validate_on_submit():
        try:
            saved.update_search(current_user, search_id, form.name.data or "", form.words.data or "",
                                form.frequency.data, form.alerts.data)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash("Saved search updated.", "success")
            return redirect(url_for("seeker.profile", _anchor="saved-searches"))
    status = 422 if request.method == "POST" else 200
    return render_template("seeker/edit_search.html", form=form, search=search), status


@bp.post("/searches/<int:search_id>/delete")
@role_required("seeker")
def delete_search(search_id):
    if ConfirmForm().validate_on_submit():
        saved.delete_search(current_user, search_id)
        flash("Saved search deleted.", "info")
    return redirect(url_for("seeker.profile"))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """From an alert email, without signing in: the signed token is the permission."""
    if request.method == "POST":
        try:
            search = saved.unsubscribe(token)
        except NotFound as error:
            return render_template("seeker/unsubscribe.html", error=error.message), 404
        return render_template("seeker/unsubscribe.html", done=True, search=search)
    return render_template("seeker/unsubscribe.html", token=token)
