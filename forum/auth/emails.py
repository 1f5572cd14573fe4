"""The account emails. Links are absolute, built from config (never the request Host)."""

from __future__ import annotations

from forum.auth import tokens
from forum.email import send_email
from forum.models import User
from forum.urls import external_url


def send_confirmation_email(user: User) -> None:
    link = external_url("auth.confirm", token=tokens.make_confirm_token(user))
    send_email(user.email, "confirm_email", user=user, action_url=link)


def send_account_exists_email(user: User) -> None:
    """Someone tried to register with an address that already has an account."""
    link = external_url("auth.request_reset")
    send_email(user.email, "account_exists", user=user, action_url=link)


def send_password_reset_email(user: User) -> None:
    link = external_url("auth.reset_password", token=tokens.make_reset_token(user))
    send_email(user.email, "reset_password", user=user, action_url=link)


def send_email_change_email(user: User, new_email: str) -> None:
    token = tokens.make_email_change_token(user, new_email)
    link = external_url("accounts.confirm_email_change", token=token)
    send_email(new_email, "change_email", user=user, action_url=link)


def send_password_changed_email(user: User) -> None:
    link = external_url("auth.request_reset")
    send_email(user.email, "password_changed", user=user, action_url=link)
