"""The admins' pages: the report queue, postings that do not look like coding jobs,
unpublishing postings, suspending accounts."""
from flask import Blueprint, flash, redirect, render_template, url_for

from jobboard.extensions import db
from jobboard.models.activity import REPORT_REASONS
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import Conflict, moderation
from jobboard.views.helpers import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for admins: visitors go to the login page, other users get 403."""


def _back(message):
    flash(message, "success")
    return redirect(url_for("admin.queue"), 303)


@bp.get("")
def queue():
    return render_template("admin/queue.html", entries=moderation.open_reports(),
                           suspended=moderation.suspended_users(), REPORT_REASONS=REPORT_REASONS,
                           not_coding=moderation.postings_needing_coding_review())


@bp.post("/postings/<int:posting_id>/approve-coding")
def approve_coding(posting_id):
    moderation.approve_as_coding(db.get_or_404(Posting, posting_id))
    return _back("The posting is confirmed as a coding job.")


@bp.post("/postings/<int:posting_id>/dismiss")
def dismiss(posting_id):
    count = moderation.dismiss(db.get_or_404(Posting, posting_id))
    return _back(f"Dismissed {count} report{'s' if count != 1 else ''}.")


@bp.post("/postings/<int:posting_id>/unpublish")
def unpublish(posting_id):
    moderation.unpublish_posting(db.get_or_404(Posting, posting_id))
    return _back("The posting is unpublished.")


@bp.post("/users/<int:user_id>/suspend")
def suspend(user_id):
    user = db.get_or_404(User, user_id)
    try:
        moderation.suspend_user(user)
    except Conflict as error:
        flash(error.message, "danger")
        return redirect(url_for("admin.queue"), 303)
    return _back(f"{user.email} is suspended and signed out everywhere; their postings are hidden.")


@bp.post("/users/<int:user_id>/unsuspend")
def unsuspend(user_id):
    user = db.get_or_404(User, user_id)
    moderation.unsuspend_user(user)
    return _back(f"{user.email} can sign in again.")
