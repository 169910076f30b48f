"""Fixtures: ``app``/``client``/``runner`` on SQLite and PostgreSQL, a loopback SMTP server,
and helpers that post forms with their CSRF token like a browser does."""
import os
import re
import socket
import threading
import uuid
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from jobboard import create_app
from jobboard.extensions import db

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "Sturdy-passphrase-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- mail --------------------------------------------------------------------------------

class Mailbox:
    """Messages received by the loopback SMTP server, parsed."""

    serving = None  # the session's mailbox, for helpers without the fixture (``Auth``)

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def clear(self):
        with self.lock:
            self.messages.clear()
        self.refuse = False

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def discard(self, message_id):
        """Drop a message that was read and dealt with (a confirmation link that was followed)."""
        with self.lock:
            # A long header arrives folded: its parsed value may keep the fold's leading space.
            self.messages[:] = [m for m in self.messages if str(m["Message-ID"]).strip() != message_id]

    @staticmethod
    def body(message):
        return message.get_body(("plain",)).get_content()


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    Mailbox.serving = mailbox
    yield mailbox
    Mailbox.serving = None
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- databases ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url():
    """A private database for this test run, dropped at the end.

    Skipped with a reason outside CI when PostgreSQL is not reachable; under CI it fails.
    """
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"jobboard_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if UNDER_CI:
            pytest.fail("CI=true requires PostgreSQL. " + message, pytrace=False)
        pytest.skip(message + " (set TEST_POSTGRES_URL or start PostgreSQL)")
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema(postgres_url):
    """Create the tables once per run; each test then starts from truncated tables."""
    app = create_app(base_config(postgres_url, "/tmp", 25))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return postgres_url


def base_config(database_uri, tmp_dir, smtp_port):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "SEARCH_INDEX_DIR": os.path.join(str(tmp_dir), "search-index"),
        "UPLOAD_DIR": os.path.join(str(tmp_dir), "uploads"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "jobs.test",
        "VIEW_FLUSH_SECONDS": 0,  # views written as they happen; tests/test_stats.py batches them
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The database URI each test runs against: every app test runs on both databases."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "test.sqlite")
    return request.getfixturevalue("postgres_schema")


def truncate_all():
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config():
    """Extra config a test module can override."""
    return {}


@pytest.fixture
def app(database, tmp_path, smtp_server, app_config):
    app = create_app({**base_config(database, tmp_path, smtp_server.port), **app_config})
    with app.app_context():
        if database.startswith("sqlite"):
            db.create_all()
        else:
            truncate_all()
        from jobboard.services.taxonomy import sync_taxonomy

        sync_taxonomy()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- browser-like helpers ------------------------------------------------------------------

CSRF_RE = re.compile(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"')


ONCE_RE = re.compile(r'name="((?:[a-z]+-)?once)" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, url, data, page=None, **kwargs):
    """GET ``page`` (default ``url``) for a CSRF token, then POST ``data`` to ``url``."""
    html = client.get(page or url).get_data(as_text=True)
    token = csrf_from(html)
    fields = {**data}
    prefix = next((k.split("-", 1)[0] for k in data if "-" in k), None)
    fields[f"{prefix}-csrf_token" if prefix else "csrf_token"] = token
    once_name = f"{prefix}-once" if prefix else "once"
    once = next((value for name, value in ONCE_RE.findall(html) if name == once_name), None)
    if once and once_name not in fields:
        fields[once_name] = once  # the page's one-time token, as a browser sends it
    return client.post(url, data=fields, **kwargs)


CONFIRM_SUBJECT = "Confirm your email address for MedCode Jobs"
CONFIRM_LINK_RE = re.compile(r"https?://[^/\s]+(/confirm-email/\S+)")


def last_email_id(app) -> int:
    from jobboard.models.mail import OutboundEmail

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(OutboundEmail.id))) or 0


def confirmation_email(app, email, after=0):
    """The newest confirmation message queued for ``email`` (after message ``after``) as
    (Message-ID, the path of its link), read from the outbox as the user reads the message;
    None when there is none."""
    from jobboard.models.mail import OutboundEmail
    from jobboard.models.user import normalize_email

    with app.app_context():
        row = db.session.execute(sa.select(OutboundEmail.message_id, OutboundEmail.body).where(
            OutboundEmail.recipient == normalize_email(email), OutboundEmail.subject == CONFIRM_SUBJECT,
            OutboundEmail.id > after).order_by(OutboundEmail.id.desc()).limit(1)).first()
    return (row.message_id, CONFIRM_LINK_RE.search(row.body).group(1)) if row else None


def confirmation_link(app, email, after=0):
    found = confirmation_email(app, email, after)
    return found[1] if found else None


class Auth:
    """Registers and signs in users through the real pages."""

    def __init__(self, client):
        self.client = client

    def register(self, role="seeker", email=None, password=PASSWORD, name="Test User", follow_link=True,
                 **extra):
        """Fill in the registration form, then (``follow_link``) open the confirmation link the
        registration emailed and confirm, as the user would, who then deletes the message (so a
        test's mailbox holds what came after): returns the email and the last response (the
        confirmation's redirect, or the form's answer when no link was sent)."""
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        data = {"role": role, "name": name, "email": email, "password": password,
                "confirm": password, **extra}
        if role == "employer" and "company_name" not in extra and "join_code" not in extra:
            data["company_name"] = "Acme Coding Services"
        before = last_email_id(self.client.application)
        response = post_form(self.client, "/register", data)
        accepted = response.status_code == 302  # a refused form sends nothing
        found = confirmation_email(self.client.application, email, after=before) if follow_link and accepted else None
        if found is None:
            return email, response
        message_id, link = found
        response = self.confirm(link)
        if Mailbox.serving is not None:
            Mailbox.serving.discard(message_id)
        return email, response

    def confirm(self, link):
        return post_form(self.client, link, {})

    def login(self, email, password=PASSWORD, **extra):
        return post_form(self.client, "/login", {"email": email, "password": password, **extra})

    def logout(self):
        return post_form(self.client, "/logout", {}, page="/")


@pytest.fixture
def auth(client):
    return Auth(client)
