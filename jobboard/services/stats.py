"""Posting figures: views, unique views and apply clicks, counted without ever failing a page.

Counters are written with INSERT ... ON CONFLICT on a connection of their own: concurrent first
views of a posting cannot collide, the page's session is neither expired nor poisoned by a failed
write, and a counter never touches the posting row (so never the search index).
"""
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from flask import current_app
from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from jobboard.extensions import db
from jobboard.models.activity import PostingStats, PostingVisitor
from jobboard.models.application import Application
from jobboard.models.company import Company
from jobboard.models.posting import Posting

log = logging.getLogger(__name__)

_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Figures:
    views: int = 0
    unique_views: int = 0
    applications: int = 0
    apply_clicks: int = 0


def visitor_key(anonymous_id: str) -> str:
    """A keyed hash of the session's random id: stable per visitor, useless outside this site."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, anonymous_id.encode(), hashlib.sha256).hexdigest()


def _bump(conn, posting_id: int, views=0, unique_views=0, apply_clicks=0) -> None:
    """Add to a posting's counters, creating its row on first use."""
    table = cast(Table, PostingStats.__table__)  # typed FromClause; a mapped class's is a Table
    insert = _INSERTS[conn.dialect.name](table).values(
        posting_id=posting_id, views=views, unique_views=unique_views, apply_clicks=apply_clicks)
    conn.execute(insert.on_conflict_do_update(
        index_elements=[table.c.posting_id],
        set_={name: table.c[name] + insert.excluded[name]
              for name in ("views", "unique_views", "apply_clicks")},
    ))


def _count(what: str, posting_id: int, write) -> None:
    try:
        with db.engine.begin() as conn:  # rolls back on error
            write(conn)
    except SQLAlchemyError:
        log.exception("Could not count %s of posting %s", what, posting_id)


def record_view(posting: Posting, visitor: str) -> None:
    """Count a view, and a unique view the first time ``visitor`` (a visitor_key) sees it."""
    posting_id = posting.id

    def write(conn):
        table = cast(Table, PostingVisitor.__table__)
        first = conn.execute(
            _INSERTS[conn.dialect.name](table)
            .values(posting_id=posting_id, visitor=visitor)
            .on_conflict_do_nothing()
            .returning(table.c.visitor)  # a row only when this visitor is new to the posting
        ).first() is not None
        _bump(conn, posting_id, views=1, unique_views=int(first))

    _count("a view", posting_id, write)


def record_apply_click(posting: Posting) -> None:
    """Count a click on "Apply on the employer's site"."""
    posting_id = posting.id
    _count("an apply click", posting_id, lambda conn: _bump(conn, posting_id, apply_clicks=1))


def company_figures(company: Company) -> dict[int, Figures]:
    """Figures of every posting of ``company``, by posting id, in one query."""
    applications = (
        select(Application.posting_id, func.count().label("n"))
        .join(Posting, Posting.id == Application.posting_id)
        .where(Posting.company_id == company.id)
        .group_by(Application.posting_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Posting.id, PostingStats.views, PostingStats.unique_views, applications.c.n,
               PostingStats.apply_clicks)
        .outerjoin(PostingStats, PostingStats.posting_id == Posting.id)
        .outerjoin(applications, applications.c.posting_id == Posting.id)
        .where(Posting.company_id == company.id)
    ).all()
    return {posting_id: Figures(*(value or 0 for value in values))
            for posting_id, *values in rows}
