"""The search page: ``GET /search`` with the form's fields in the query string."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from forum.search import services
from forum.search.forms import SearchForm

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    """Search the posts the viewer may read; filters and sort come from the form."""
    user = current_user._get_current_object()
    categories = services.visible_categories(user)
    form = SearchForm(request.args)
    form.set_categories(categories)
    if request.args and not form.validate():
        return _render(form, None, 400)
    if not form.has_input:
        return _render(form, None, 200)
    by_slug = {c.slug: c for c in categories}
    results = services.search_posts(user, services.SearchRequest(
        text=form.q.data or "", category=by_slug.get(form.category.data),
        author=form.author.data or "", after=form.after.data, before=form.before.data,
        newest=form.sort.data == "newest", page=form.page.data or 1,
    ))
    return _render(form, results, 503 if results.unavailable else 200)


def _render(form, results, status):
    response = render_template("search/results.html", form=form, results=results), status
    # The URL and page hold health terms: no shared cache may keep them.
    return response[0], status, {"Cache-Control": "no-store",
                                 **({"Retry-After": "60"} if status == 503 else {})}
