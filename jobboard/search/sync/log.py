"""The search outbox: index changes written with the change, applied by one writer.

Every transaction that changes what a posting's document would be writes one ``search_outbox``
row per posting (``collect``). After commit, the documents built in the flush are written if
their rows still exist when the writer is held (``apply_pending``): a newer change to the same
posting (or a drain that read a newer state) deletes the older rows, so an older state never
overwrites a newer one. Whatever is left (index busy, process killed between commit and index
write, bulk changes too large to build in the flush) is applied by ``drain()``, run by
``flask worker`` and at app start.
"""
from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting, with_tags
from jobboard.models.search import SearchOutbox
from jobboard.search import search_backend
from jobboard.search.backend import IndexBusy
from jobboard.search.document import posting_document

PENDING = "search_pending"    # session.info: {posting id: (outbox row id, document or None)}
DRAIN = "search_drain"        # session.info: outbox row ids to apply from a fresh read
BATCH = 500


def _timeout() -> float:
    return current_app.config.get("SEARCH_WRITER_TIMEOUT", 2.0)


def _delete_rows(covered: dict[int, int]) -> None:
    """Delete, per posting, the outbox rows up to the one whose state is now in the index."""
    items = list(covered.items())
    with db.engine.begin() as connection:
        for start in range(0, len(items), 200):
            chunk = items[start:start + 200]
            connection.execute(delete(SearchOutbox).where(or_(*(
                and_(SearchOutbox.posting_id == posting_id, SearchOutbox.id <= row_id)
                for posting_id, row_id in chunk))))


def apply_pending(pending: dict) -> None:
    """Write documents built in a flush whose outbox rows are still there (see module doc)."""
    covered = {}

    def changes():
        with db.engine.connect() as connection:
            alive = set(connection.scalars(select(SearchOutbox.id).where(
                SearchOutbox.id.in_([row for row, _ in pending.values()]))))
        documents, deleted = [], []
        for posting_id, (row, document) in pending.items():
            if row in alive:
                covered[posting_id] = row
                (documents.append(document) if document else deleted.append(posting_id))
        return documents, deleted

    search_backend().apply(changes, _timeout())
    if covered:
        _delete_rows(covered)


def drain(rows=None, batch: int = BATCH, timeout: float | None = None, limit: int | None = None,
          background: bool = False) -> int:
    """Apply outbox rows (all, or just ``rows``) from the committed database state.

    Each batch is read while the index writer is held, so it never overwrites a newer state.
    Returns the number of rows applied. Raises IndexBusy if the writer stays locked.
    """
    done = 0
    remaining = sorted(rows) if rows is not None else None
    while True:
        taken = {}

        def changes():
            with Session(db.engine) as session:
                query = select(SearchOutbox.id, SearchOutbox.posting_id).order_by(SearchOutbox.id)
                if remaining is not None:
                    query = query.where(SearchOutbox.id.in_(remaining[:batch]))
                taken.update(session.execute(query.limit(batch)).all())
                ids = set(taken.values())
                postings = session.scalars(with_tags(
                    Posting.visible().where(Posting.id.in_(ids)))).all() if ids else []
                documents = [posting_document(p) for p in postings]
                return documents, sorted(ids - {p.id for p in postings})

        search_backend().apply(changes, timeout if timeout is not None else _timeout(), background)
        if taken:
            with db.engine.begin() as connection:
                connection.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(list(taken))))
        done += len(taken)
        if remaining is not None:
            remaining = remaining[batch:]
            if not remaining:
                return done
        elif len(taken) < batch:
            return done
        if limit is not None and done >= limit:
            return done


def reindex_postings(posting_ids) -> None:
    """Queue postings changed by bulk SQL (``update()``/``delete()`` skip session events).

    Call inside the transaction that makes the change; the index follows after its commit.
    """
    ids = sorted(set(posting_ids))
    if not ids:
        return
    rows = db.session.execute(insert(SearchOutbox).returning(SearchOutbox.id),
                              [{"posting_id": i, "created_at": utcnow()} for i in ids]).scalars()
    db.session.info.setdefault(DRAIN, set()).update(rows)


def pending_count() -> int:
    return db.session.scalar(select(db.func.count(SearchOutbox.id))) or 0


def drain_at_start(app) -> None:
    """Apply what an earlier process left behind; never stops the app from starting."""
    with app.app_context():
        try:
            drained = drain(timeout=0.5, limit=5_000)
        except IndexBusy:
            return
        except SQLAlchemyError:  # e.g. before ``flask db upgrade`` created the table
            return
        finally:
            db.session.remove()
        if drained:
            app.logger.info("Applied %d pending search index updates.", drained)
