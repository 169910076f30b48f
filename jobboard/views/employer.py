"""The employer's own pages: dashboard and company profile."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from jobboard.forms.profiles import CompanyForm
from jobboard.forms.applications import MoveForm, NoteForm
from jobboard.models.application import EMPLOYER_MOVES, STAGES
from jobboard.services import Conflict, DomainError, NotFound, applications
from jobboard.services.postings import company_posting, company_postings
from jobboard.services.profiles import update_company
from jobboard.services.stats import company_figures
from jobboard.views.helpers import flash_domain_error, role_required

bp = Blueprint("employer", __name__, url_prefix="/employer")


def current_company():
    """The signed-in employer's company.

    :raise 403: the employer belongs to no company (it was deleted).
    """
    if current_user.company is None:
        abort(403)
    return current_user.company


@bp.get("")
@role_required("employer")
def dashboard():
    company = current_company()
    return render_template("employer/dashboard.html", company=company,
                           postings=company_postings(company), figures=company_figures(company))


@bp.route("/company", methods=["GET", "POST"])
@role_required("employer")
def edit_company():
    company = current_company()
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            update_company(company, name=form.name.data, website=form.website.data,
                           city=form.city.data, state=form.state.data, about=form.about.data)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash("The company profile is saved.", "success")
            return redirect(url_for("public.company", slug=company.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("employer/edit_company.html", form=form, company=company), status


@bp.get("/jobs/<int:posting_id>/applicants")
@role_required("employer")
def applicants(posting_id):
    try:
        posting = company_posting(current_user.company, posting_id)
    except NotFound:
        abort(404)
    rows = []
    for application in applications.applicants(posting):
        form = MoveForm(prefix=f"a{application.id}")
        form.stage.choices = [(s, applications.STAGE_LABELS[s]) for s in EMPLOYER_MOVES[application.stage]]
        rows.append((application, form, NoteForm(prefix=f"n{application.id}")))
    return render_template("employer/applicants.html", posting=posting, rows=rows,
                           stage_labels=applications.STAGE_LABELS, stages=STAGES)


def _own_application(application_id):
    """:raise 404: the application is on another company's posting."""
    try:
        return applications.company_application(current_user.company_id, application_id)
    except NotFound:
        abort(404)


@bp.post("/applications/<int:application_id>/move")
@role_required("employer")
def move(application_id):
    application = _own_application(application_id)
    form = MoveForm(prefix=f"a{application.id}")
    form.stage.choices = [(s, s) for s in STAGES]
    if form.validate_on_submit():
        try:
            applications.move(application, form.stage.data)
        except Conflict as error:
            flash(error.message, "danger")
        else:
            flash(f"Moved to {applications.STAGE_LABELS[application.stage]}. The applicant is emailed.",
                  "success")
    return redirect(url_for("employer.applicants", posting_id=application.posting_id))


@bp.post("/applications/<int:application_id>/notes")
@role_required("employer")
def add_note(application_id):
    application = _own_application(application_id)
    form = NoteForm(prefix=f"n{application.id}")
    if form.validate_on_submit():
        applications.add_note(application, current_user._get_current_object(), form.body.data)
        flash("Note saved.", "success")
    else:
        flash("Write something first.", "danger")
    return redirect(url_for("employer.applicants", posting_id=application.posting_id))
