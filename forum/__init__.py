"""Sugar Circle: a peer-support forum for people living with diabetes.

``create_app`` assembles the application; ``flask --app forum <command>`` finds it.
"""

from __future__ import annotations

import os

from flask import Flask

from config import CONFIGS, INSTANCE_DIR


def create_app(config: str | type | None = None, overrides: dict | None = None) -> Flask:
    """Create and configure a forum application.

    :param config: a config name ("development", "testing", "production") or class;
        defaults to ``$FORUM_ENV`` or "development".
    :param overrides: settings applied last (tests use it for per-test paths).
    """
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=False,
    )
    config_class = CONFIGS[config or os.environ.get("FORUM_ENV", "development")] \
        if not isinstance(config, type) else config
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    _check_config(app)
    os.makedirs(app.instance_path, exist_ok=True)

    from forum import cli, email, errors, extensions, logs, search, security, templating
    from forum.auth import sessions
    from forum.digest import cli as digest_cli
    from forum.digest import views as digest_views
    from forum.moderation import cli as moderation_cli

    logs.init_app(app)
    extensions.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    email.init_app(app)
    search.init_app(app)
    _register_blueprints(app)
    errors.init_app(app)
    cli.init_app(app)
    moderation_cli.init_app(app)
    digest_cli.init_app(app)
    digest_views.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from forum.accounts.views import bp as accounts_bp
    from forum.admin.views import bp as admin_bp
    from forum.auth.views import bp as auth_bp
    from forum.digest.views import bp as digest_bp
    from forum.moderation.views import bp as moderation_bp
    from forum.pages.views import bp as pages_bp
    from forum.search.views import bp as search_bp
    from forum.threads.views import bp as threads_bp
    from forum.users.views import bp as users_bp

    for blueprint in (threads_bp, auth_bp, accounts_bp, users_bp, pages_bp, search_bp,
                      moderation_bp, admin_bp, digest_bp):
        app.register_blueprint(blueprint)


def _check_config(app: Flask) -> None:
    """Refuse to start production without a real secret key and a server name."""
    if not app.config.get("REQUIRE_SECRET_KEY"):
        return
    key = app.config.get("SECRET_KEY")
    if not key or key == "dev-only-not-secret" or len(key) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random string of at least 32 characters in production."
        )
    server_name = app.config.get("SERVER_NAME")
    if not server_name:
        raise RuntimeError(
            "SERVER_NAME must be set in production (e.g. forum.example.org): emailed links "
            "are built from it, never from a request's Host header."
        )
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [server_name.split(":")[0]]
    app.debug = False
