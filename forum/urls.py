"""Absolute URLs for email, built from configuration only.

Inside a request Flask's ``url_for(_external=True)`` uses the request's Host header,
which an attacker controls (a password-reset link pointing at their site would carry a
valid token). Emailed links therefore come from SERVER_NAME (production) or, without
it, LOCAL_SERVER_NAME: the host and port `make run` serves on. The web and the CLI
build the same links.
"""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` at the configured address."""
    config = current_app.config
    adapter = current_app.url_map.bind(
        config.get("SERVER_NAME") or config["LOCAL_SERVER_NAME"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
        script_name=config.get("APPLICATION_ROOT") or "/",
    )
    return adapter.build(endpoint, values, force_external=True)
