"""The seeker's credential details: member ID and expiry of each credential on the profile."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from jobboard.forms.credentials import CredentialDetailsForm
from jobboard.services import DomainError, NotFound, credentials
from jobboard.views.helpers import flash_domain_error, role_required

bp = Blueprint("credentials", __name__, url_prefix="/seeker/credentials")
bp.app_template_global()(credentials.verified_credentials)


def _forms(rows, posted=None):
    """One details form per credential (prefixed by its id); ``posted`` is the (abbreviation,
    form) just submitted, shown again with what was typed."""
    forms = {row.credential.abbreviation: CredentialDetailsForm(prefix=f"c{row.credential.id}", obj=row.held,
                                                                formdata=None) for row in rows}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return forms


@bp.get("")
@role_required("seeker")
def index():
    rows = credentials.credential_rows(current_user)
    return render_template("seeker/credentials.html", rows=rows, forms=_forms(rows),
                           remind_days=credentials.REMIND_DAYS)


@bp.post("/<abbreviation>")
@role_required("seeker")
def save(abbreviation):
    rows = credentials.credential_rows(current_user)
    row = next((r for r in rows if r.credential.abbreviation == abbreviation), None)
    if row is None:
        abort(404)
    form = CredentialDetailsForm(prefix=f"c{row.credential.id}")
    if form.validate_on_submit():
        assert form.expires_on.data is not None, "InputRequired and the date parser refuse an empty date"
        try:
            credentials.save_details(current_user, abbreviation, form.member_id.data or "", form.expires_on.data)
        except NotFound:
            abort(404)
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            flash(f"Your {abbreviation} details are saved. An admin will check them; the verified "
                  "badge shows once they have.", "success")
            return redirect(url_for("credentials.index"), 303)
    return render_template("seeker/credentials.html", rows=rows, forms=_forms(rows, (abbreviation, form)),
                           remind_days=credentials.REMIND_DAYS), 422
