"""Posting pages: the public posting, and the employer's new/edit/preview/status actions."""
import json
import secrets
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge

from jobboard.extensions import db, limiter
from jobboard.forms.applications import ApplyForm
from jobboard.forms.auth import ConfirmForm
from jobboard.forms.moderation import ReportForm
from jobboard.forms.posting import PostingForm
from jobboard.markup import plain_text, render_description
from jobboard.models.posting import Posting, load_with_tags
from jobboard.services import Conflict, DomainError, applications, saved
from jobboard.services.data_cache import app_cache
from jobboard.services.matching import fit
from jobboard.services.moderation import report_posting
from jobboard.services.postings import (
    PostingInvalid,
    change_status,
    company_posting,
    create_posting,
    suggested_tags,
    update_posting,
    visible_posting,
)
from jobboard.services.profiles import tag_choices
from jobboard.services.resumes import MAX_RESUME_BYTES, current_resume, save_resume
from jobboard.services.stats import record_apply_click, record_view, visitor_key
from jobboard.services.submissions import AlreadySubmitted, claim, record_result
from jobboard.services.work_intensity import posting_work_intensity
from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS
from jobboard.urls import external_url
from jobboard.views.employer import current_company
from jobboard.views.errors import error_response
from jobboard.views.helpers import (
    allow_form_target,
    flash_domain_error,
    redirect_next,
    role_required,
)

bp = Blueprint("postings", __name__)
RESUME_LIMIT = f"{MAX_RESUME_BYTES // (1024 * 1024)} MB"


def code_url(code):
    return url_for("codes.code", code=code)


MAX_DESCRIPTIONS = 512  # rendered descriptions kept per process


@dataclass(frozen=True)
class RenderedDescription:
    linked: Markup  # the page's HTML, CPT codes linked
    plain: str      # the HTML of the JSON-LD, without links
    summary: str    # the meta description


def rendered_description(text: str) -> RenderedDescription:
    """A description's three renderings, kept per process keyed to the text itself: the same
    text always renders the same (Markdown parsing is most of a posting page's work), and an
    edit is a new text, so it shows at once."""
    def render() -> RenderedDescription:
        return RenderedDescription(render_description(text, code_url), str(render_description(text)),
                                   plain_text(text)[:155])

    return app_cache("descriptions", MAX_DESCRIPTIONS).get(text, None, render)


# SOC 2018: Medical Records Specialists (medical coders among them).
OCCUPATIONAL_CATEGORY = "29-2072"


def _skills(posting: Posting) -> str:
    """The coding the job needs, as JobPosting ``skills`` text."""
    parts = [s.name + " coding" for s in posting.specialties]
    parts += [CODE_SETS[k] for k in posting.code_set_list if k in CODE_SETS]
    if posting.work_setting:
        parts.append(SETTINGS[posting.work_setting] + " coding")
    parts += [ENCODERS[k] for k in posting.encoder_list if k in ENCODERS]
    unique: dict[str, str] = {}
    for part in parts:
        unique.setdefault(part.lower(), part)   # "Inpatient Facility coding" once, whichever names it
    return ", ".join(unique.values())


def _qualifications(posting: Posting) -> str:
    """Credentials and the measures the job names, as JobPosting ``qualifications`` text."""
    parts = []
    if posting.credentials_required:
        parts.append("Required: " + ", ".join(c.abbreviation for c in posting.credentials_required) + ".")
    if posting.credentials_preferred:
        parts.append("Preferred: " + ", ".join(c.abbreviation for c in posting.credentials_preferred) + ".")
    if posting.apprentice:
        parts.append("Open to apprentice coders (CPC-A) and new graduates.")
    if posting.productivity is not None:
        kind = f" {posting.chart_type}" if posting.chart_type else ""
        parts.append(f"Productivity: {float(posting.productivity):g}{kind} charts per {posting.productivity_per}.")
    if posting.accuracy_pct is not None:
        parts.append(f"Accuracy: {float(posting.accuracy_pct):g}%.")
    return " ".join(parts)


def job_posting_ld(posting: Posting) -> str:
    """schema.org JobPosting for a visible posting (what Google requires and recommends)."""
    assert posting.published_at and posting.expires_at, "a visible posting has been published"
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": rendered_description(posting.description).plain,
        "datePosted": posting.published_at.isoformat(),
        "validThrough": posting.expires_at.isoformat(),
        "employmentType": posting.employment_type.upper(),
        "occupationalCategory": OCCUPATIONAL_CATEGORY,
        "identifier": {"@type": "PropertyValue", "name": posting.company.name,
                       "value": posting.external_id or str(posting.id)},
        "directApply": posting.applies_on_site,
        "hiringOrganization": {
            "@type": "Organization", "name": posting.company.name,
            "sameAs": posting.company.website or external_url("public.company", slug=posting.company.slug),
        },
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": posting.city or None,
                        "addressRegion": posting.state or None, "addressCountry": "US"},
        },
    }
    for key, text in (("skills", _skills(posting)), ("qualifications", _qualifications(posting))):
        if text:
            data[key] = text
    if posting.apprentice:
        data["experienceRequirements"] = "no requirements"
    if posting.arrangement == "remote":
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": "USA"}
    if posting.salary_min is not None or posting.salary_max is not None:
        value: dict[str, str | float] = {"@type": "QuantitativeValue", "unitText": posting.salary_unit.upper()}
        if posting.salary_min is not None:
            value["minValue"] = float(posting.salary_min)
        if posting.salary_max is not None:
            value["maxValue"] = float(posting.salary_max)
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": "USD", "value": value}
    # Inside a script element "<" could end it early or open a comment: escape it for JSON.
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@bp.get("/jobs/<int:posting_id>")
def detail(posting_id):
    """The public posting; its own company's employers also see it before it is published."""
    # The posting with its author, company and tags in two statements (not one per collection).
    posting = next(iter(load_with_tags(db.session, select(Posting).where(Posting.id == posting_id)
                                       .options(joinedload(Posting.created_by)))), None)
    if posting is None:
        abort(404)
    own = _own_company(posting)
    if not posting.is_visible and not own:
        if posting.status in (Posting.CLOSED, Posting.EXPIRED) and posting.suspended_at is None \
                and (posting.created_by is None or posting.created_by.active):
            return render_template("postings/closed.html", posting=posting), 410
        abort(404)
    if posting.is_visible and not own:
        record_view(posting, _visitor())
    return _detail_page(posting)


def _own_company(posting: Posting) -> bool:
    return current_user.is_authenticated and current_user.is_employer and \
        current_user.company_id == posting.company_id


def _detail_page(posting: Posting, apply_form=None, status=200):
    """The posting page; ``apply_form`` comes back with its errors and what the seeker typed."""
    own = _own_company(posting)
    if posting.is_visible and posting.apply_url:
        allow_form_target(posting.apply_url)
    seeker = {}
    if current_user.is_authenticated and current_user.is_seeker:
        user = current_user._get_current_object()
        seeker = {
            "fit": fit(posting, user.seeker_profile) if user.seeker_profile else None,
            "application": applications.existing_application(posting, user),
            "saved": saved.is_saved(user, posting), "resume": current_resume(user),
            "apply_form": apply_form or ApplyForm(formdata=None), "stage_labels": applications.STAGE_LABELS,
            "offer_save": request.args.get("save") == "1", "max_resume_bytes": MAX_RESUME_BYTES,
        }
    description = rendered_description(posting.description)
    return render_template(
        "postings/detail.html", posting=posting, own=own, seeker=seeker,
        report_form=ReportForm(formdata=None), description=description.linked,
        json_ld=job_posting_ld(posting) if posting.is_visible else None, summary=description.summary,
        work_intensity=posting_work_intensity(posting),
    ), status


def _visitor() -> str:
    """This browser's visitor key; the session keeps a random id, never the address."""
    if "visitor" not in session:
        session["visitor"] = secrets.token_urlsafe(16)
    return visitor_key(session["visitor"])


@bp.post("/jobs/<int:posting_id>/apply-external")
def apply_external(posting_id):
    """Count the click, then send the visitor on to the employer's application page."""
    posting = visible_posting(posting_id)
    if not posting.apply_url:
        abort(404)
    if not (current_user.is_authenticated and current_user.company_id == posting.company_id):
        record_apply_click(posting)
    return redirect(posting.apply_url, 303)


@bp.route("/jobs/<int:posting_id>/report", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REPORT"], methods=["POST"])
def report(posting_id):
    """Anyone may report a public posting to the admins."""
    posting = visible_posting(posting_id)
    form = ReportForm()
    if form.validate_on_submit():
        reporter = current_user._get_current_object() if current_user.is_authenticated else None
        detail_url = url_for("postings.detail", posting_id=posting.id)
        try:
            claim(form.once.data or "")
            report_posting(posting, reporter, form.reason.data or "", form.note.data or "")
        except AlreadySubmitted as sent:
            flash(sent.message, "info")
            return redirect(sent.result_url or detail_url, 303)
        except Conflict as error:
            flash(error.message, "info")
            return redirect(detail_url, 303)
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(form, error)
        else:
            record_result(form.once.data or "", detail_url)
            flash("Thank you. An admin will review this posting.", "success")
            return redirect(detail_url, 303)
    status = 422 if request.method == "POST" else 200
    return render_template("postings/report.html", posting=posting, form=form), status


def _form_for(posting=None):
    form = PostingForm(obj=posting)
    form.set_choices(tag_choices())
    if posting is not None and request.method == "GET":
        form.fill_from(posting)
    return form


def _preview(form) -> dict:
    """Preview the description and tick the tagger's suggestions; nothing is saved. Works on an
    empty form too (there is simply nothing to suggest yet)."""
    suggestions = suggested_tags(f"{form.title.data or ''}\n{form.description.data or ''}")
    form.tick_suggestions(suggestions)
    specialty_names = dict(form.specialties.choices)
    return {"preview": render_description(form.description.data or "", code_url),
            "suggestions": suggestions,
            "suggested_specialties": [specialty_names.get(s, s) for s in suggestions["specialties"]]}


def _save(form, posting, action):
    """Save as draft or publish; None when the service refused a field (its message is set).

    The answer is built from what was read before the commit (which expires the row), so a save
    does not read the posting back; only a publish reads the status it ended in.
    """
    try:
        if posting is None:
            claim(form.once.data)
            posting = create_posting(current_company(), current_user._get_current_object(),
                                     form.fields(), publish=action == "publish")
            edit_url = url_for("postings.edit", posting_id=posting.id)
            record_result(form.once.data, edit_url)
        else:
            edit_url = url_for("postings.edit", posting_id=posting.id)
            draft = posting.status == Posting.DRAFT
            update_posting(posting, form.fields())
            if action == "publish" and draft:
                change_status(posting, "publish")
    except AlreadySubmitted as sent:
        flash(sent.message, "info")
        return redirect(sent.result_url or url_for("employer.dashboard")), {}
    except PostingInvalid as error:
        db.session.rollback()
        for name, message in error.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors or []) + [message]
        return None
    flash("The posting is published." if action == "publish" and posting.status == Posting.PUBLISHED
          else "The posting is saved.", "success")
    return redirect(edit_url)


def _form_page(posting=None):
    """The new/edit page: preview and suggest tags, save a draft, or publish."""
    form = _form_for(posting)
    extra = {}
    action = request.form.get("action", "draft")
    if request.method == "POST" and action in ("preview", "suggest"):
        if not form.meta.csrf or form.csrf_token.validate(form):
            extra = _preview(form)
        else:
            flash("Your form expired; please try again.", "danger")
    elif form.validate_on_submit():
        response = _save(form, posting, action)
        if response is not None:
            return response
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("postings/form.html", form=form, posting=posting, **extra), status


@bp.route("/jobs/new", methods=["GET", "POST"])
@role_required("employer")
def new():
    current_company()
    return _form_page()


@bp.route("/jobs/<int:posting_id>/edit", methods=["GET", "POST"])
@role_required("employer")
def edit(posting_id):
    return _form_page(company_posting(current_user.company, posting_id))


@bp.post("/jobs/<int:posting_id>/<any(publish, close, renew):action>")
@role_required("employer")
def transition(posting_id, action):
    posting = company_posting(current_user.company, posting_id)
    if ConfirmForm().validate_on_submit():
        try:
            change_status(posting, action)
        except PostingInvalid as error:
            flash(" ".join(error.errors.values()), "danger")
            return redirect(url_for("postings.edit", posting_id=posting.id))
        except Conflict as error:
            flash(error.message, "danger")
            return redirect(url_for("postings.edit", posting_id=posting.id))
        flash({"publish": "The posting is published.", "close": "The posting is closed.",
               "renew": "The posting runs for another 30 days."}[action], "success")
    return redirect(url_for("postings.edit", posting_id=posting.id))


@bp.post("/jobs/<int:posting_id>/apply")
@role_required("seeker")
def apply(posting_id):
    """Apply with a cover note and a résumé. A refused résumé or a too-long note comes back
    beside its field with the note kept; a repeat or a double click says so, never a 500."""
    posting = db.session.get(Posting, posting_id)
    if posting is None:
        abort(404)
    form = ApplyForm()
    detail_url = url_for("postings.detail", posting_id=posting_id)
    if not posting.is_visible:  # never show a draft or a closed posting's page from here
        flash("This job is no longer taking applications.", "danger")
        return redirect(detail_url)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash("Your form expired; please try again.", "danger")
            return redirect(detail_url)
        return _detail_page(posting, form, 422)
    user = current_user._get_current_object()
    try:
        claim(form.once.data or "")
        resume = None
        if form.resume.data and form.resume.data.filename:
            resume = save_resume(user, form.resume.data.stream, form.resume.data.filename)
        applications.apply(posting, user, form.cover_note.data or "", resume=resume)
    except AlreadySubmitted as sent:
        flash(sent.message, "info")
        return redirect(sent.result_url or detail_url)
    except Conflict as error:
        flash(error.message, "info")
    except DomainError as error:
        db.session.rollback()
        if error.field is None:  # about the posting, not the form: the page says why
            flash(error.message, "danger")
            return redirect(detail_url)
        flash_domain_error(form, error)
        return _detail_page(posting, form, 422)
    else:
        record_result(form.once.data or "", detail_url)
        flash("Your application is sent. We emailed you a copy; follow it on your profile.", "success")
    return redirect(detail_url)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the upload limit never reaches the view: show the apply form again with the
    reason beside the résumé field rather than a page that leads nowhere."""
    posting_id = (request.view_args or {}).get("posting_id")
    posting = db.session.get(Posting, posting_id) if request.endpoint == "postings.apply" else None
    if posting is None or not posting.is_visible or not (current_user.is_authenticated and current_user.is_seeker):
        return error_response(413, f"The upload is too large: files may be at most {RESUME_LIMIT}.")
    form = ApplyForm(formdata=None)
    form.resume.errors = [f"This file is larger than {RESUME_LIMIT}: choose a smaller PDF or DOCX. "
                          "The upload was stopped, so please write your cover note again."]
    return _detail_page(posting, form, 413)


@bp.post("/jobs/<int:posting_id>/<any(save, unsave):action>")
@role_required("seeker")
def save(posting_id, action):
    posting = visible_posting(posting_id) if action == "save" else None
    if ConfirmForm().validate_on_submit():
        if posting is not None:  # action == "save"
            saved.save_job(current_user, posting)
            flash("Job saved.", "success")
        else:
            saved.unsave_job(current_user, posting_id)
            flash("Job removed from your saved jobs.", "info")
    return redirect_next("postings.detail", posting_id=posting_id)
