"""The fixed vocabularies of the models' string columns, as ``StrEnum``s.

Each enum is the one list of the values a column may hold. Where the database
enforces the list, the CHECK constraint is generated from the enum by ``check_in``,
whose SQL text is exactly what the migrations wrote by hand (``role IN ('member',
'moderator', 'admin')``): adding, removing or reordering a value therefore changes the
constraint's text, and needs a migration. The order of the members is the order of
the values in that text, and the order forms and labels use.

A ``StrEnum`` member *is* its string value (``Role.ADMIN == "admin"``, it hashes and
formats as ``"admin"``), so code and templates that use plain strings keep working, and
dicts keyed by members can be looked up with plain strings. Values loaded from the
database are plain ``str``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import CheckConstraint

_E = TypeVar("_E", bound=StrEnum)
_V = TypeVar("_V")

# --- enforced by a CHECK constraint ---------------------------------------------------


class Role(StrEnum):
    """``users.role``."""

    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class PostStatus(StrEnum):
    """``posts.status``."""

    VISIBLE = "visible"
    PENDING = "pending"
    HIDDEN = "hidden"
    REMOVED = "removed"
    DELETED_BY_AUTHOR = "deleted_by_author"


class ReactionKind(StrEnum):
    """``reactions.kind``."""

    THANKS = "thanks"
    ME_TOO = "me_too"


class OutboxStatus(StrEnum):
    """``email_outbox.status``: waiting (or retrying), delivered, or given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class ReviewStatus(StrEnum):
    """``review_items.status``."""

    OPEN = "open"
    RESOLVED = "resolved"


class PhraseAction(StrEnum):
    """``watched_phrases.action``: what a match does to a post at write time."""

    HOLD = "hold"
    FLAG = "flag"
    BLOCK = "block"


class SubscriptionStatus(StrEnum):
    """``digest_subscriptions.status``."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"


class DeliveryStatus(StrEnum):
    """``digest_deliveries.status`` (the ledger's states, see ``DigestDelivery``)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ExportStatus(StrEnum):
    """``data_exports.status``: a member's "Download my data" job."""

    PENDING = "pending"  # waiting for `flask exports run` (claimed with a lease)
    READY = "ready"  # the ZIP is built; the member was emailed and may download it once
    DOWNLOADED = "downloaded"  # the single-use link was used (the file is deleted)
    EXPIRED = "expired"  # 7 days passed (the file is deleted)
    FAILED = "failed"  # gave up after the last attempt


class DeletionPosts(StrEnum):
    """``users.deletion_posts``: what erasure does with the member's posts."""

    REMOVE = "remove"  # removed, except replies others quoted (kept, anonymised)
    KEEP = "keep"  # all kept, shown as "a former member"


class AdviceNudgeKind(StrEnum):
    """``advice_nudges.kind``: the dose-advice prompt was shown, or the post that followed
    it was rephrased or posted anyway."""

    SHOWN = "shown"
    REPHRASED = "rephrased"
    POSTED_ANYWAY = "posted_anyway"


class FollowLevel(StrEnum):
    """``thread_follows.level``: hear about every new post, or never about this thread
    (a mute also beats following its category)."""

    FOLLOW = "follow"
    MUTE = "mute"


class NotificationKind(StrEnum):
    """``notifications.kind``: what the member is told about."""

    REPLY = "reply"
    MENTION = "mention"
    QUOTE = "quote"
    MODERATION = "moderation"
    REACTIONS = "reactions"


# --- not (yet) enforced by the database: a CHECK constraint would need a migration ----


class FlagReason(StrEnum):
    """``flags.reason`` and ``review_items.reason``, in the order members see them."""

    RISK_OF_HARM = "risk_of_harm"
    MEDICAL_ADVICE = "medical_advice"
    PRESCRIPTIONS = "prescriptions"
    HARASSMENT = "harassment"
    PERSONAL_INFO = "personal_info"
    SPAM = "spam"
    OTHER = "other"
    # Raised by the risk engine only (never offered to members): signs of distress or a
    # health worry in a published post, so a moderator checks in soon.
    CHECK_IN = "check_in"


class ReviewSource(StrEnum):
    """``review_items.source``: what put the post in the review queue."""

    FLAGS = "flags"
    PRE_MODERATION = "pre_moderation"
    WATCHED_PHRASE = "watched_phrase"
    SCREENING_RULES = "screening_rules"
    SCREENING = "screening"  # the risk engine (forum.moderation.screening)


class RiskKind(StrEnum):
    """``review_items.risk_kind``: what kind of crisis or check-in the risk engine saw."""

    EMOTIONAL = "emotional"
    MEDICAL = "medical"


class ReviewOutcome(StrEnum):
    """``review_items.outcome``: how a resolved item was closed."""

    DISMISSED = "dismissed"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    REMOVED = "removed"
    EDITED = "edited"
    LOCKED = "locked"
    WARNED = "warned"
    SUSPENDED = "suspended"


class PhraseCategory(StrEnum):
    """``watched_phrases.category``."""

    CRISIS = "crisis"
    MEDICAL_EMERGENCY = "medical_emergency"
    PRESCRIPTION_TRADING = "prescription_trading"
    SPAM = "spam"
    PERSONAL_INFORMATION = "personal_information"


class AuditTargetType(StrEnum):
    """``audit_entries.target_type``: what kind of row ``target_id`` points at."""

    USER = "user"
    POST = "post"
    THREAD = "thread"
    CATEGORY = "category"
    REVIEW_ITEM = "review_item"
    WATCHED_PHRASE = "watched_phrase"


# --- helpers ---------------------------------------------------------------------------


def in_list_sql(column: str, enum: type[StrEnum]) -> str:
    """The SQL ``column IN ('a', 'b', ...)`` allowing exactly ``enum``'s values, in order."""
    values = ", ".join("'{}'".format(member.value.replace("'", "''")) for member in enum)
    return f"{column} IN ({values})"


def check_in(column: str, enum: type[StrEnum], *, name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that ``column`` holds one of ``enum``'s values.

    ``name`` defaults to the column's name; the naming convention turns it into
    ``ck_<table>_<name>`` (``forum.extensions.NAMING_CONVENTION``).
    """
    return CheckConstraint(in_list_sql(column, enum), name=name or column)


def labelled(enum: type[_E], labels: Mapping[str, _V]) -> dict[_E, _V]:
    """``labels`` keyed by ``enum``'s members, in the enum's order. Refuses (at import)
    a labels mapping that misses a member or has a key that is not one."""
    keys = {str(key) for key in labels}
    values = {member.value for member in enum}
    if keys != values:
        raise ValueError(f"{enum.__name__} labels: missing {sorted(values - keys)}, "
                         f"unknown {sorted(keys - values)}")
    return {member: labels[member] for member in enum}
