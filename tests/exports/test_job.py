"""``flask exports run``: leases, retries, expiry, the email, and files deleted."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from forum.exports import builder, services, worker
from forum.extensions import db
from forum.models import DataExport, ExportStatus, OutboxEmail, User
from tests.exports.conftest import ALICE_EMAIL
from tests.helpers import email_text, wait_for_mail


def _request(app, user_id: int) -> int:
    with app.app_context():
        export = services.request_export(db.session.get(User, user_id))
        db.session.commit()
        return export.id


def _row(app, export_id: int) -> DataExport:
    with app.app_context():
        row = db.session.get(DataExport, export_id)
        db.session.expunge(row)
        return row


def _files(app) -> list[str]:
    with app.app_context():
        folder = services.export_dir()
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_the_cli_builds_emails_and_the_email_is_not_a_bearer_link(app, world, runner,
                                                                      mailbox):
    export_id = _request(app, world.alice_id)
    result = runner.invoke(args=["exports", "run"])
    assert result.exit_code == 0, result.output
    assert "built=1" in result.output
    row = _row(app, export_id)
    assert row.status == ExportStatus.READY and row.attempts == 1
    assert row.expires_at - row.ready_at == timedelta(days=7)
    assert len(row.token_hash) == 64 and row.size_bytes > 0
    assert _files(app) == [row.file_name]
    assert len(row.file_name) >= 32  # random, not guessable
    message = wait_for_mail(mailbox, ALICE_EMAIL)
    text = email_text(message)
    assert "ready" in message["Subject"]
    assert "http://localhost/settings/export" in text
    with app.app_context():
        token = services.token_for(row.id, row.file_name)
    assert token not in text and row.file_name not in text


def test_a_leased_export_is_not_claimed_twice_until_its_lease_ends(app, world,
                                                                     frozen_clock):
    export_id = _request(app, world.alice_id)
    with app.app_context():
        first = worker.claim()
        assert first.id == export_id and first.attempts == 1
        assert worker.claim() is None  # leased to the first builder
        frozen_clock.advance(minutes=16)  # the first builder died
        second = worker.claim()
        assert second.id == export_id and second.attempts == 2
        assert second.file_name != first.file_name
        # The first builder wakes up and finishes: the row is no longer its own.
        path = services.export_dir() / first.file_name
        assert worker.build_one(first) == "lost"
        assert not path.exists()
        assert worker.build_one(second) == "built"
    assert _row(app, export_id).status == ExportStatus.READY


def test_a_failing_build_is_retried_then_fails(app, world, frozen_clock, monkeypatch):
    export_id = _request(app, world.alice_id)

    def broken(user_id, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        builder.partial_path(path).write_bytes(b"half a zip")
        raise RuntimeError("disk full: alice@example.test")

    monkeypatch.setattr(builder, "build", broken)
    with app.app_context():
        summary = worker.run()
        assert (summary.built, summary.retrying, summary.failed) == (0, 1, 0)
        row = db.session.get(DataExport, export_id)
        assert row.status == ExportStatus.PENDING and row.attempts == 1
        assert row.last_error == "RuntimeError"  # never the message
        assert worker.run().retrying == 0  # not yet due again
        db.session.expire_all()
        frozen_clock.advance(minutes=6)
        assert worker.run().retrying == 1
        frozen_clock.advance(minutes=11)
        summary = worker.run()
        assert summary.failed == 1
        db.session.expire_all()
        row = db.session.get(DataExport, export_id)
        assert row.status == ExportStatus.FAILED and row.attempts == worker.MAX_ATTEMPTS
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)) == 0
    assert _files(app) == []  # the partial files went too


def test_a_build_that_died_out_of_attempts_is_marked_failed(app, world, frozen_clock):
    export_id = _request(app, world.alice_id)
    with app.app_context():
        for _ in range(worker.MAX_ATTEMPTS):
            assert worker.claim() is not None
            frozen_clock.advance(minutes=16)
        assert worker.claim() is None
        worker.run()
    assert _row(app, export_id).status == ExportStatus.FAILED


def test_expired_exports_lose_their_file(app, world, frozen_clock):
    export_id = _request(app, world.alice_id)
    with app.app_context():
        worker.run()
    assert len(_files(app)) == 1
    frozen_clock.advance(days=7, minutes=-1)
    with app.app_context():
        assert worker.run().expired == 0
    assert len(_files(app)) == 1
    frozen_clock.advance(minutes=2)
    with app.app_context():
        summary = worker.run()
    assert summary.expired == 1 and summary.deleted == 1
    assert _files(app) == []
    row = _row(app, export_id)
    assert row.status == ExportStatus.EXPIRED and row.file_name == ""


def test_the_sweep_deletes_files_no_export_names(app, world):
    _request(app, world.alice_id)
    with app.app_context():
        folder = services.export_dir()
        folder.mkdir(parents=True)
        (folder / "left-over.zip").write_bytes(b"x")
        (folder / ".crashed.zip.partial").write_bytes(b"x")
        claimed = worker.claim()  # being built right now by another process
        builder.partial_path(folder / claimed.file_name).write_bytes(b"in progress")
        assert worker.sweep() == 2
    assert _files(app) == [f".{claimed.file_name}.partial"]


def test_a_new_request_withdraws_the_ready_export_and_one_pending_at_a_time(app, world):
    first = _request(app, world.alice_id)
    with app.app_context():
        worker.run()
    second = _request(app, world.alice_id)
    assert _row(app, first).status == ExportStatus.EXPIRED
    with pytest.raises(services.AlreadyPending), app.app_context():
        services.request_export(db.session.get(User, world.alice_id))
    with app.app_context():
        worker.run()
    assert _row(app, second).status == ExportStatus.READY
    assert _files(app) == [_row(app, second).file_name]


def test_an_unconfirmed_member_gets_no_email(app, world, mailbox):
    with app.app_context():
        db.session.get(User, world.alice_id).email_confirmed_at = None
        db.session.commit()
    _request(app, world.alice_id)
    with app.app_context():
        assert worker.run().built == 1
    assert mailbox.to(ALICE_EMAIL) == []
