"""Error pages in the site's style: no stack traces, a reference id for 500s."""

from __future__ import annotations

import logging
import traceback
import uuid

from flask import has_request_context, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from forum.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request was not right",
          "The form may have expired or been sent twice. Go back, reload the page and try again."),
    403: ("You can't do that here",
          "Your account doesn't have permission for this action."),
    404: ("We couldn't find that page",
          "It may have been moved or removed, or it may be for members only."),
    405: ("That action isn't available here",
          "Try going back and using the buttons on the page."),
    413: ("That was too large to send",
          "Please shorten your message and try again."),
    429: ("Please slow down a little",
          "You've tried that many times in a short while. Wait a minute and try again."),
    500: ("Sorry, something went wrong on our side",
          "It's not your fault. Your last action may not have been saved; "
          "please try again shortly."),
}


# Served when the normal error page cannot be rendered (for example the database is
# down and the layout's current_user lookup fails): static, but still friendly.
FALLBACK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/css/forum.css"></head>
<body><main class="wrap"><h1>{title}</h1><p class="lead">{text}</p>
<p class="meta">Error {code}{reference}</p>
<p><a href="/help">Need help now?</a> · <a href="/">Go to the discussions</a></p>
</main></body></html>
"""


class _NoUrls(Exception):
    """This request has no URL adapter (its Host header was refused)."""


def _render(code: int, reference: str | None = None, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    text = detail or text
    try:
        if has_request_context() and request_ctx.url_adapter is None:
            # An untrusted Host header: no URL can be built for this request, so the
            # templates cannot render. Expected, not an error of ours.
            raise _NoUrls
        body = render_template("errors/error.html", code=code, title=title, text=text,
                               reference=reference)
    except Exception as exc:  # never let the error page itself fail with a bare traceback
        if not isinstance(exc, _NoUrls):
            log.error("error page could not be rendered code=%s ref=%s", code, reference)
        body = FALLBACK_PAGE.format(
            title=escape(title), text=escape(text), code=code,
            reference=f" · reference {escape(reference)}" if reference else "",
        )
    return body, code


def refuse(code: int, detail: str | None = None):
    """An error handler for a domain exception: the site's error page with ``code``.

    Blueprints map their services' exceptions with it, e.g.
    ``bp.register_error_handler(services.ItemClosed, refuse(409, "..."))``, so a view
    needs no try/except for a refusal that has nothing to show but the error page.
    """
    def handler(_error):
        db.session.rollback()  # the refused change must not be committed later
        return _render(code, detail=detail)
    return handler


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        return handle_server_error(error)
    response = _render(code)
    if code == 405 and error.valid_methods:
        return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
    return response


def handle_csrf_error(error: CSRFError):
    return _render(
        400, detail="This form had expired. Please go back, reload the page and send it again."
    )


def _frames(exc: BaseException) -> str:
    """Where the error happened: file, line and function per frame, no source text.

    Source lines are left out as well as the message, because a line such as
    ``raise ValueError(f"... {email}")`` would otherwise repeat data in the log.
    """
    if exc.__traceback__ is None:
        return ""
    return " <- ".join(
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in reversed(traceback.extract_tb(exc.__traceback__))
    )


def handle_server_error(error):
    try:
        db.session.rollback()
    except Exception:  # the database may be what failed; the page must still render
        log.warning("rollback failed while handling an error")
    reference = uuid.uuid4().hex[:12]
    original = getattr(error, "original_exception", None) or error
    # Log the type and the stack frames only: exception messages (SQL parameters
    # included) may quote post text or email addresses.
    log.error("unhandled error ref=%s type=%s at %s", reference, type(original).__name__,
              _frames(original))
    return _render(500, reference=reference)


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(Exception, handle_server_error)
