"""The job seeker's own pages."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from jobboard.forms.profiles import SeekerProfileForm
from jobboard.services import DomainError
from jobboard.services.profiles import (
    all_credentials,
    all_specialties,
    seeker_profile,
    update_seeker_profile,
)
from jobboard.views.helpers import flash_domain_error, role_required

bp = Blueprint("seeker", __name__, url_prefix="/seeker")


@bp.get("")
@role_required("seeker")
def profile():
    return render_template("seeker/profile.html", profile=seeker_profile(current_user))


@bp.route("/profile", methods=["GET", "POST"])
@role_required("seeker")
def edit_profile():
    profile = seeker_profile(current_user)
    form = SeekerProfileForm(obj=profile)
    form.credentials.choices = [(c.abbreviation, f"{c.abbreviation} – {c.name}") for c in all_credentials()]
    form.specialties.choices = [(s.slug, s.name) for s in all_specialties()]
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
