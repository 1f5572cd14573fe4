"""The search outbox: posts whose search document is waiting to be written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, now


class SearchOutbox(db.Model):
    """One post to re-index (or un-index).

    Rows are inserted in the same transaction as the change to the post, thread or
    category (``forum.search.indexing``), so a committed change can never be lost
    even if the index is busy or the process dies; they are deleted once the index
    holds the post's current state. Not a foreign key: the post may be gone.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
