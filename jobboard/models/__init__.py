"""All models, imported here so that Alembic and the app see the whole schema."""
from jobboard.models.activity import (
    REPORT_REASONS,
    PostingStats,
    PostingVisitor,
    Report,
    SavedJob,
    SavedSearch,
)
from jobboard.models.application import STAGES, Application, ApplicationNote, Resume
from jobboard.models.base import Base, TimestampMixin, utcnow
from jobboard.models.company import Company, CompanyInvitation, CompanyJoinRequest
from jobboard.models.credentials import CHECK_METHODS, HeldCredential, IllegalCheck
from jobboard.models.mail import OutboundEmail
from jobboard.models.posting import IllegalTransition, Posting, PostingCredential
from jobboard.models.search import SearchChange
from jobboard.models.seeker import SeekerProfile
from jobboard.models.skills import QuizAttempt
from jobboard.models.submission import FormSubmission
from jobboard.models.taxonomy import (
    ARRANGEMENTS,
    EMPLOYMENT_TYPES,
    US_STATES,
    CptCode,
    CptModifierRvu,
    CptSection,
    Credential,
    MedicareLocality,
    ReferenceVersion,
    Specialty,
)
from jobboard.models.user import ROLES, User
from jobboard.models.user_session import UserSession

__all__ = [
    "REPORT_REASONS", "STAGES", "Application", "ApplicationNote", "PostingStats",
    "PostingVisitor", "Report", "Resume", "SavedJob", "SavedSearch",
    "ARRANGEMENTS", "EMPLOYMENT_TYPES", "ROLES", "US_STATES", "Base", "Company", "CompanyInvitation",
    "CompanyJoinRequest", "CptCode",
    "CptModifierRvu", "CptSection", "Credential", "FormSubmission", "IllegalTransition", "MedicareLocality",
    "OutboundEmail", "Posting", "ReferenceVersion",
    "PostingCredential", "SearchChange", "SeekerProfile", "Specialty",
    "TimestampMixin", "User", "UserSession", "utcnow",
    "CHECK_METHODS", "HeldCredential", "IllegalCheck", "QuizAttempt",
]
