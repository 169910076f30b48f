"""Configuration layering and the production secret-key guard."""
import pytest

from jobboard import create_app
from jobboard.config import DEV_SECRET_KEY, InsecureSecretKey, InvalidSetting, database_uri, from_environment


def test_defaults_then_instance_file_then_environment_then_test_mapping(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-instance-file'\nMAIL_SERVER = 'mail.instance'\nMAIL_PORT = 2525\n"
        "SITE_URL = 'https://jobs.example.com'\n"
    )
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MAIL_SERVER", "mail.env")

    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance-file"  # instance file over defaults
    assert app.config["MAIL_SERVER"] == "mail.env"  # environment over the instance file
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"  # default kept
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/jobboard.sqlite"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "uploads")

    tested = create_app({"TESTING": True, "MAIL_SERVER": "mail.test"})
    assert tested.config["MAIL_SERVER"] == "mail.test"  # the test mapping wins
    assert tested.config["SECRET_KEY"] == DEV_SECRET_KEY  # instance file skipped for tests


def test_environment_values_are_typed(monkeypatch):
    env = {"MAIL_PORT": "587", "CMS_YEAR": "2023", "DATABASE_URL": "postgres://u@h/db", "SITE_URL": "",
           "TRUSTED_HOSTS": "jobs.example.com, .example.org,", "SECURE_TRANSPORT": "off",
           "PROXY_FIX_X_FOR": "1"}
    found = from_environment(env)
    assert found == {"MAIL_PORT": 587, "CMS_YEAR": 2023, "DATABASE_URL": "postgres://u@h/db",
                     "TRUSTED_HOSTS": ["jobs.example.com", ".example.org"], "SECURE_TRANSPORT": False,
                     "PROXY_FIX_X_FOR": 1}
    with pytest.raises(InvalidSetting, match="SECURE_TRANSPORT"):
        from_environment({"SECURE_TRANSPORT": "maybe"})


def test_database_url_forms():
    assert database_uri(None, "/srv/i") == "sqlite:////srv/i/jobboard.sqlite"
    assert database_uri("postgres://u@h/db", "/x") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql://u@h/db", "/x") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql+psycopg://u@h/db", "/x") == "postgresql+psycopg://u@h/db"


def test_refuses_development_key_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(InsecureSecretKey, match="SECRET_KEY"):
        create_app()


def test_development_key_allowed_in_debug_and_testing(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert create_app().config["SECRET_KEY"] == DEV_SECRET_KEY
    monkeypatch.delenv("FLASK_DEBUG")
    assert create_app({"TESTING": True}).testing


def test_secret_from_environment_starts_production(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret-from-the-environment")
    monkeypatch.setenv("SITE_URL", "https://jobs.example.com")
    app = create_app()
    assert not app.debug and app.config["SECRET_KEY"].startswith("a-long-production")
