"""Who may find which posts in search: the Whoosh side of ``forum.permissions``.

This is the one function that turns the visibility rule into a Whoosh filter. It
mirrors ``permissions.visible_post_filter`` and asks ``forum.permissions`` for every
decision it depends on: which categories the viewer may see
(``visible_category_filter``) and which ones they moderate (``can_moderate``). Both
sets are read from the database on each search, so a category that has just become
members-only, or a moderator who has just been assigned or lost their training, is
filtered correctly at once, before any document is re-indexed. The rows are checked
again with ``permissions.can_view_post`` after loading, so the index is never the
authority. Change this function whenever ``visible_post_filter`` changes.

The rule, over indexed fields (``status``, ``category_id``, ``members_only``,
``listed`` for the thread, ``author_id``, ``thread_author_id``):

- visitors: visible posts in listed threads of public categories;
- members: visible posts in listed threads; their own pending, hidden or removed
  posts; the visible posts of their own threads even while unlisted;
- moderators: also every post, in any status, in the categories they moderate (all
  categories for admins). Author-deleted posts are never indexed at all.
"""

from __future__ import annotations

from sqlalchemy import select
from whoosh import query as wq

from forum import permissions
from forum.extensions import db
from forum.models import Category

OWN_STATUSES = ("pending", "hidden", "removed")
FilterParts = list[tuple[tuple | None, wq.Query]]


def visible_category_ids(user) -> list[int]:
    """Ids of the categories ``user`` may see (all of them for members)."""
    return list(db.session.scalars(
        select(Category.id).where(permissions.visible_category_filter(user))
        .order_by(Category.id)
    ))


def moderated_category_ids(user, category_ids: list[int]) -> list[int]:
    """Those of ``category_ids`` in which ``user`` sees posts of every status."""
    moderated = permissions.moderated_category_ids(user)
    if moderated is permissions.ALL:
        return list(category_ids)
    return [cid for cid in category_ids if cid in moderated]


def search_filter(user) -> FilterParts:
    """The documents ``user`` may find, as a union of ``(cache_key, query)`` parts.

    A part's ``cache_key`` names everything its documents depend on besides the index
    itself, so the searcher keeps its document set until the index changes; the part
    that is personal to one member has no key and is computed per search (it matches
    few documents: their own).
    """
    category_ids = visible_category_ids(user)
    categories = _any_of("category_id", category_ids)
    listed_visible = wq.And([wq.Term("status", "visible"), wq.Term("listed", "1"), categories])
    if not getattr(user, "is_authenticated", False):
        return [(("visitor", tuple(category_ids)),
                 wq.And([listed_visible, wq.Term("members_only", "0")]))]
    parts: FilterParts = [(("member", tuple(category_ids)), listed_visible)]
    moderated = moderated_category_ids(user, category_ids)
    if moderated:
        parts.append((("moderated", tuple(moderated)), wq.And([
            _any_of("category_id", moderated), wq.Not(wq.Term("status", "deleted_by_author"))])))
    me = str(user.id)
    own_post = wq.And([wq.Term("author_id", me), _any_of("status", OWN_STATUSES)])
    own_thread = wq.Term("thread_author_id", me)
    parts.append((None, wq.And([categories, wq.Or([
        wq.And([own_post, wq.Or([wq.Term("listed", "1"), own_thread])]),
        wq.And([own_thread, wq.Term("status", "visible")]),
    ])])))
    return parts


def _any_of(field: str, values) -> wq.Query:
    terms = [wq.Term(field, str(value)) for value in values]
    return wq.Or(terms) if terms else wq.NullQuery
