"""The weekly email digest: subscriptions, content, the delivery ledger and sending."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the digest pages and ``flask digest``."""
    from forum.digest.cli import digest_cli
    from forum.digest.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(digest_cli)
