"""The seeker's skills checks: pick a specialty, take a fresh quiz, see the marked result."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from jobboard.extensions import limiter
from jobboard.forms.auth import ConfirmForm
from jobboard.forms.skills import answer_form
from jobboard.services import Conflict, DomainError, NotFound, skills
from jobboard.views.helpers import role_required

bp = Blueprint("skills", __name__, url_prefix="/seeker/skills")


def _per_seeker():
    """Rate-limit key: the signed-in seeker, whatever address they come from."""
    user_id = getattr(current_user, "id", None)
    return f"seeker:{user_id}" if user_id else get_remote_address()


def own_attempt(attempt_id):
    """:raise 404: the attempt does not exist or is another seeker's."""
    try:
        return skills.get_attempt(attempt_id, current_user)
    except NotFound:
        abort(404)


@bp.app_template_global()
def shared_skill_scores(user_id):
    """Skills-check scores the seeker chose to show employers (for the applicant pipeline)."""
    return skills.shared_attempts(user_id)


@bp.get("")
@role_required("seeker")
def index():
    return render_template("seeker/skills.html", specialties=skills.quiz_specialties(),
                           best=skills.best_attempts(current_user), length=skills.QUIZ_LENGTH)


@bp.post("/<slug>/start")
@role_required("seeker")
@limiter.limit(lambda: current_app.config["RATELIMIT_QUIZ"], key_func=_per_seeker)
def start(slug):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt = skills.start_attempt(current_user, skills.quiz_specialty(slug))
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("skills.index"), 303)
    return redirect(url_for("skills.attempt", attempt_id=attempt.id), 303)


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@role_required("seeker")
def attempt(attempt_id):
    attempt = own_attempt(attempt_id)
    if attempt.is_scored:
        return redirect(url_for("skills.result", attempt_id=attempt.id), 303)
    form = answer_form(attempt)
    if form.validate_on_submit():
        try:
            skills.submit_attempt(attempt, form.answers())
        except DomainError as error:
            flash(error.message, "danger")
        else:
            return redirect(url_for("skills.result", attempt_id=attempt.id), 303)
    elif form.is_submitted():
        flash("Some answers are missing or not among the choices: see the marked questions.", "danger")
    status = 422 if form.is_submitted() else 200
    return render_template("seeker/skills_quiz.html", attempt=attempt, form=form), status


@bp.get("/attempts/<int:attempt_id>/result")
@role_required("seeker")
def result(attempt_id):
    attempt = own_attempt(attempt_id)
    if not attempt.is_scored:
        return redirect(url_for("skills.attempt", attempt_id=attempt.id))
    return render_template("seeker/skills_result.html", attempt=attempt)


@bp.post("/attempts/<int:attempt_id>/share")
@role_required("seeker")
def share(attempt_id):
    attempt = own_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shared = request.form.get("share") == "1"
    try:
        skills.share_attempt(attempt, shared)
    except Conflict as error:
        flash(error.message, "danger")
        return redirect(url_for("skills.attempt", attempt_id=attempt.id), 303)
    flash("Employers now see this score on your applications." if shared
          else "This score is no longer shown on your applications.", "success")
    return redirect(url_for("skills.result", attempt_id=attempt.id), 303)
