"""The employer's own pages: dashboard, company profile and team."""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from jobboard.forms.applications import MoveForm, NoteForm
from jobboard.forms.auth import ConfirmForm
from jobboard.forms.profiles import CompanyForm
from jobboard.forms.team import InviteForm, JoinCodeForm
from jobboard.models.application import EMPLOYER_MOVES, PIPELINE, STAGES
from jobboard.services import Conflict, DomainError, applications, companies
from jobboard.services.dashboard import SORTS, STATUSES, dashboard_page
from jobboard.services.postings import company_posting
from jobboard.services.profiles import update_company
from jobboard.services.stats import company_figures
from jobboard.views.helpers import flash_domain_error, role_required

bp = Blueprint("employer", __name__, url_prefix="/employer")


def current_company():
    """The signed-in employer's company.

    :raise 403: the employer belongs to no company (its request waits for approval, was
        declined, or they were removed): the waiting page, with a form to enter a code.
    """
    if current_user.company is None:
        abort(make_response(_waiting_page(JoinCodeForm(formdata=None)), 403))
    return current_user.company


def _waiting_page(form):
    return render_template("employer/team_waiting.html", form=form,
                           join_request=companies.latest_request(current_user))


@bp.post("/join")
@role_required("employer")
def join():
    """An employer without a company enters a join code (a request) or an invitation code."""
    form = JoinCodeForm()
    if form.validate_on_submit():
        try:
            company = companies.join_with_code(current_user._get_current_object(), form.join_code.data or "")
        except Conflict as error:
            flash(error.message, "info")
            return redirect(url_for("employer.dashboard"))
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash(f"You joined {company.name}." if company else
                  "Your request is sent. A colleague at the company must approve it.", "success")
            return redirect(url_for("employer.dashboard"))
    return _waiting_page(form), 422


def _team_page(invite_form=None, status=200):
    company = current_company()
    return render_template(
        "employer/team.html", company=company, members=companies.members(company),
        join_requests=companies.pending_requests(company),
        invitations=companies.open_invitations(company),
        invite_form=invite_form or InviteForm(formdata=None)), status


@bp.get("/team")
@role_required("employer")
def team():
    """Colleagues, requests to join, invitations and the join code."""
    return _team_page()


@bp.post("/team/requests/<int:request_id>/<any(approve, decline):decision>")
@role_required("employer")
def decide_request(request_id, decision):
    company = current_company()
    if ConfirmForm().validate_on_submit():
        try:
            join_request = companies.decide(company, current_user._get_current_object(), request_id,
                                            approve=decision == "approve")
        except Conflict as error:
            flash(error.message, "danger")
        else:
            who = join_request.user.name or join_request.user.email
            flash(f"{who} is now a member of {company.name}." if decision == "approve"
                  else f"The request of {who} is declined.", "success")
    return redirect(url_for("employer.team"))


@bp.post("/team/members/<int:user_id>/remove")
@role_required("employer")
def remove_member(user_id):
    company = current_company()
    if ConfirmForm().validate_on_submit():
        try:
            user = companies.remove_member(company, current_user._get_current_object(), user_id)
        except Conflict as error:
            flash(error.message, "danger")
        else:
            flash(f"{user.name or user.email} no longer has access to {company.name}. "
                  f"Rotate the join code if they know it.", "success")
    return redirect(url_for("employer.team"))


@bp.post("/team/join-code")
@role_required("employer")
def rotate_join_code():
    company = current_company()
    if ConfirmForm().validate_on_submit():
        companies.rotate_join_code(company)
        flash("The join code is replaced. The old one no longer works.", "success")
    return redirect(url_for("employer.team"))


@bp.post("/team/invitations")
@role_required("employer")
def invite():
    company = current_company()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            companies.invite(company, current_user._get_current_object(), form.email.data)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash(f"Invitation emailed to {form.email.data}.", "success")
            return redirect(url_for("employer.team"))
    return _team_page(form, 422)


@bp.get("")
@role_required("employer")
def dashboard():
    """Postings with status, figures and applicants by stage; filter by status, sort, pages."""
    company = current_company()
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    sort = request.args.get("sort", "updated")
    if sort not in SORTS:
        sort = "updated"
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
    listing = dashboard_page(company, status, sort, page)

    def url(**changes):
        args = {"status": status, "sort": sort if sort != "updated" else None, "page": None, **changes}
        return url_for("employer.dashboard", **{k: v for k, v in args.items() if v})

    return render_template("employer/dashboard.html", company=company, listing=listing,
                           figures=company_figures(company), status=status, sort=sort,
                           statuses=STATUSES, sorts={k: label for k, (label, _) in SORTS.items()},
                           url=url, page_url=lambda n: url(page=n if n > 1 else None),
                           stage_labels=applications.STAGE_LABELS, pipeline=STAGES)


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
    posting = company_posting(current_user.company, posting_id)
    rows = []
    for application in applications.applicants(posting):
        form = MoveForm(prefix=f"a{application.id}")
        form.stage.choices = [(s, applications.STAGE_LABELS[s]) for s in EMPLOYER_MOVES[application.stage]]
        rows.append((application, form, NoteForm(prefix=f"n{application.id}")))
    return render_template("employer/applicants.html", posting=posting, rows=rows,
                           stage_labels=applications.STAGE_LABELS, stages=STAGES, open_stages=PIPELINE)


@bp.post("/applications/<int:application_id>/move")
@role_required("employer")
def move(application_id):
    application = applications.company_application(current_user.company_id, application_id)
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


@bp.post("/jobs/<int:posting_id>/applicants/reject")
@role_required("employer")
def reject_many(posting_id):
    """Reject the ticked applicants of one posting; each is emailed."""
    posting = company_posting(current_user.company, posting_id)
    if ConfirmForm().validate_on_submit():
        ids = [int(i) for i in request.form.getlist("application") if i.isdigit() and len(i) < 12]
        if not ids:
            flash("Tick the applicants to reject first.", "danger")
        else:
            n = applications.reject_many(posting, ids)
            flash(f"{n} applicant{'' if n == 1 else 's'} marked not selected. Each is emailed.", "success")
    return redirect(url_for("employer.applicants", posting_id=posting.id))


@bp.post("/applications/<int:application_id>/notes")
@role_required("employer")
def add_note(application_id):
    application = applications.company_application(current_user.company_id, application_id)
    form = NoteForm(prefix=f"n{application.id}")
    if form.validate_on_submit():
        applications.add_note(application, current_user._get_current_object(), form.body.data or "")
        flash("Note saved.", "success")
    else:
        flash("Write something first.", "danger")
    return redirect(url_for("employer.applicants", posting_id=application.posting_id))
