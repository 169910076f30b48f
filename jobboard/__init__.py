"""MedCode Jobs: a job board for medical coders.

``create_app`` reads as the list of steps that build the application.
"""
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g

# The models package is imported before the extensions: extensions.py needs the
# declarative base, and the models need the bound ``db`` object.
from jobboard import models  # noqa: F401  (registers every table on the metadata)
from jobboard.config import (
    DEV_SECRET_KEY,
    DEV_SITE_URL,
    Defaults,
    InsecureSecretKey,
    InvalidSetting,
    database_uri,
    from_environment,
    site_url_problem,
)
from jobboard.extensions import compress, csrf, db, limiter, login_manager, migrate
from jobboard.search import register_search

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the app: config layers, extensions, blueprints, error pages, CLI."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("JOBBOARD_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    register_transport(app)
    register_extensions(app)
    register_search(app)
    register_blueprints(app)
    register_input_rules(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app



def configure(app, test_config=None):
    """Layer the config: defaults, instance/config.py, environment, then the test mapping."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config is not None:
        app.config.update(test_config)

    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get(
        "SQLALCHEMY_DATABASE_URI"
    ) or database_uri(app.config["DATABASE_URL"], app.instance_path)
    app.config["SEARCH_INDEX_DIR"] = app.config["SEARCH_INDEX_DIR"] or os.path.join(
        app.instance_path, "search-index"
    )
    app.config["UPLOAD_DIR"] = app.config["UPLOAD_DIR"] or os.path.join(
        app.instance_path, "uploads"
    )
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise InsecureSecretKey(
            "Refusing to start with the development SECRET_KEY outside debug or testing. "
            "Set SECRET_KEY in the environment or in instance/config.py."
        )
    configure_site(app)


def configure_site(app):
    """Resolve SITE_URL and what follows from it: trusted hosts, secure cookies.

    Outside debug/testing the app refuses to start without SITE_URL, since emailed links
    are built from it and never from the request's Host header.
    """
    config = app.config
    development = app.debug or app.testing
    if not config["SITE_URL"] and development:
        config["SITE_URL"] = f"http://{config['SERVER_NAME']}" if config.get("SERVER_NAME") else DEV_SITE_URL
    problem = site_url_problem(config["SITE_URL"])
    if problem:
        raise InvalidSetting(
            f"{problem} Set SITE_URL (e.g. https://jobs.example.com) in the environment or in "
            "instance/config.py: every link in every email is built from it."
        )
    config["SITE_URL"] = config["SITE_URL"].rstrip("/")
    site = urlsplit(config["SITE_URL"])
    if config["TRUSTED_HOSTS"] is None and not development:
        config["TRUSTED_HOSTS"] = [site.hostname]
    if config["SECURE_TRANSPORT"] is None:
        config["SECURE_TRANSPORT"] = site.scheme == "https"
    if config["SECURE_TRANSPORT"]:
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True


def register_transport(app):
    from jobboard.transport import register

    register(app)


def register_extensions(app):
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from jobboard.services.sessions import load_user

    login_manager.user_loader(load_user)

    app.config["COMPRESS_REGISTER"] = False  # compress_response decides, below
    compress.init_app(app)
    app.after_request(compress_response)


def compress_response(response):
    """Compress text (CSS, JS, JSON, pages) unless the page carries a CSRF token: a compressed
    secret next to reflected input (the search box) could be guessed byte by byte (BREACH)."""
    token = g.get("csrf_token")
    if token and not response.is_streamed and token.encode() in response.get_data():
        return response
    return compress.after_request(response)


def configure_sqlite(engine):
    """Enforce foreign keys, let readers run beside a writer (WAL), wait for locks."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_blueprints(app):
    from jobboard.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any rule uses it
    from jobboard.views import (
        admin,
        api,
        auth,
        codes,
        credentials,
        employer,
        postings,
        public,
        salaries,
        search,
        seeker,
        skills,
    )

    for module in (public, auth, seeker, employer, postings, codes, api, admin, search, skills, credentials, salaries):
        app.register_blueprint(module.bp)


def register_input_rules(app):
    from jobboard.text_input import register

    register(app)


def register_errorhandlers(app):
    from jobboard.views.errors import register

    register(app)


def register_template_helpers(app):
    from jobboard.views.helpers import register

    register(app)


def register_commands(app):
    from jobboard.cli import register

    register(app)
