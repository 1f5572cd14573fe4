"""Error pages in the site's style: no stack traces, a reference id for 500s."""

from __future__ import annotations

import logging
import traceback
import uuid

from flask import render_template
from flask_wtf.csrf import CSRFError
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
          "It's not your fault. Your last action may not have been saved; please try again shortly."),
}


def _render(code: int, reference: str | None = None, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return (
        render_template("errors/error.html", code=code, title=title, text=detail or text,
                        reference=reference),
        code,
    )


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        return handle_server_error(error)
    response = _render(code)
    if code == 405 and error.valid_methods:
        return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
    return response


def handle_csrf_error(error: CSRFError):
    return _render(400, detail="This form had expired. Please go back, reload the page and send it again.")


def handle_server_error(error):
    db.session.rollback()
    reference = uuid.uuid4().hex[:12]
    original = getattr(error, "original_exception", None) or error
    # Log the type and the stack frames only: exception messages (SQL parameters
    # included) may quote post text or email addresses.
    frames = "".join(traceback.format_tb(original.__traceback__)) if original.__traceback__ else ""
    log.error("unhandled error ref=%s type=%s\n%s", reference, type(original).__name__, frames)
    return _render(500, reference=reference)


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(Exception, handle_server_error)
