"""Accounts: register, log in and out, reset a password, account settings."""
from contextlib import suppress

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from jobboard.extensions import db, limiter
from jobboard.forms.auth import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from jobboard.services import DomainError, NotFound, accounts, sessions
from jobboard.services.submissions import AlreadySubmitted, claim
from jobboard.views.helpers import flash_domain_error, home_for, redirect_next

bp = Blueprint("auth", __name__)


def _limit(key):
    return limiter.limit(lambda: current_app.config[key], methods=["POST"])


def _sign_in(user, remember=False):
    """Record this device's session on the server, then put its id in the cookies."""
    sessions.start_session(user, request.headers.get("User-Agent", ""), request.remote_addr or "")
    login_user(user, remember=remember)


def _sign_out():
    """End this device's session on the server and drop the cookies."""
    if current_user.is_authenticated and current_user.current_session is not None:
        with suppress(NotFound):  # already ended from another device
            sessions.end_session(current_user, current_user.current_session.id)
    logout_user()


@bp.before_app_request
def record_session_use():
    if request.endpoint != "static" and current_user.is_authenticated:
        sessions.record_use(current_user._get_current_object())


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register():
    """Every accepted form gets the same answer, "check your email", whether the address is
    new, taken or suspended: only its owner learns which, by email."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("role") in ("seeker", "employer"):
        form.role.data = request.args["role"]
    if request.method == "GET" and request.args.get("join_code"):
        form.join_code.data = request.args["join_code"][:32]  # from an emailed invitation
    if form.validate_on_submit() and _start_account(form):
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form), 422 if request.method == "POST" else 200


def _start_account(form) -> bool:
    """Register from the valid form; False with the problem beside its field."""
    try:
        claim(form.once.data or "")
        accounts.register(
            role=form.role.data or "", email=form.email.data or "", password=form.password.data or "",
            name=form.name.data or "", company_name=form.company_name.data or "",
            join_code=form.join_code.data or "",
        )
    except AlreadySubmitted:
        return True  # the first send of this form did the work: the same answer again
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(form, error)
        return False
    return True


def _resend_form(**data) -> ResendConfirmationForm:
    """An empty resend form for a page that leads to it (optionally with the address filled in)."""
    return ResendConfirmationForm(formdata=None, prefix="resend", **data)


@bp.get("/register/check-email")
def check_email():
    return render_template("auth/check_email.html", form=_resend_form(),
                           hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600)


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """The emailed link shows a button; sending it confirms the address and signs the user in
    (a GET changes nothing, so a mail scanner that opens links does not use the link up)."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            accounts.user_for_confirmation_token(token)
            return render_template("auth/confirm_email.html", form=form)
        user, code_problem = accounts.confirm_email(token)
    except NotFound as error:
        return render_template("auth/confirm_email.html", problem=error.message,
                               form=_resend_form()), 400
    _sign_out()  # whoever was signed in on this browser before
    _sign_in(user)
    flash("Your email address is confirmed. Welcome to MedCode Jobs!", "success")
    if code_problem:
        flash(f"Your code could not be used: {code_problem} Ask your colleague for a new one and "
              "enter it below.", "warning")
    return redirect(home_for(user))


@bp.route("/confirm-email/resend", methods=["GET", "POST"])
@_limit("RATELIMIT_RESEND")
def resend_confirmation():
    form = ResendConfirmationForm(prefix="resend")
    if form.validate_on_submit():
        accounts.resend_confirmation(form.email.data or "")
        flash("If an account with that address is waiting for confirmation, we have emailed it a "
              "new link.", "info")
        return redirect(url_for("auth.check_email"))
    return render_template("auth/resend_confirmation.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except accounts.NotConfirmed as error:
            return render_template("auth/login.html", form=form, not_confirmed=error.message,
                                   resend_form=_resend_form(email=form.email.data)), 403
        except DomainError as error:
            flash(error.message, "danger")
            status = 401
        else:
            _sign_in(user, remember=form.remember.data)
            flash("You are signed in.", "success")
            return redirect_next("public.home") if request.args.get("next") else redirect(home_for(user))
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if ConfirmForm().validate_on_submit():
        _sign_out()
        flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    if ConfirmForm().validate_on_submit():
        sessions.end_all_sessions(current_user._get_current_object())
        logout_user()
        flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash("If an account exists for that address, we have emailed it a link to reset "
              "the password.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_password(token):
    try:
        accounts.user_for_reset_token(token)
    except NotFound as error:
        flash(error.message, "danger")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data or "")
        except DomainError as error:
            flash_domain_error(form, error)
        else:
            logout_user()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Settings: one page, three forms told apart by their submit button's name."""
    user = current_user._get_current_object()
    password_form = ChangePasswordForm(prefix="pw")
    email_form = ChangeEmailForm(prefix="em")
    delete_form = DeleteAccountForm(prefix="del")
    status = 200
    action = request.form.get("action", "")
    if request.method == "POST":
        try:
            if action == "password" and password_form.validate_on_submit():
                accounts.change_password(user, password_form.current_password.data or "",
                                         password_form.new_password.data or "")
                flash("Your password is changed. Other devices are signed out.", "success")
                return redirect(url_for("auth.account"))
            if action == "email" and email_form.validate_on_submit():
                accounts.change_email(user, email_form.current_password.data or "", email_form.email.data or "")
                flash("Your email address is changed.", "success")
                return redirect(url_for("auth.account"))
            if action == "delete" and delete_form.validate_on_submit():
                accounts.delete_account(user, delete_form.current_password.data or "")
                logout_user()  # the account's sessions went with it
                flash("Your account is deleted.", "info")
                return redirect(url_for("public.home"))
        except DomainError as error:
            form = {"password": password_form, "email": email_form, "delete": delete_form}[action]
            flash_domain_error(form, error)
        status = 422
    return render_template("auth/account.html", password_form=password_form,
                           email_form=email_form, delete_form=delete_form,
                           devices=sessions.signed_in_devices(user)), status


@bp.post("/account/devices/<int:session_id>/sign-out")
@login_required
def sign_out_device(session_id):
    """Sign one device out from the account page (this one included)."""
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object()
        this_device = user.current_session.id if user.current_session is not None else None
        try:
            sessions.end_session(user, session_id)
        except NotFound as error:
            flash(error.message, "info")
        else:
            if session_id == this_device:
                logout_user()
                flash("You are signed out.", "info")
                return redirect(url_for("auth.login"))
            flash("That device is signed out.", "success")
    return redirect(url_for("auth.account"))
