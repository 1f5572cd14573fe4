"""Absolute URLs for email, built from SERVER_NAME and PREFERRED_URL_SCHEME when set.

Inside a request Flask's ``url_for(_external=True)`` uses the request's Host header,
which an attacker controls; emailed links must use the configured name instead.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    server_name = current_app.config.get("SERVER_NAME")
    if not server_name and has_request_context():
        return url_for(endpoint, _external=True, **values)
    # From the CLI without SERVER_NAME (development): the address `make run` serves on.
    server_name = server_name or current_app.config["LOCAL_SERVER_NAME"]
    adapter = current_app.url_map.bind(
        server_name,
        url_scheme=current_app.config["PREFERRED_URL_SCHEME"],
        script_name=current_app.config.get("APPLICATION_ROOT") or "/",
    )
    return adapter.build(endpoint, values, force_external=True)
