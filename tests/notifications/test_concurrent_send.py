"""Two ``flask notifications send`` runs at once (cron overlapping a slow run, or two
machines): every member gets exactly one email, and neither run fails."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from forum import clock
from forum.extensions import db
from forum.models import Notification, OutboxEmail, ThreadFollow, User
from tests.factories import make_category, make_post, make_thread, make_user

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 40


def _forum(app) -> list[str]:
    """A thread followed by MEMBERS members who want follow emails at once, one reply
    that notified them all ten minutes ago; their addresses."""
    with app.app_context():
        category = make_category(slug="general", name="General chat")
        ann = make_user(email="ann@example.test", display_name="Ann Author")
        thread = make_thread(category=category, author=ann, title="Night-time hypos")
        emails = []
        for n in range(MEMBERS):
            member = make_user(email=f"member{n}@example.test", display_name=f"Member {n}",
                               email_follows="immediately")
            emails.append(member.email)
        db.session.flush()
        for email in emails:
            member = db.session.scalar(select(User).where(User.email == email))
            db.session.add(ThreadFollow(user_id=member.id, thread_id=thread.id, level="follow"))
        db.session.flush()
        make_post(thread, author=ann, body="Juice by the bed helps me.")
        db.session.execute(update(Notification).values(
            created_at=clock.utcnow() - timedelta(minutes=10)))
        db.session.commit()
        return emails


@pytest.mark.slow  # subprocesses
def test_two_runs_at_once_send_each_email_once(app, tmp_path, smtp_server, mailbox):
    emails = _forum(app)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "FORUM_", "DATABASE_URL", "MAIL_", "SERVER_NAME"))}
    env.update({"FORUM_ENV": "development", "PYTHONPATH": str(ROOT),
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "FORUM_INSTANCE_PATH": str(tmp_path / "instance"),
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server[0].port),
                "RATELIMIT_STORAGE_URI": "memory://", "RUN_PERIODIC_JOBS": "0",
                "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    flask = str(Path(sys.executable).with_name("flask"))
    runs = [subprocess.Popen([flask, "--app", "forum", "notifications", "send"], env=env,
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = [run.communicate(timeout=180) + (run.returncode,) for run in runs]
    for _out, err, code in results:
        assert code == 0, err
    told = [int(out.split("emails=")[1].split()[0]) for out, _err, _code in results]
    assert sum(told) == MEMBERS  # split between the runs, never both for one member
    for email in emails:
        assert len(mailbox.to(email)) == 1, email
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.emailed_at.is_(None))) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)
                                 .where(OutboxEmail.status != "sent")) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == MEMBERS + 1
