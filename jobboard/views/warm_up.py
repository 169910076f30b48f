"""Pre-rendering of the public pages every visitor sees alike, for a new web worker before it
takes traffic.

The home page, the specialty pages and the curated codes' pages are requested once through the
app, as a visitor who is not signed in: that fills the per-process caches they are made from
(reference parts, job lists, posting cards, pay figures, visitors' pages). Every one of those is
kept under the versions of the shared data it shows, so what is rendered here is served only
while that data is unchanged, exactly as if the worker's first visitors had asked for it.
"""
import logging
import time

from flask import Flask
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.taxonomy import CptCode, Specialty

log = logging.getLogger(__name__)


def visitor_pages() -> list[str]:
    """The paths pre-rendered: the home page, every specialty page, every curated code page."""
    slugs = db.session.scalars(select(Specialty.slug).order_by(Specialty.position)).all()
    codes = db.session.scalars(select(CptCode.code).where(CptCode.curated.is_(True))
                               .order_by(CptCode.code)).all()
    return ["/", *(f"/specialties/{slug}" for slug in slugs), *(f"/codes/{code}" for code in codes)]


def warm_up_pages(app: Flask) -> int:
    """Request every page of ``visitor_pages`` once; returns how many answered 200. A page that
    fails (or a database that cannot list them) is logged and left for its first visitor: the
    worker starts all the same."""
    started = time.perf_counter()
    with app.app_context():
        try:
            paths = visitor_pages()
        except Exception:  # e.g. a database not migrated yet: its first visitors get the error page
            log.exception("Pre-rendering skipped: the pages to render could not be listed")
            return 0
        finally:
            db.session.remove()
    client = app.test_client()
    served = 0
    for path in paths:
        try:
            response = client.get(path, base_url=app.config["SITE_URL"])
        except Exception:
            log.exception("Pre-rendering %s failed", path)
            continue
        if response.status_code == 200:
            served += 1
        else:
            log.warning("Pre-rendering %s: HTTP %s", path, response.status_code)
    log.info("Pre-rendered %d of %d pages in %.1f s", served, len(paths), time.perf_counter() - started)
    return served
