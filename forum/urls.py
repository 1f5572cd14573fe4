"""Absolute URLs for email, built from configuration only.

Inside a request Flask's ``url_for(_external=True)`` uses the request's Host header,
which an attacker controls (a password-reset link pointing at their site would carry a
valid token). Emailed links therefore come from SERVER_NAME (production) or, without
it, LOCAL_SERVER_NAME: the host and port `make run` serves on. The web and the CLI
build the same links.

In development ``flask serve`` (``make run``) records the address it serves on
(``record_served_address``): its own links, its periodic jobs' and those of any later
command without HOST and PORT (cron, another terminal) then point at it.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from config import SERVED_ADDRESS_FILE


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` at the configured address."""
    config = current_app.config
    adapter = current_app.url_map.bind(
        config.get("SERVER_NAME") or config["LOCAL_SERVER_NAME"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
        script_name=config.get("APPLICATION_ROOT") or "/",
    )
    return adapter.build(endpoint, values, force_external=True)


def local_trusted_hosts(server_name: str) -> list[str]:
    """The host names development answers for: the served host plus the loopback names."""
    host = server_name.rsplit(":", 1)[0] if not server_name.endswith("]") else server_name
    return list(dict.fromkeys([host, "localhost", "127.0.0.1"]))


def record_served_address(app, host: str, port: int) -> None:
    """``flask serve`` serves on ``host``:``port``: emailed links from this process, from
    the periodic jobs it starts (which inherit HOST and PORT) and from later commands run
    without HOST and PORT (``<instance>/served-address``) point there. Production links
    come from SERVER_NAME and are not affected."""
    name, previous = f"{host}:{port}", app.config["LOCAL_SERVER_NAME"]
    app.config["LOCAL_SERVER_NAME"] = name
    if not app.config.get("SERVER_NAME") \
            and app.config.get("TRUSTED_HOSTS") == local_trusted_hosts(previous):
        app.config["TRUSTED_HOSTS"] = local_trusted_hosts(name)  # it was the default
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    try:
        Path(app.instance_path, SERVED_ADDRESS_FILE).write_text(name + "\n")
    except OSError:  # a read-only instance folder: this process and its jobs still know
        pass
