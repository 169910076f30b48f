"""The search change log: postings whose index document must be rewritten or removed."""
from datetime import datetime

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.extensions import Model
from jobboard.models.base import utcnow


class SearchChange(Model):
    """One entry of the append-only log every host's index follows.

    Written in the transaction that changed the posting, so a rollback leaves no entry and a
    commit always has one. Ids only grow (``AUTOINCREMENT`` on SQLite, so a pruned id is never
    reused); each host's index remembers the id it has applied up to. An entry names the posting
    only: a follower indexes the posting as the database holds it when the entry is applied, so
    entries may be applied late, twice or out of order. ``posting_id`` is no foreign key: a
    deleted posting must still leave every index. Old entries are pruned after a retention period.
    """

    __tablename__ = "search_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    posting_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
