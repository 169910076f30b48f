"""The admins' pages: the report queue, postings that do not look like coding jobs,
unpublishing postings, suspending accounts, checking seekers' credentials."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from jobboard.extensions import db
from jobboard.forms.credentials import CredentialCheckForm
from jobboard.models.activity import REPORT_REASONS
from jobboard.models.posting import Posting
from jobboard.models.user import User
from jobboard.services import Conflict, DomainError, NotFound, credentials, moderation
from jobboard.views.helpers import flash_domain_error, role_required

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


@bp.get("/credentials")
def credential_checks():
    return _credential_queue()


def _credential_queue(posted=None, status=200):
    """The queue of credentials to check, with one check form each; ``posted`` is the (id, form)
    just submitted, shown again with its input and errors."""
    pending = credentials.pending_checks()
    forms = {held.id: CredentialCheckForm(prefix=f"h{held.id}", formdata=None) for held in pending}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render_template("admin/credentials.html", pending=pending, forms=forms,
                           recent=credentials.recent_checks()), status


@bp.post("/credentials/<int:held_id>/check")
def check_credential(held_id):
    form = CredentialCheckForm(prefix=f"h{held_id}")
    if form.validate_on_submit():
        try:
            held = credentials.record_check(held_id, current_user._get_current_object(),
                                            form.outcome.data == "verified", form.method.data,
                                            form.note.data or "")
        except NotFound:
            abort(404)
        except Conflict as error:
            flash(error.message, "danger")
            return redirect(url_for("admin.credential_checks"), 303)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash(f"{held.credential.abbreviation} of {held.seeker.user.email} recorded as {held.status}.",
                  "success")
            return redirect(url_for("admin.credential_checks"), 303)
    return _credential_queue((held_id, form), 422)
