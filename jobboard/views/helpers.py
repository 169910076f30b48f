"""Helpers shared by the views: safe redirects, role guards, visitors' pages, template globals."""
import re
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user

from jobboard.forms.auth import ConfirmForm
from jobboard.models.taxonomy import ARRANGEMENTS, EMPLOYMENT_TYPES, US_STATES
from jobboard.services.data_cache import app_cache
from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS
from jobboard.urls import external_url


def is_safe_next(target: str | None) -> TypeGuard[str]:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_next(default_endpoint: str, **values):
    target = request.args.get("next") or request.form.get("next")
    if is_safe_next(target):
        return redirect(target)
    return redirect(url_for(default_endpoint, **values))


def role_required(*roles):
    """Signed-out visitors go to the login page; users of another role get 403.

    :raise 403: the user's role is not one of ``roles``.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def flash_domain_error(form, error) -> None:
    """Show a domain error beside its field when the form has it, else as a flash message."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors or []) + [error.message]
    else:
        flash(error.message, "danger")


def home_for(user) -> str:
    if user.is_employer:
        return url_for("employer.dashboard")
    if user.is_seeker:
        return url_for("seeker.profile")
    if user.is_admin:
        return url_for("admin.queue")
    return url_for("public.home")


def format_pay(posting) -> str:
    """'$55,000–$70,000 a year' or '$27.50–$32.00 an hour'."""
    unit = "an hour" if posting.salary_unit == "hour" else "a year"
    money = "${:,.2f}" if posting.salary_unit == "hour" else "${:,.0f}"
    low, high = posting.salary_min, posting.salary_max
    if low is not None and high is not None and low != high:
        return f"{money.format(low)}–{money.format(high)} {unit}"
    if low is not None or high is not None:
        prefix = "From " if high is None else ("Up to " if low is None else "")
        return f"{prefix}{money.format(low if low is not None else high)} {unit}"
    return ""


def allow_form_target(url: str) -> None:
    """Let this page's forms end at ``url``'s origin: Chrome and Safari check CSP form-action
    against the redirects that follow a form POST, not only against the form's action."""
    parts = urlsplit(url)
    # Only a plain host[:port]: anything else could smuggle directives into the header.
    if parts.scheme in ("http", "https") and re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?",
                                                         parts.netloc):
        g.form_targets = [*g.get("form_targets", []), f"{parts.scheme}://{parts.netloc}"]


def page_for_visitors(name: str, key: Hashable, version: Hashable, render: Callable[[], Any],
                      max_entries: int = 512) -> Any:
    """``render()``, kept per process in the cache ``name`` under ``version`` for visitors who
    are not signed in and have no message waiting: their page holds nothing personal (no name,
    no form token), so all of them get the same one. Signed-in users get theirs rendered.

    ``version`` must name every version of shared data the page shows.
    """
    if current_user.is_authenticated or session.get("_flashes"):
        return render()
    origin = current_app.config["SITE_URL"] or request.host_url  # the page's canonical links
    return app_cache(name, max_entries).get((key, origin), version, render)


def register(app):
    app.add_template_filter(format_pay, "pay")
    app.add_template_global(external_url)  # canonical links (feeds, sitemap) on SITE_URL
    # Constants as globals, so templates rendered outside a request's context (a cached posting
    # card, a code page's reference part) see them too.
    app.jinja_env.globals.update(ARRANGEMENTS=ARRANGEMENTS, EMPLOYMENT_TYPES=EMPLOYMENT_TYPES,
                                 US_STATES=US_STATES, SETTINGS=SETTINGS, CODE_SETS=CODE_SETS,
                                 ENCODERS=ENCODERS)

    @app.context_processor
    def inject_globals():
        return {"confirm_form": ConfirmForm(formdata=None)}  # render-only: never read the body

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
            + " ".join(["form-action 'self'", *g.get("form_targets", [])]),
        )
        return response
