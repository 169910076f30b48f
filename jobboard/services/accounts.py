"""Accounts: registration, sign-in, password and email changes, resets, deletion."""
import hashlib
import hmac
import re

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.seeker import SeekerProfile
from jobboard.models.user import User, normalize_email
from jobboard.services import Conflict, DomainError, NotFound, companies
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.services.sessions import end_other_sessions
from jobboard.urls import external_url

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = frozenset([
    "password", "password1", "password123", "passw0rd", "123456789", "1234567890", "12345678910",
    "qwertyuiop", "qwerty123", "iloveyou1", "letmein123", "welcome123", "admin12345", "abc1234567",
    "medicalcoder", "coding1234", "changeme123", "football12", "baseball12", "sunshine12",
    "princess12", "monkey1234", "dragon1234",
])
INVALID_CREDENTIALS = "Invalid email or password."
SUSPENDED = "This account is suspended. Contact support if you think this is a mistake."
NOT_CONFIRMED = ("Confirm your email address first: open the link we emailed you when you created the "
                 "account. No email? We can send the link again.")
LINK_USED = "This link was already used: your address is confirmed. Sign in."
# A real hash to compare against when the email is unknown, so both cases take as long.
_DUMMY_USER_PASSWORD = "not-a-real-password-for-timing"


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "This password is too common; choose something harder to guess."
    local = normalize_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return "Do not use your email address in your password."
    return None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:170] or "company"


def unique_company_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            select(Company.slug).where((Company.slug == base) | Company.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def email_taken(email: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == normalize_email(email))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query) is not None


def account_for(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


class NotConfirmed(DomainError):
    """Right password, but the address was never confirmed: the account cannot sign in yet."""

    def __init__(self):
        super().__init__(NOT_CONFIRMED)


def register(*, role: str, email: str, password: str, name: str = "", company_name: str = "",
             join_code: str = "") -> None:
    """Start a seeker or employer account: it is made unconfirmed, and the address is emailed a
    link that confirms it (see ``confirm_email``; an employer's company is made, or their code
    used, then).

    The caller learns nothing about whether the address has an account: when it has, its owner is
    emailed instead (a note that someone tried, or a fresh link if theirs is still unconfirmed),
    the account is left as it is, and this returns as for a new address. The checks that can
    fail run before the address is looked up, so their answers do not depend on it either.

    :raise DomainError: a weak password, an unknown role, or an employer with neither a company
        name nor a valid code.
    """
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, field="password")
    if role not in ("seeker", "employer"):
        raise DomainError("Choose whether you are looking for work or hiring.", field="role")
    if role == "employer":
        if join_code.strip():
            companies.check_code(join_code, email)
        elif not company_name.strip():
            raise DomainError("Name your company, or enter a colleague's join code.", field="company_name")
    # Hashing the password here, for both outcomes, keeps them equally slow.
    user = User(email=email, password=password, role=role, name=name.strip(), confirmed_at=None)
    owner = account_for(email)
    if owner is not None:
        _notify_owner_of_signup(owner)
        return
    if role == "seeker":
        user.seeker_profile = SeekerProfile()
    elif join_code.strip():
        user.signup_join_code = join_code.strip()
    else:
        user.signup_company_name = company_name.strip()
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # registered a moment ago by a concurrent request
        db.session.rollback()
        owner = account_for(email)
        if owner is not None:
            _notify_owner_of_signup(owner)
        return
    _queue_confirmation(user)
    commit_and_deliver()


def _notify_owner_of_signup(owner: User) -> None:
    """Someone registered with ``owner``'s address: tell the owner how to get in. An owner who
    never confirmed gets a fresh confirmation link (likely they lost the first one)."""
    if not owner.is_confirmed and owner.active:
        _queue_confirmation(owner)
    else:
        queue_email(
            owner.email,
            "Someone tried to create a MedCode Jobs account with your address",
            "Someone, perhaps you, tried to create a MedCode Jobs account with this email address.\n\n"
            f"You already have an account. Sign in here: {external_url('auth.login')}\n"
            f"Forgot the password? Choose a new one here: {external_url('auth.reset_request')}\n\n"
            "If it was not you, you can ignore this message: nothing has changed.\n",
        )
    commit_and_deliver()


def create_admin(email: str, password: str) -> User:
    """An admin account, from the CLI (confirmed: the operator vouches for the address); the
    operator is told plainly when the address is taken."""
    if email_taken(email):
        raise Conflict("An account with this email already exists.", field="email")
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, field="password")
    user = User(email=email, password=password, role="admin")
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # made a moment ago by another command
        db.session.rollback()
        raise Conflict("An account with this email already exists.", field="email") from None
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; the same error whether the email or password is wrong.

    :raise NotConfirmed: the credentials are right but the address was never confirmed.
    """
    user = account_for(email)
    if user is None:
        User(email="timing@example.invalid", password=_DUMMY_USER_PASSWORD, role="seeker")
        raise DomainError(INVALID_CREDENTIALS)
    if not user.check_password(password):
        raise DomainError(INVALID_CREDENTIALS)
    if not user.active:
        raise DomainError(SUSPENDED)
    if not user.is_confirmed:
        raise NotConfirmed()
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _require_password(user: User, password: str) -> None:
    if not user.check_password(password):
        raise DomainError("Your current password is not correct.", field="current_password")


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password; every other device is signed out, this one stays signed in."""
    _require_password(user, current_password)
    problem = password_problem(new_password, user.email)
    if problem:
        raise DomainError(problem, field="new_password")
    user.set_password(new_password)
    end_other_sessions(user, keep=user.current_session)
    db.session.commit()


def change_email(user: User, current_password: str, new_email: str) -> None:
    _require_password(user, current_password)
    if email_taken(new_email, except_user_id=user.id):
        raise Conflict("An account with this email already exists.", field="email")
    user.email = normalize_email(new_email)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("An account with this email already exists.", field="email") from None


def delete_account(user: User, current_password: str) -> None:
    """Delete the account; an employer's company and its postings stay for colleagues."""
    _require_password(user, current_password)
    db.session.delete(user)
    db.session.commit()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes with the password, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def reset_token(user: User) -> str:
    return _reset_serializer().dumps([user.id, _password_fingerprint(user)])


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; says nothing either way."""
    user = account_for(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_email(
        user.email,
        "Reset your MedCode Jobs password",
        f"Someone asked to reset the password of your MedCode Jobs account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n{link}\n\n"
        f"The link works once. If you did not ask for this, ignore this message.\n",
    )
    commit_and_deliver()


def user_for_reset_token(token: str) -> User:
    """The user a valid, unused, unexpired reset token belongs to."""
    try:
        user_id, fingerprint = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired:
        raise NotFound("This reset link has expired. Ask for a new one.") from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound("This reset link is not valid. Ask for a new one.") from None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(_password_fingerprint(user), str(fingerprint)):
        raise NotFound("This reset link has already been used. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    problem = password_problem(new_password, user.email)
    if problem:
        raise DomainError(problem, field="password")
    user.set_password(new_password)
    end_other_sessions(user)  # whoever knew the old password is signed out too
    db.session.commit()
    return user


# --- confirming the address of a new account ---------------------------------------------------

def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email")


def confirmation_token(user: User) -> str:
    """Signed and dated; it names the account and its password hash (see ``_password_fingerprint``),
    so a link never confirms an account made later with the same id."""
    return _confirm_serializer().dumps([user.id, _password_fingerprint(user)])


def _queue_confirmation(user: User) -> None:
    link = external_url("auth.confirm_email", token=confirmation_token(user))
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600
    queue_email(
        user.email,
        "Confirm your email address for MedCode Jobs",
        "To finish creating your MedCode Jobs account, confirm that this address is yours by "
        f"opening this link within {hours} hours:\n{link}\n\n"
        "The link works once. If you did not create an account, ignore this message: the account "
        "cannot be used until the link is opened.\n",
    )


def user_for_confirmation_token(token: str) -> User:
    """The unconfirmed, active account a valid, unexpired confirmation token belongs to.

    :raise NotFound: the link is expired, tampered with, already used, or its account suspended.
    """
    try:
        user_id, fingerprint = _confirm_serializer().loads(
            token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        raise NotFound("This confirmation link has expired. Ask for a new one below.") from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound("This confirmation link is not valid. Check that you copied all of it, "
                       "or ask for a new one below.") from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not hmac.compare_digest(_password_fingerprint(user), str(fingerprint)):
        raise NotFound("This confirmation link is no longer valid. Ask for a new one below.")
    if not user.active:
        raise NotFound(SUSPENDED)
    if user.is_confirmed:
        raise NotFound(LINK_USED)
    return user


def confirm_email(token: str) -> tuple[User, str | None]:
    """Confirm the address the token was sent to, and do what the registration asked for: make
    the employer's company, or use their code (a join request or an invitation).

    Returns the user, and why their code could not be used (it may have been rotated or the
    invitation may have expired since they registered) or None. A token works once, even when
    two requests send it at the same moment.

    :raise NotFound: see ``user_for_confirmation_token``.
    """
    user = user_for_confirmation_token(token)
    confirmed = db.session.execute(
        update(User).where(User.id == user.id, User.confirmed_at.is_(None)).values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False))
    if confirmed.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult; typed as Result
        db.session.rollback()
        raise NotFound(LINK_USED)
    db.session.refresh(user)
    company_name, join_code = user.signup_company_name, user.signup_join_code
    user.signup_company_name = user.signup_join_code = None
    if company_name:
        user.company = Company(name=company_name, slug=unique_company_slug(company_name))
    db.session.commit()
    if join_code:
        try:
            companies.join_with_code(user, join_code)
        except DomainError as error:
            db.session.rollback()
            return user, error.message
    return user, None


def resend_confirmation(email: str) -> None:
    """Email a fresh confirmation link if ``email`` has an active account waiting for one; says
    nothing either way."""
    user = account_for(email)
    if user is None or not user.active or user.is_confirmed:
        return
    _queue_confirmation(user)
    commit_and_deliver()
