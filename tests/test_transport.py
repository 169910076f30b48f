"""Production transport: proxy addresses for rate limits, secure cookies, HSTS, no-store, no banner."""
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, post_form

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def failed_logins(client, forwarded_for, times):
    return [post_form(client, "/login", {"email": "nobody@example.com", "password": "wrong password!"},
                      headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(times)]


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_X_FOR": 1}])
def test_behind_a_proxy_each_client_address_has_its_own_limit(app, client):
    assert failed_logins(client, "203.0.113.1", 11) == [401] * 10 + [429]
    assert failed_logins(client, "203.0.113.2", 1) == [401]  # another client, same proxy address
    assert failed_logins(client, "203.0.113.1", 1) == [429]


def test_without_proxy_fix_the_forwarded_header_is_ignored(app, client):
    assert failed_logins(client, "203.0.113.1", 10) == [401] * 10
    # A client cannot pick a fresh address for itself by sending the header.
    assert failed_logins(client, "203.0.113.99", 1) == [429]


@pytest.mark.parametrize("app_config", [{"SITE_URL": "https://jobs.test"}])
def test_https_site_sends_secure_cookies_and_hsts(app, client, auth):
    email, _ = auth.register("seeker")
    auth.logout()
    response = auth.login(email, remember="y")
    set_cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in set_cookies} == {"session", "remember_token"}
    assert all("; Secure" in c and "; HttpOnly" in c and "SameSite=Lax" in c for c in set_cookies)
    assert client.get("/jobs").headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("app_config", [{"SITE_URL": "https://jobs.test", "SECURE_TRANSPORT": False}])
def test_secure_transport_can_be_turned_off(app, client, auth):
    _, response = auth.register("seeker")
    assert all("Secure" not in c for c in response.headers.getlist("Set-Cookie"))
    assert "Strict-Transport-Security" not in client.get("/jobs").headers


def test_plain_http_site_sends_neither(app, client, auth):
    _, response = auth.register("seeker")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in client.get("/jobs").headers


def test_signed_in_pages_are_not_stored_by_caches(app, client, auth):
    assert "no-store" not in client.get("/jobs").headers.get("Cache-Control", "")
    auth.register("employer")
    for path in ("/employer", "/account", "/jobs", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/site.css").headers.get("Cache-Control", "")


def test_gunicorn_config_serves_without_a_server_banner(tmp_path):
    """The shipped gunicorn.conf.py: threaded workers, no ``Server`` header, hosts checked."""
    port = free_port()
    env = {**os.environ, "SECRET_KEY": "transport-test-secret-key", "SITE_URL": "https://jobs.example.com",
           "TRUSTED_HOSTS": "jobs.example.com", "JOBBOARD_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": "sqlite:///" + str(tmp_path / "serve.sqlite"),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "2"}
    env.pop("FLASK_DEBUG", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard:create_app()"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/static/css/site.css", headers={"Host": "jobs.example.com"})
                response = connection.getresponse()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        response.read()
        assert response.status == 200
        assert response.getheader("Server") is None
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
        connection.request("GET", "/static/css/site.css", headers={"Host": "evil.example"})
        refused = connection.getresponse()
        assert refused.status == 400 and b"does not answer for the host name" in refused.read()
        assert refused.getheader("Server") is None
    finally:
        server.terminate()
        server.wait(timeout=10)


