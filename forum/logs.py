"""Logging: one line per record, control characters escaped (no log injection)."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _escape_char(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return "\\t"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape(text: str, *, backslash: bool) -> str:
    """Replace every non-printable character (CR, LF, ESC, NUL, U+2028...) with an escape."""
    out = []
    for ch in text:
        if ch == "\\" and backslash:
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(_escape_char(ch))
    return "".join(out)


class OneLineFormatter(logging.Formatter):
    """Escape CR/LF and other control characters: every record is one physical line.

    Applied to the whole formatted record, tracebacks included, so nothing that
    reaches the log (even a value someone forgot to pass through ``safe``) can start
    a forged line.
    """

    def format(self, record: logging.LogRecord) -> str:
        return _escape(super().format(record), backslash=False)


def safe(value) -> str:
    """Escape a user-influenced value before it goes into a log message.

    Control characters become ``\\n``, ``\\x1b``, ``\\u2028``... and a literal
    backslash is doubled, so an escape in the log always means an escaped character
    and a user cannot type something that looks like one.
    """
    return _escape(str(value), backslash=True)


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "forum_one_line", False)


def init_app(app) -> None:
    """Send the forum's records (``forum.*`` loggers, ``app.logger`` too) through one-line output.

    Flask attaches its own ``default_handler`` (a plain formatter that keeps newlines)
    the first time ``app.logger`` is used; it is replaced here. Tests keep pytest's
    capture and get no handler.
    """
    from flask.logging import default_handler

    logger = app.logger  # the "forum" logger: creating it first lets us drop Flask's handler
    logger.removeHandler(default_handler)
    if app.testing:
        return
    if not any(_is_ours(handler) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(OneLineFormatter(LOG_FORMAT))
        handler.forum_one_line = True
        logger.addHandler(handler)
    for handler in logger.handlers:
        if not isinstance(handler.formatter, OneLineFormatter):
            handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    # Audit events (logins, password changes) are INFO: keep them even without -v.
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.DEBUG if app.debug else logging.INFO)
