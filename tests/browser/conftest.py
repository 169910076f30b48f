"""A live server on loopback and Debian's Chromium driven by Playwright.

Browser tests run on SQLite (the server runs in this process, in a thread); the same
pages are covered on PostgreSQL by the test-client tests.
"""
import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from jobboard import create_app
from jobboard.extensions import db
from tests.conftest import UNDER_CI, base_config, confirmation_link, free_port

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if UNDER_CI:
            pytest.fail("CI=true requires the browser tests to run: " + message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(tmp_path, smtp_server):
    """Serve a fresh app (schema from the migrations, taxonomy and codes loaded) on a free port."""
    from flask_migrate import upgrade

    from jobboard.services.codes import load_curated_codes

    port = free_port()
    config = base_config("sqlite:///" + str(tmp_path / "live.sqlite"), tmp_path, smtp_server.port)
    config.pop("SERVER_NAME")
    config["RATELIMIT_ENABLED"] = False
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_curated_codes()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    # Generous: a page waits on a live server that a busy 2-core machine may answer slowly;
    # a passing test never waits this long.
    page.set_default_timeout(int(os.environ.get("BROWSER_TIMEOUT_MS", "30000")))
    yield page
    context.close()


def scroll_width(page) -> int:
    """The page's full width: more than the viewport means sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth")


def confirm_email(page, live_server, email):
    """After "Create account": the page says to check the email; open the link the message
    carries (read from the outbox) and press its button, as the user does."""
    expect(page.get_by_text("Check your email to finish creating your account")).to_be_visible()
    page.goto(confirmation_link(live_server, email))
    page.get_by_role("button", name="Confirm my email address").click()
