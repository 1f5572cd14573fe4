"""A member's "Download my data": ``/settings/export`` asks for a ZIP of everything
that belongs to them (``data.json`` and a readable ``index.html``), ``flask exports
run`` builds it in the background and emails them, and they download it once, in their
own session, within ``EXPORT_LINK_DAYS`` ([Data export](../../docs/export.md))."""

from __future__ import annotations


def init_app(app) -> None:
    """Register ``/settings/export``, ``flask exports`` and the settings page's
    ``export_notice()`` (is a ready export waiting for the member?)."""
    from flask_login import current_user

    from forum.exports import services
    from forum.exports.cli import exports_cli
    from forum.exports.views import bp
    from forum.web import me

    app.register_blueprint(bp)
    app.cli.add_command(exports_cli)

    def export_notice() -> str:
        """The member's latest export state, for the settings page (one query, only
        when a template asks)."""
        if not current_user.is_authenticated:
            return "none"
        return services.state(services.latest(me()))

    app.context_processor(lambda: {"export_notice": export_notice})
