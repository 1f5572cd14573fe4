"""Erasure: "Delete my account" (``/settings/delete``), its grace period (logging in
cancels it), and ``flask erasure run``, which erases members whose grace period has
ended. The admin's "Erase now" button (``forum.admin``) calls ``services.erase_now``.
See docs/erasure.md."""

from __future__ import annotations


def init_app(app) -> None:
    """Register ``/settings/delete``, ``flask erasure`` and the login listener that
    cancels a pending erasure (auth is a lower layer and knows nothing of erasure)."""
    from flask_login import user_logged_in

    from forum.erasure.cli import erasure_cli
    from forum.erasure.views import bp, cancel_on_login

    app.register_blueprint(bp)
    app.cli.add_command(erasure_cli)
    user_logged_in.connect(cancel_on_login, app)
