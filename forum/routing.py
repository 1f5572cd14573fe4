"""Small helpers every blueprint's views share."""

from __future__ import annotations

from flask_login import current_user

# Ids in URLs stop at the largest INTEGER primary key: a longer number is a 404 from
# routing, not an out-of-range error from the database driver (a 500 on PostgreSQL).
ID = "int(max=2147483647)"


def me():
    """The real ``User`` behind ``current_user`` (services never see the proxy)."""
    return current_user._get_current_object()
