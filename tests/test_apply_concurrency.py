"""50 identical apply requests at once against a real server process: exactly one row."""
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from jobboard.extensions import db
from jobboard.models.application import Application, Resume
from jobboard.models.mail import OutboundEmail
from jobboard.models.user import User
from tests.conftest import PASSWORD, free_port
from tests.factories import make_employer, make_posting
from tests.test_applications import pdf_bytes

REQUESTS = 50


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_server(app, port):
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "concurrency-test-secret-key", "JOBBOARD_INSTANCE_PATH": app.instance_path,
           "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]),
           "SITE_URL": f"http://127.0.0.1:{port}"}
    env.pop("FLASK_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "jobboard", "run", "--port", str(port),
         "--with-threads", "--no-reload"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def test_fifty_concurrent_identical_applies_make_one_row(app, tmp_path):
    app.instance_path = str(tmp_path)
    with app.app_context():
        posting_id = make_posting(author=make_employer(email="boss@example.com")).id
        seeker = User(email="racer@example.com", password=PASSWORD, role="seeker", name="Racer")
        db.session.add(seeker)
        db.session.commit()
        os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
        with open(os.path.join(app.config["UPLOAD_DIR"], "a" * 32 + ".pdf"), "wb") as handle:
            handle.write(pdf_bytes())
        db.session.add(Resume(user_id=seeker.id, stored_name="a" * 32 + ".pdf", original_name="cv.pdf",
                              content_type="application/pdf", size=len(pdf_bytes())))
        db.session.commit()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(app, port)
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

        def csrf(path):
            html = opener.open(base + path).read().decode()
            return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

        login = urllib.parse.urlencode({"email": "racer@example.com", "password": PASSWORD,
                                        "csrf_token": csrf("/login")}).encode()
        try:
            opener.open(base + "/login", data=login)
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302
        html = opener.open(f"{base}/jobs/{posting_id}").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        once = re.search(r'name="once" type="hidden" value="([^"]+)"', html).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        # One form sent 50 times at once: its one-time token and the unique constraint both hold.
        body = urllib.parse.urlencode({"csrf_token": token, "once": once, "cover_note": "Pick me"}).encode()

        def apply(_):
            request = urllib.request.Request(
                f"{base}/jobs/{posting_id}/apply", data=body, method="POST",
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            try:
                return urllib.request.build_opener(NoRedirect).open(request, timeout=60).status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
            statuses = list(pool.map(apply, range(REQUESTS)))
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert statuses == [302] * REQUESTS  # every request answered: applied, or "already applied"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 1
        # The employer's notice and the seeker's copy, once each.
        assert db.session.scalar(db.select(db.func.count(OutboundEmail.id))) == 2
