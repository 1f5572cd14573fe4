"""Writing nudges: how often the dose-advice prompt is shown, and what authors do next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.clock import utcnow
from forum.extensions import db
from forum.models.base import UTCDateTime
from forum.models.vocab import AdviceNudgeKind, check_in


def this_hour() -> datetime:
    """Column default: the current UTC time, cut to the hour."""
    return utcnow().replace(minute=0, second=0, microsecond=0)


class AdviceNudge(db.Model):
    """One count of the dose-advice prompt (``forum.posting``): ``shown`` when a draft
    first gets the prompt, then ``rephrased`` or ``posted_anyway`` when its post is
    written. Privacy-light on purpose: no post, no author, no text, and the time only to
    the hour, so a row cannot be matched to the post written in the same second. The
    admin dashboard counts them.
    """

    __tablename__ = "advice_nudges"
    __table_args__ = (check_in("kind", AdviceNudgeKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(15))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=this_hour, index=True)
