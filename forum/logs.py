"""Logging: one line per record, control characters escaped (no log injection)."""

from __future__ import annotations

import logging


class OneLineFormatter(logging.Formatter):
    """Escape CR/LF and other control characters in the message part of a record."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace("\r", "\\r").replace("\n", "\\n")


def safe(value) -> str:
    """Escape a user-influenced value before it goes into a log message."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in str(value))


def init_app(app) -> None:
    if app.testing or app.logger.handlers and not app.debug:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("forum")
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.INFO)
