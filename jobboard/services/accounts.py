"""Accounts: registration, sign-in, password and email changes, resets, deletion."""
import hashlib
import hmac
import re

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
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
# What registration answers for an address that already has an account: the same for everyone,
# so the form does not tell a stranger who is registered. The owner gets an email instead.
CHECK_YOUR_EMAIL = ("Check your email: we have sent a message to that address telling its owner "
                    "how to continue.")
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


class AccountExists(Conflict):
    """Registration with an address that has an account; its owner was emailed a notice."""

    def __init__(self):
        super().__init__(CHECK_YOUR_EMAIL)


def _add_user(user: User) -> User:
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # registered a moment ago by a concurrent request
        db.session.rollback()
        _notify_owner_of_signup(user.email)
        raise AccountExists() from None
    return user


def _notify_owner_of_signup(email: str) -> None:
    """Tell the owner of ``email`` that someone tried to register it, and how to get back in."""
    owner = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if owner is None:
        return
    queue_email(
        owner.email,
        "Someone tried to create a MedCode Jobs account with your address",
        "Someone, perhaps you, tried to create a MedCode Jobs account with this email address.\n\n"
        f"You already have an account. Sign in here: {external_url('auth.login')}\n"
        f"Forgot the password? Choose a new one here: {external_url('auth.reset_request')}\n\n"
        "If it was not you, you can ignore this message: nothing has changed.\n",
    )
    commit_and_deliver()


def register_seeker(*, email: str, password: str, name: str = "") -> User:
    """Create a job-seeker account with an empty profile."""
    _check_new_account(email, password)
    user = User(email=email, password=password, role="seeker", name=name.strip())
    user.seeker_profile = SeekerProfile()
    return _add_user(user)


def register_employer(
    *, email: str, password: str, name: str = "", company_name: str = "", join_code: str = ""
) -> User:
    """Create an employer account that creates a company, or asks to join one with its join
    code (no access until a colleague approves), or joins one with an emailed invitation code."""
    _check_new_account(email, password)
    if join_code.strip():
        companies.check_code(join_code, email)
        user = _add_user(User(email=email, password=password, role="employer", name=name.strip()))
        companies.join_with_code(user, join_code)
        return user
    if company_name.strip():
        company = Company(name=company_name.strip(), slug=unique_company_slug(company_name))
    else:
        raise DomainError("Name your company, or enter a colleague's join code.", field="company_name")
    user = User(email=email, password=password, role="employer", name=name.strip(), company=company)
    return _add_user(user)


def create_admin(email: str, password: str) -> User:
    """An admin account, from the CLI: the operator is told plainly when the address is taken."""
    if email_taken(email):
        raise Conflict("An account with this email already exists.", field="email")
    _check_new_account(email, password)
    return _add_user(User(email=email, password=password, role="admin"))


def _check_new_account(email: str, password: str) -> None:
    """:raise AccountExists: the address has an account (its owner is emailed, not the visitor told)."""
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, field="password")
    if email_taken(email):
        _notify_owner_of_signup(email)
        raise AccountExists()


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; the same error whether the email or password is wrong."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        User(email="timing@example.invalid", password=_DUMMY_USER_PASSWORD, role="seeker")
        raise DomainError(INVALID_CREDENTIALS)
    if not user.check_password(password):
        raise DomainError(INVALID_CREDENTIALS)
    if not user.active:
        raise DomainError("This account is suspended. Contact support if you think this is a mistake.")
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
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
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
