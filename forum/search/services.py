"""Searching posts for a viewer: parse, filter by visibility twice, load, highlight.

1. The text is parsed (``forum.search.query``) and the form's filters become
   Whoosh terms and ranges.
2. The index is asked only for documents the viewer may find
   (``forum.search.visibility.search_filter``).
3. The rows are loaded from the database through ``permissions.visible_post_filter``
   and re-checked with ``permissions.can_view_post``: a stale index entry is dropped
   silently, never shown. Hit order is kept.

Search terms are never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from whoosh import query as wq

from forum import permissions
from forum.extensions import db
from forum.models import Category, Post, Thread, User, display_name_key
from forum.search import visibility
from forum.search.highlight import Pieces, mark_all, snippet
from forum.search.index import IndexUnavailable
from forum.search.query import ParsedQuery, parse

log = logging.getLogger(__name__)


@dataclass
class SearchRequest:
    """What the viewer asked for (already validated by the form)."""

    text: str = ""
    category: Category | None = None
    author: str = ""
    after: date | None = None
    before: date | None = None
    newest: bool = False
    page: int = 1


@dataclass
class SearchHit:
    post: Post
    title: Pieces
    snippet: Pieces


@dataclass
class SearchResults:
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    page: int = 1
    per_page: int = 20
    notes: list[str] = field(default_factory=list)
    empty_query: bool = False
    unavailable: bool = False

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def search_posts(user, request: SearchRequest) -> SearchResults:
    """One page of posts matching ``request`` that ``user`` may read."""
    per_page = current_app.config["SEARCH_RESULTS_PER_PAGE"]
    parsed = parse(request.text)
    results = SearchResults(page=request.page, per_page=per_page, notes=list(parsed.notes))
    if parsed.is_empty:
        results.empty_query = True
        return results
    facets = _facets(request, results)
    if facets is None:
        return results
    indexer = current_app.extensions["forum.search"]
    try:
        hits = _query_index(indexer, user, parsed, facets, request, per_page)
    except IndexUnavailable:
        results.unavailable = True
        return results
    results.total, results.capped = hits.total, hits.capped
    results.hits = _load_hits(user, hits.ids, parsed)
    return results


def _query_index(indexer, user, parsed: ParsedQuery, facets: list[wq.Query], request, per_page):
    """Run the search; a missing or unreadable index is rebuilt (or being rebuilt)."""
    q = parsed.to_whoosh()
    if facets:
        q = wq.And([q, *facets])
    allow = visibility.search_filter(user)
    offset = (request.page - 1) * per_page

    def run():
        return indexer.index.search(q, allow=allow, newest=request.newest,
                                    offset=offset, limit=per_page)

    try:
        return run()
    except IndexUnavailable:  # missing: rebuild it (inline when small)
        indexer.index.close_searcher()
        if not indexer.ensure():
            raise
    except Exception as exc:  # noqa: BLE001 - unreadable or damaged index files
        indexer.index.close_searcher()
        log.error("search failed type=%s; rebuilding the index", type(exc).__name__)
        if not indexer.recover_from_search_error():
            raise IndexUnavailable(type(exc).__name__) from exc
    try:
        return run()
    except Exception as exc:  # noqa: BLE001
        indexer.index.close_searcher()
        raise IndexUnavailable(type(exc).__name__) from exc


def _facets(request: SearchRequest, results: SearchResults) -> list[wq.Query] | None:
    """Whoosh terms for the form's filters; None when they can match nothing."""
    facets: list[wq.Query] = []
    if request.category is not None:
        facets.append(wq.Term("category_id", str(request.category.id)))
    if request.author:
        author_id = db.session.scalar(
            select(User.id).where(User.display_name_key == display_name_key(request.author))
        )
        if author_id is None:
            results.notes.append("No member has that display name.")
            return None
        facets.append(wq.Term("author_id", str(author_id)))
    if request.after or request.before:
        start = _epoch(request.after) if request.after else None
        end = _epoch(request.before + timedelta(days=1)) - 1 if request.before else None
        facets.append(wq.NumericRange("created", start, end))
    return facets


def _epoch(day: date) -> int:
    """Seconds since the epoch at the start of ``day`` (UTC, like every stored time)."""
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def _load_hits(user, post_ids: list[int], parsed: ParsedQuery) -> list[SearchHit]:
    """Rows for ``post_ids`` that ``user`` may read, in the same order, with snippets."""
    if not post_ids:
        return []
    rows = db.session.scalars(
        select(Post).join(Post.thread).join(Thread.category)
        .where(Post.id.in_(post_ids), permissions.visible_post_filter(user),
               permissions.visible_category_filter(user))
        .options(joinedload(Post.thread).joinedload(Thread.category), joinedload(Post.author))
    ).all()
    by_id = {post.id: post for post in rows if permissions.can_view_post(user, post)}
    terms = parsed.highlight_terms()
    return [SearchHit(post=by_id[i], title=mark_all(by_id[i].thread.title, terms),
                      snippet=snippet(by_id[i].body_text, terms))
            for i in post_ids if i in by_id]


def visible_categories(user) -> list[Category]:
    """Categories offered in the filter: the ones ``user`` may see."""
    return list(db.session.scalars(
        select(Category).where(permissions.visible_category_filter(user))
        .order_by(Category.position, Category.name)
    ))
