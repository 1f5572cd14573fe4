"""Research consent, revocable: members opt in to their de-identified public posts being
used to evaluate the programme, under a versioned text (``consent.toml``); every grant
and withdrawal is a ledger row ([Evaluation](../../docs/evaluation.md))."""

from __future__ import annotations


def init_app(app) -> None:
    """Register ``/settings/research`` and the settings page's status helper."""
    from flask_login import current_user

    from forum.research import services
    from forum.research.views import bp

    app.register_blueprint(bp)

    def research_status() -> services.Status | None:
        """Called by the settings page's research section only when it renders."""
        if not current_user.is_authenticated:
            return None
        return services.status(current_user._get_current_object())

    app.context_processor(lambda: {"research_status": research_status})
