"""All models in one namespace, for Alembic autogenerate and ``flask shell``."""

from forum.models.digest import (
    DELIVERY_STATUSES,
    SUBSCRIPTION_STATUSES,
    DigestDelivery,
    DigestFeature,
    DigestSubscription,
    digest_subscription_categories,
)
from forum.models.forum import (
    POST_STATUSES,
    REACTION_KINDS,
    Category,
    Post,
    PostRevision,
    Reaction,
    Thread,
)
from forum.models.moderation import (
    FLAG_REASONS,
    PHRASE_ACTIONS,
    PHRASE_CATEGORIES,
    AuditEntry,
    CategoryModerator,
    Flag,
    ModerationNotice,
    ModeratorTraining,
    ReviewItem,
    WatchedPhrase,
)
from forum.models.search import SearchOutbox
from forum.models.users import ROLES, User, display_name_key, normalize_email

__all__ = [
    "DELIVERY_STATUSES",
    "SUBSCRIPTION_STATUSES",
    "DigestDelivery",
    "DigestFeature",
    "DigestSubscription",
    "digest_subscription_categories",
    "FLAG_REASONS",
    "PHRASE_ACTIONS",
    "PHRASE_CATEGORIES",
    "AuditEntry",
    "CategoryModerator",
    "Flag",
    "ModerationNotice",
    "ModeratorTraining",
    "ReviewItem",
    "WatchedPhrase",
    "POST_STATUSES",
    "REACTION_KINDS",
    "ROLES",
    "Category",
    "Post",
    "PostRevision",
    "Reaction",
    "SearchOutbox",
    "Thread",
    "User",
    "display_name_key",
    "normalize_email",
]
