"""Small helpers every blueprint's views share: URL converters, the real current user,
page numbers from the query string and the staff guards.

One helper per decision, so every view answers the same way: a malformed page number
is a 404 everywhere, a visitor on a staff page is sent to log in, a member gets 403.
"""

from __future__ import annotations

import re
from functools import wraps

from flask import abort, request
from flask_login import current_user

from forum import permissions
from forum.extensions import login_manager

# Ids in URLs stop at the largest INTEGER primary key: a longer number is a 404 from
# routing, not an out-of-range error from the database driver (a 500 on PostgreSQL).
ID = "int(max=2147483647)"

# ASCII digits only ("²".isdigit() is true but int() refuses it), and few enough of
# them that page * per_page stays a small integer for the database's OFFSET.
_NUMBER = re.compile(r"[0-9]{1,9}")


def me():
    """The real ``User`` behind ``current_user`` (services never see the proxy)."""
    return current_user._get_current_object()


def parse_number(raw: str | None) -> int | None:
    """``raw`` as a number from 1 to 999,999,999 (a page, or an id in the query
    string), or None if it is anything else."""
    if raw is None or not _NUMBER.fullmatch(raw) or int(raw) < 1:
        return None
    return int(raw)


def page_number(name: str = "page") -> int:
    """The page number in the query string (default 1); anything but a plain positive
    number of at most nine ASCII digits is a 404, never a 500 from the database."""
    raw = request.args.get(name)
    if raw is None:
        return 1
    page = parse_number(raw)
    if page is None:
        abort(404)
    return page


def log_in_first():
    """Send a visitor to the login page, keeping where they were going.

    Views that take an id call this *after* loading the object with the viewer's
    visibility filter, so a visitor gets the same 404 for a members-only id as for
    one that doesn't exist, and a login prompt only for what they could see anyway.
    """
    return login_manager.unauthorized()


def _guard(allowed):
    """A view decorator: visitors are asked to log in, members ``allowed`` refuses get 403."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return log_in_first()
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorator


# Active moderators: admins, and trained moderators who lead at least one category.
moderator_required = _guard(permissions.is_active_moderator)
admin_required = _guard(lambda user: user.is_admin)
