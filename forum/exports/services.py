"""Asking for an export and downloading it: the member's side of "Download my data".

A request is a ``pending`` ``DataExport`` row; ``flask exports run`` (``worker.py``)
builds it. A ready export is downloaded once, by its owner, in their own session,
before ``expires_at``. The download form carries a token; only its SHA-256 is stored
(``token_hash``). The token itself is never stored: it is an HMAC of the export's id
and random file name under ``SECRET_KEY``, so the settings page can show it to its
owner again and nothing in the database can be replayed as a download. (Rotating
``SECRET_KEY`` therefore voids ready exports: the member asks again.)
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from forum.clock import utcnow
from forum.extensions import db, sqlite_write_lock
from forum.models import DataExport, ExportStatus, User


class AlreadyPending(Exception):
    """The member already has an export waiting to be built."""


class Gone(Exception):
    """The export was already downloaded or has expired (``reason`` says which)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def export_dir() -> Path:
    """Where the ZIPs are kept: ``EXPORT_DIR``, or ``<instance>/exports``."""
    configured = current_app.config.get("EXPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path, "exports")


def token_for(export_id: int, file_name: str) -> str:
    """The download token of a built export (see the module docstring)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"data-export:{export_id}:{file_name}".encode(), hashlib.sha256)
    return urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def latest(user: User) -> DataExport | None:
    """The member's newest export request, whatever became of it."""
    return db.session.scalar(select(DataExport).where(DataExport.user_id == user.id)
                             .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
                             .limit(1))


def state(export: DataExport | None) -> str:
    """What the page says: none, pending, ready, downloaded, expired or failed (a ready
    export past its expiry is expired, even before the job has swept it)."""
    if export is None:
        return "none"
    if export.status == ExportStatus.READY and export.expires_at <= utcnow():
        return ExportStatus.EXPIRED
    return export.status


def request_export(user: User) -> DataExport:
    """Queue a new export for ``user``; an older ready one is withdrawn (its file is
    deleted by the next run). Raises ``AlreadyPending`` if one is waiting to be built."""
    # Two quick clicks: one request (the second waits for the first's commit, then sees
    # its pending export).
    sqlite_write_lock()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    pending = db.session.scalar(select(DataExport.id).where(
        DataExport.user_id == user.id, DataExport.status == ExportStatus.PENDING).limit(1))
    if pending is not None:
        raise AlreadyPending
    db.session.execute(update(DataExport).where(
        DataExport.user_id == user.id, DataExport.status == ExportStatus.READY)
        .values(status=ExportStatus.EXPIRED, file_name=""))
    export = DataExport(user_id=user.id, status=ExportStatus.PENDING, requested_at=utcnow(),
                        attempts=0)
    db.session.add(export)
    db.session.flush()
    return export


def take_download(user: User, token: str) -> Path:
    """Use ``user``'s single-use download ``token``: the export is marked downloaded
    (and forgets its file name, so the next run deletes any file left behind) and the
    path of its ZIP is returned for the view to open and delete. The caller commits.

    Raises ``LookupError`` if ``token`` names no export of ``user`` (whoever else holds
    it), ``Gone`` if it was used or has expired.
    """
    export = db.session.scalar(select(DataExport).where(
        DataExport.user_id == user.id, DataExport.token_hash == token_hash(token),
        DataExport.token_hash != ""))
    if export is None:
        raise LookupError(token)
    if export.status == ExportStatus.DOWNLOADED:
        raise Gone("downloaded")
    now = utcnow()
    if export.status != ExportStatus.READY or export.expires_at <= now:
        raise Gone("expired")
    path = export_dir() / export.file_name
    # Conditional: of two clicks at once, only one gets the file.
    taken = db.session.execute(
        update(DataExport).where(DataExport.id == export.id,
                                 DataExport.status == ExportStatus.READY)
        .values(status=ExportStatus.DOWNLOADED, downloaded_at=now, file_name="")
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise Gone("downloaded")
    return path
