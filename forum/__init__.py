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
    _trust_hosts_and_proxies(app)
    os.makedirs(app.instance_path, exist_ok=True)

    from forum import (
        accounts,
        admin,
        auth,
        cli,
        digest,
        email,
        erasure,
        errors,
        exports,
        extensions,
        logs,
        moderation,
        notifications,
        pages,
        posting,
        research,
        retention,
        search,
        security,
        templating,
        threads,
        users,
    )

    # Shared infrastructure first, then each feature wires itself (blueprint, CLI
    # group, listeners, template helpers), then the error pages and top-level commands.
    for part in (logs, extensions, security, templating, email,
                 auth, accounts, users, pages, notifications, threads, posting, moderation,
                 search, digest, exports, research, retention, erasure, admin, errors,
                 cli):
        part.init_app(app)
    return app


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
    app.debug = False


def _trust_hosts_and_proxies(app: Flask) -> None:
    """Answer only for our own host names, and believe forwarded headers only from the
    number of proxies ``TRUSTED_PROXIES`` says stand in front of the app.

    Without TRUSTED_HOSTS the names are SERVER_NAME's host, else (development) the host
    `make run` serves on plus the loopback names: any other Host header gets a 400
    page, in every configuration. Emailed links never come from the request at all
    (``forum.urls``); this keeps a spoofed Host out of every other absolute URL too.
    """
    if not app.config.get("TRUSTED_HOSTS"):
        from forum.urls import local_trusted_hosts

        server_name = app.config.get("SERVER_NAME")
        app.config["TRUSTED_HOSTS"] = local_trusted_hosts(app.config["LOCAL_SERVER_NAME"]) \
            if not server_name else [server_name.rsplit(":", 1)[0]
                                     if not server_name.endswith("]") else server_name]
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
