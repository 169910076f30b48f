"""How the app meets the network: proxy headers, unknown hosts, HSTS, caching of private pages.

``ProxyFix`` is applied only as far as configured (``PROXY_FIX_X_FOR`` etc.): trusting
``X-Forwarded-For`` without a proxy in front would let any client pick its own address and so
dodge the per-address rate limits.
"""
from flask import jsonify, render_template, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

UNKNOWN_HOST = "This site does not answer for the host name in your request. Check the address you typed."
PROXY_FIX_KEYS = {"x_for": "PROXY_FIX_X_FOR", "x_proto": "PROXY_FIX_X_PROTO",
                  "x_host": "PROXY_FIX_X_HOST", "x_port": "PROXY_FIX_X_PORT",
                  "x_prefix": "PROXY_FIX_X_PREFIX"}


def register(app):
    hops = {arg: app.config[key] for arg, key in PROXY_FIX_KEYS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)

    @app.errorhandler(SecurityError)
    def unknown_host(error):
        """A Host header not in TRUSTED_HOSTS. URLs cannot be built for it, so the page is standalone."""
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "unknown_host", "message": UNKNOWN_HOST}}), 400
        return render_template("errors/unknown_host.html", message=UNKNOWN_HOST), 400

    @app.after_request
    def transport_headers(response):
        if app.config["SECURE_TRANSPORT"] and app.config["HSTS_MAX_AGE"]:
            response.headers["Strict-Transport-Security"] = f"max-age={app.config['HSTS_MAX_AGE']}"
        # Pages for a signed-in user must not stay in a shared or back-button cache. (Whether the
        # request was signed in: ``is_authenticated`` reads the user's row again after a commit.)
        if request.endpoint != "static" and not current_user.is_anonymous:
            response.headers["Cache-Control"] = "no-store"
        return response
