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
from jobboard.models.company import Company
from jobboard.models.credentials import CHECK_METHODS, HeldCredential, IllegalCheck
from jobboard.models.mail import OutboundEmail
from jobboard.models.posting import IllegalTransition, Posting, PostingCredential
from jobboard.models.search import SearchOutbox
from jobboard.models.seeker import SeekerProfile
from jobboard.models.skills import QuizAttempt
from jobboard.models.taxonomy import (
    ARRANGEMENTS,
    EMPLOYMENT_TYPES,
    US_STATES,
    CptCode,
    CptModifierRvu,
    CptSection,
    Credential,
    Specialty,
)
from jobboard.models.user import ROLES, User
from jobboard.models.user_session import UserSession

__all__ = [
    "REPORT_REASONS", "STAGES", "Application", "ApplicationNote", "PostingStats",
    "PostingVisitor", "Report", "Resume", "SavedJob", "SavedSearch",
    "ARRANGEMENTS", "EMPLOYMENT_TYPES", "ROLES", "US_STATES", "Base", "Company", "CptCode",
    "CptModifierRvu", "CptSection", "Credential", "IllegalTransition", "OutboundEmail", "Posting",
    "PostingCredential", "SearchOutbox", "SeekerProfile", "Specialty",
    "TimestampMixin", "User", "UserSession", "utcnow",
    "CHECK_METHODS", "HeldCredential", "IllegalCheck", "QuizAttempt",
]
