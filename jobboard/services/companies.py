"""Company membership: join requests that a colleague approves, emailed invitations, removing
colleagues and rotating the join code.

An employer account reaches a company's data only through ``User.company``, which is set only
when a member approves its request or it accepts an invitation for its own address; removing a
member or suspending the account clears it.
"""
import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company, CompanyInvitation, CompanyJoinRequest, IllegalMembershipChange
from jobboard.models.user import User, normalize_email
from jobboard.services import Conflict, DomainError, NotFound
from jobboard.services.mail import commit_and_deliver, queue_email
from jobboard.urls import external_url

INVITATION_LIFETIME = timedelta(days=7)
UNKNOWN_CODE = "No company has this join code, or the invitation was used or has expired."


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _open_invitation(code: str, email: str) -> CompanyInvitation | None:
    invitation = db.session.scalar(select(CompanyInvitation).where(
        CompanyInvitation.token_hash == _token_hash(code)))
    if invitation is None or not invitation.is_open() or invitation.email != normalize_email(email):
        return None
    return invitation


def _company_for_join_code(code: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.join_code == code.strip()))


def check_code(code: str, email: str) -> None:
    """Refuse, before an account is made, a code that is neither a join code nor an open
    invitation for ``email``.

    :raise DomainError: on the ``join_code`` field.
    """
    if _open_invitation(code, email) is None and _company_for_join_code(code) is None:
        raise DomainError(UNKNOWN_CODE, field="join_code")


def join_with_code(user: User, code: str) -> Company | None:
    """Use a code for an employer without a company: an invitation for the user's address makes
    them a member at once (the company is returned); a join code files a request that the
    company's employers are emailed about (None is returned: no access until approved).

    :raise DomainError: unknown code, or an expired or used invitation.
    :raise Conflict: the user already belongs to a company.
    """
    if user.company_id is not None:
        raise Conflict("You already belong to a company.")
    invitation = _open_invitation(code, user.email)
    if invitation is not None:
        invitation.accept(user)
        _withdraw_pending(user)
        db.session.commit()
        return invitation.company
    company = _company_for_join_code(code)
    if company is None:
        raise DomainError(UNKNOWN_CODE, field="join_code")
    _withdraw_pending(user)
    db.session.add(CompanyJoinRequest(company=company, user=user))
    link = external_url("employer.team")
    for member in company.employers:
        if member.active:
            queue_email(member.email, f"{user.name or user.email} asks to join {company.name}",
                        f"{user.name or 'Someone'} <{user.email}> registered on MedCode Jobs with the join "
                        f"code of {company.name} and asks to join it as an employer.\n\n"
                        f"Nothing is shared until a colleague approves. Approve or decline here:\n{link}\n\n"
                        f"If you do not know this person, decline the request and rotate the join code.\n")
    commit_and_deliver()
    return None


def _withdraw_pending(user: User) -> None:
    for join_request in db.session.scalars(select(CompanyJoinRequest).where(
            CompanyJoinRequest.user_id == user.id, CompanyJoinRequest.status == CompanyJoinRequest.PENDING)):
        join_request.withdraw()


def latest_request(user: User) -> CompanyJoinRequest | None:
    """The user's most recent join request, to tell them where it stands."""
    return db.session.scalar(select(CompanyJoinRequest).where(CompanyJoinRequest.user_id == user.id)
                             .order_by(CompanyJoinRequest.created_at.desc(), CompanyJoinRequest.id.desc())
                             .limit(1))


def members(company: Company) -> Sequence[User]:
    return db.session.scalars(select(User).where(User.company_id == company.id)
                              .order_by(User.name, User.email)).all()


def pending_requests(company: Company) -> Sequence[CompanyJoinRequest]:
    return db.session.scalars(select(CompanyJoinRequest).where(
        CompanyJoinRequest.company_id == company.id, CompanyJoinRequest.status == CompanyJoinRequest.PENDING)
        .order_by(CompanyJoinRequest.created_at, CompanyJoinRequest.id)).all()


def open_invitations(company: Company) -> list[CompanyInvitation]:
    return [i for i in db.session.scalars(select(CompanyInvitation).where(
        CompanyInvitation.company_id == company.id, CompanyInvitation.accepted_at.is_(None))
        .order_by(CompanyInvitation.created_at)) if i.is_open()]


def _company_request(company: Company, request_id: int) -> CompanyJoinRequest:
    join_request = db.session.get(CompanyJoinRequest, request_id)
    if join_request is None or join_request.company_id != company.id:
        raise NotFound("No such request.")
    return join_request


def decide(company: Company, member: User, request_id: int, approve: bool) -> CompanyJoinRequest:
    """Approve or decline a request to join ``company``; the requester is emailed.

    :raise NotFound: the request is for another company.
    :raise Conflict: it was already decided, or the requester now belongs to a company.
    """
    join_request = _company_request(company, request_id)
    try:
        if approve:
            if join_request.user.company_id is not None or not join_request.user.active:
                raise Conflict("This person can no longer join: their account changed since the request.")
            join_request.approve(member)
        else:
            join_request.decline(member)
    except IllegalMembershipChange as error:
        raise Conflict(str(error)) from error
    if approve:
        queue_email(join_request.user.email, f"You joined {company.name} on MedCode Jobs",
                    f"{member.name or member.email} approved your request to join {company.name}.\n\n"
                    f"Your employer pages: {external_url('employer.dashboard')}\n")
    else:
        queue_email(join_request.user.email, f"Your request to join {company.name}",
                    f"Your request to join {company.name} on MedCode Jobs was declined.\n")
    commit_and_deliver()
    return join_request


def remove_member(company: Company, member: User, user_id: int) -> User:
    """Take a colleague out of the company: they lose access to its postings and applicants.

    :raise NotFound: not a member of this company.
    :raise Conflict: members cannot remove themselves (a company keeps at least one member).
    """
    user = db.session.get(User, user_id)
    if user is None or user.company_id != company.id:
        raise NotFound("No such colleague.")
    if user.id == member.id:
        raise Conflict("You cannot remove yourself. Ask a colleague to do it.")
    company.remove_member(user)
    db.session.commit()
    return user


def rotate_join_code(company: Company) -> str:
    """Replace the join code; the old one stops working at once."""
    company.rotate_join_code()
    db.session.commit()
    return company.join_code


def invite(company: Company, member: User, email: str) -> CompanyInvitation:
    """Email ``email`` a single-use code, valid for 7 days, that makes that address a member.

    :raise Conflict: the address already belongs to a member of the company.
    """
    email = normalize_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None and existing.company_id == company.id:
        raise Conflict("This person is already a member of the company.", field="email")
    token = secrets.token_urlsafe(16)
    invitation = CompanyInvitation(company=company, email=email, token_hash=_token_hash(token),
                                   invited_by=member, expires_at=utcnow() + INVITATION_LIFETIME)
    db.session.add(invitation)
    if existing is not None and existing.is_employer and existing.company_id is None:
        where = external_url("employer.dashboard")
    else:
        where = external_url("auth.register", role="employer", join_code=token)
    queue_email(email, f"{member.name or member.email} invites you to {company.name} on MedCode Jobs",
                f"{member.name or member.email} invites you to join {company.name} as an employer on "
                f"MedCode Jobs.\n\nYour invitation code (it works once, for this address, for 7 days):\n"
                f"{token}\n\nEnter it as the join code here:\n{where}\n")
    commit_and_deliver()
    return invitation


def end_membership_for_suspension(user: User) -> None:
    """Part of suspending an account (the caller commits): it leaves its company, its pending
    requests are withdrawn, and the company's join code is replaced since the user knew it."""
    if user.company is not None:
        user.company.rotate_join_code()
        user.company = None
    _withdraw_pending(user)
