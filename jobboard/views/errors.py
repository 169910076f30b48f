"""Error pages: HTML for pages, the contract's JSON body under /api/."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from jobboard.extensions import db
from jobboard.services import NotFound

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "File too large",
    429: "Too many requests",
    500: "Something went wrong",
}


def error_response(status: int, message: str, code: str | None = None, **context):
    if request.path.startswith("/api/"):
        body = {"error": {"code": code or TITLES.get(status, "error").lower().replace(" ", "_"),
                          "message": message}}
        return jsonify(body), status
    return (
        render_template("errors/error.html", status=status, title=TITLES.get(status, "Error"),
                        message=message, **context),
        status,
    )


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400, "Your form expired or was sent from another site. Reload the page and try again.",
            code="csrf",
        )

    @app.errorhandler(400)
    def bad_request(error):
        return error_response(400, getattr(error, "description", None) or "The request was not valid.")

    @app.errorhandler(403)
    def forbidden(error):
        return error_response(403, "You do not have access to this page.")

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(error):
        """Werkzeug's 404 and the services' NotFound (a missing or someone else's record) alike."""
        return error_response(404, "There is nothing at this address.")

    @app.errorhandler(405)
    def method_not_allowed(error):
        return error_response(405, "This address does not accept that kind of request.")

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error_response(413, f"The upload is too large: files may be at most {limit - 1} MB.")

    @app.errorhandler(429)
    def too_many(error):
        return error_response(
            429, "Too many attempts. Wait a minute and try again.", code="rate_limited"
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_response(500, "Something went wrong on our side. Please try again.")
