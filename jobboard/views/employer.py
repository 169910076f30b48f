"""The employer's own pages: dashboard and company profile."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from jobboard.forms.profiles import CompanyForm
from jobboard.services import DomainError
from jobboard.services.postings import company_postings
from jobboard.services.profiles import update_company
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
                           postings=company_postings(company))


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
