"""Documented configuration defaults.

Layers, later wins: these defaults, ``instance/config.py``, the environment, then the
mapping a test passes to ``create_app``. Only the names in ``ENVIRONMENT_KEYS`` are read
from the environment.
"""
import os
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-insecure-secret-key"

ENVIRONMENT_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR",
    "UPLOAD_DIR",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "CMS_CONVERSION_FACTOR",
    "CMS_YEAR",
    "SITE_URL",
    "TRUSTED_HOSTS",
    "SECURE_TRANSPORT",
    "HSTS_MAX_AGE",
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
)

INTEGER_KEYS = {"MAIL_PORT", "CMS_YEAR", "HSTS_MAX_AGE", "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO",
                "PROXY_FIX_X_HOST", "PROXY_FIX_X_PORT", "PROXY_FIX_X_PREFIX"}
LIST_KEYS = {"TRUSTED_HOSTS"}
BOOLEAN_KEYS = {"SECURE_TRANSPORT"}
# Where a development server listens when SITE_URL is not set (debug and tests only).
DEV_SITE_URL = "http://localhost:5000"


class Defaults:
    """Values used when neither the instance file nor the environment sets them."""

    SECRET_KEY = DEV_SECRET_KEY
    # None means "SQLite in the instance folder"; resolved in create_app.
    DATABASE_URL = None
    SEARCH_BACKEND = "whoosh"  # a name in jobboard.search.BACKENDS
    SEARCH_INDEX_DIR = None  # instance/search-index
    # Seconds the worker waits for the index writer before trying again on its next pass.
    SEARCH_WRITER_TIMEOUT = 2.0
    SEARCH_REBUILD_TIMEOUT = 60.0
    # Apply the change log to this process's index right after each commit; None: when TESTING.
    # In production each host's `flask worker` follows the log and web requests never wait.
    SEARCH_FOLLOW_AFTER_COMMIT = None
    SEARCH_LOG_RETENTION = 7 * 24 * 3600  # seconds change-log entries are kept
    SEARCH_FOLLOW_INTERVAL = 0.2          # seconds between the worker's polls of the log
    # Seconds a used one-time form token is kept (the worker prunes older ones); a form sent
    # again after that counts as a new send.
    FORM_SUBMISSION_RETENTION = 7 * 24 * 3600
    UPLOAD_DIR = None  # instance/uploads
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "MedCode Jobs <no-reply@medcodejobs.example>"
    MAIL_TIMEOUT = 10

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window: a fixed one lets a burst straddle the minute boundary at twice the rate.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_REGISTER = "5 per minute;30 per hour"
    RATELIMIT_RESET = "5 per minute;20 per hour"
    RATELIMIT_RESEND = "5 per minute;20 per hour"  # confirmation links sent again, per address
    RATELIMIT_REPORT = "5 per hour"  # reports of postings, per address
    RATELIMIT_QUIZ = "6 per hour;20 per day"  # skills-check attempts started, per seeker

    # Seconds a process keeps posting views and apply clicks before writing them in one batch
    # (0: each is written as it happens). See ``services.stats``.
    VIEW_FLUSH_SECONDS = 5.0

    # Pay benchmarks hide a figure backed by fewer open postings than this.
    PAY_MIN_SAMPLE = 5

    # None means "those of the loaded CMS data".
    CMS_CONVERSION_FACTOR = None
    CMS_YEAR = None

    # The public origin (scheme, host, optional path) every emailed link is built from; never
    # the request's Host header. Required outside debug/testing.
    SITE_URL = None
    # Host names the site answers for; any other Host header gets a 400. None: the host of
    # SITE_URL outside debug/testing, any host in debug/testing. A leading dot allows subdomains.
    TRUSTED_HOSTS = None
    # Secure cookies and HSTS. None: on when SITE_URL is https.
    SECURE_TRANSPORT = None
    HSTS_MAX_AGE = 60 * 60 * 24 * 365  # seconds; 0 sends no HSTS header
    # How many proxies in front of the app set each X-Forwarded-* header (0: ignore the header).
    # With PROXY_FIX_X_FOR = 1 the per-address rate limits see the client behind one proxy.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds a reset link stays valid
    EMAIL_CONFIRM_MAX_AGE = 48 * 60 * 60  # seconds a new account's confirmation link stays valid
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session


def from_environment(environ=os.environ):
    """Return the configuration keys set in ``environ``, typed."""
    found = {}
    for key in ENVIRONMENT_KEYS:
        if key in environ and environ[key] != "":
            found[key] = _typed(key, environ[key])
    return found


def _typed(key: str, value: str):
    if key in INTEGER_KEYS:
        return int(value)
    if key in LIST_KEYS:
        return [item.strip() for item in value.split(",") if item.strip()]
    if key in BOOLEAN_KEYS:
        if value.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise InvalidSetting(f"{key} must be 1/true/yes/on or 0/false/no/off, not {value!r}.")
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def site_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the public origin of emailed links, or None when it can."""
    if not url:
        return "SITE_URL is not set."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"SITE_URL must be an http or https address such as https://jobs.example.com, not {url!r}."
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"SITE_URL must be an origin (and optional path) without query, fragment or login: {url!r}."
    return None


def database_uri(url, instance_path):
    """Turn ``DATABASE_URL`` into a SQLAlchemy URI, defaulting to SQLite in the instance folder."""
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "jobboard.sqlite")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class InsecureSecretKey(RuntimeError):
    """Raised when the app would serve production traffic with the development key."""


class InvalidSetting(RuntimeError):
    """Raised at start-up when a setting is missing or malformed (e.g. no SITE_URL in production)."""
