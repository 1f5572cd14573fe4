"""All models in one namespace, for Alembic autogenerate and ``flask shell``."""

from forum.models.forum import (
    POST_STATUSES,
    REACTION_KINDS,
    Category,
    Post,
    PostRevision,
    Reaction,
    Thread,
)
from forum.models.users import ROLES, User, display_name_key, normalize_email

__all__ = [
    "POST_STATUSES",
    "REACTION_KINDS",
    "ROLES",
    "Category",
    "Post",
    "PostRevision",
    "Reaction",
    "Thread",
    "User",
    "display_name_key",
    "normalize_email",
]
