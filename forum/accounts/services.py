"""A member's own privacy settings: display name changes and a profile hidden from
visitors. Like every service, these add and flush; the view commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from forum.auth.services import DisplayNameTaken, display_name_taken
from forum.extensions import db
from forum.models import DisplayNameChange, User, display_name_key


class TooSoon(Exception):
    """The display name was changed less than ``DISPLAY_NAME_CHANGE_DAYS`` ago."""

    def __init__(self, possible_from: datetime):
        super().__init__(possible_from.isoformat())
        self.possible_from = possible_from


class SameName(Exception):
    """The new display name is the current one."""


def next_name_change(user: User, *, every_days: int) -> datetime | None:
    """When ``user`` may change their display name again (None: now)."""
    if user.display_name_changed_at is None:
        return None
    return user.display_name_changed_at + timedelta(days=every_days)


def change_display_name(user: User, new_name: str, *, now: datetime,
                        every_days: int) -> DisplayNameChange:
    """Give ``user`` a new display name, keeping the old one in ``display_name_changes``
    (private: moderators and the member's own export only).

    :raises TooSoon: the last change was less than ``every_days`` ago.
    :raises SameName: nothing would change (a change of capitals only is a change).
    :raises DisplayNameTaken: another member uses it (the same rule as at registration;
        the unique key in the database settles a race).
    """
    possible_from = next_name_change(user, every_days=every_days)
    if possible_from is not None and now < possible_from:
        raise TooSoon(possible_from)
    new_name = " ".join(new_name.split())
    if new_name == user.display_name:
        raise SameName()
    if display_name_key(new_name) != user.display_name_key and display_name_taken(new_name):
        raise DisplayNameTaken()
    change = DisplayNameChange(user_id=user.id, old_name=user.display_name,
                               new_name=new_name, changed_at=now)
    db.session.add(change)
    user.set_display_name(new_name)
    user.display_name_changed_at = now
    db.session.flush()
    return change


def set_profile_hidden(user: User, hidden: bool) -> None:
    """Show the profile to everyone, or only its display name to visitors."""
    user.profile_hidden = bool(hidden)
    db.session.flush()
