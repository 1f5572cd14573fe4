"""The account emails. Links are absolute, built from config (never the request Host).

Each is queued in the durable outbox with the view's commit and delivered in the
background after the response: how long a reset, a registration or an email change
takes never depends on whether a message went out, so response times cannot tell
whether an address has an account.
"""

from __future__ import annotations

from forum.auth import tokens
from forum.email import build_message, queue_email
from forum.models import User
from forum.urls import external_url


def _queue(to: str, name: str, user: User, link: str) -> None:
    queue_email(to, name, user=user, action_url=link, background=True)


def send_confirmation_email(user: User) -> None:
    _queue(user.email, "confirm_email", user,
           external_url("auth.confirm", token=tokens.make_confirm_token(user)))


def send_account_exists_email(user: User) -> None:
    """Someone tried to register with an address that already has an account."""
    _queue(user.email, "account_exists", user, external_url("auth.request_reset"))


def send_password_reset_email(user: User | None) -> None:
    """Queue the reset link; for an unknown address (``None``) do the same work, so the
    response takes as long either way, and send nothing."""
    if user is None:
        decoy = User(email="nobody@invalid.test", display_name="Nobody", id=0, password_hash="-")
        link = external_url("auth.reset_password", token=tokens.make_reset_token(decoy))
        build_message(decoy.email, "reset_password", user=decoy, action_url=link)
        return
    _queue(user.email, "reset_password", user,
           external_url("auth.reset_password", token=tokens.make_reset_token(user)))


def send_email_change_email(user: User, new_email: str) -> None:
    token = tokens.make_email_change_token(user, new_email)
    _queue(new_email, "change_email", user, external_url("accounts.confirm_email_change",
                                                         token=token))


def send_email_changed_email(user: User, *, old_email: str, new_email: str) -> None:
    """Tell the address that was just replaced, with a link that undoes the change."""
    token = tokens.make_undo_email_change_token(user, old_email=old_email, new_email=new_email)
    queue_email(old_email, "email_changed", user=user, background=True,
                action_url=external_url("accounts.undo_email_change", token=token),
                days=tokens.UNDO_EMAIL_CHANGE_DAYS)


def send_password_changed_email(user: User) -> None:
    _queue(user.email, "password_changed", user, external_url("auth.request_reset"))
