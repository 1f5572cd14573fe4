"""The periodic jobs: one list behind the crontab in the docs and the scheduler that runs
them under ``make run`` (``flask serve``) in development, where there is no cron."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.request import urlopen

import pytest

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from forum.extensions import db
from forum.jobs import PERIODIC_JOBS, Job, Scheduler, crontab
from forum.models import ReviewItem
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import cli_env, flask_command, free_port, wait_for_mail

ROOT = Path(__file__).resolve().parents[1]
FLUSH, DIGEST = Job(("mail", "flush"), 1, "x"), Job(("digest", "run-due"), 15, "y")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_every_job_runs_at_start_then_on_its_own_interval():
    clock, ran = FakeClock(), []
    scheduler = Scheduler([FLUSH, DIGEST], runner=ran.append, clock=clock)
    scheduler.run_due()
    assert ran == [FLUSH, DIGEST]
    clock.now += 59
    assert scheduler.run_due() == []
    clock.now += 1
    assert scheduler.run_due() == [FLUSH]
    for _ in range(14):
        clock.now += 60
        scheduler.run_due()
    assert ran.count(FLUSH) == 16 and ran.count(DIGEST) == 2


def test_a_job_that_fails_does_not_stop_the_others(caplog):
    ran = []

    def runner(job):
        ran.append(job)
        if job is FLUSH:
            raise OSError("no such file")
        return 0

    Scheduler([FLUSH, DIGEST], runner=runner, clock=FakeClock()).run_due()
    assert ran == [FLUSH, DIGEST]
    assert "mail flush" in caplog.text


def test_the_scheduler_thread_runs_and_stops():
    ran = []
    scheduler = Scheduler([FLUSH], runner=ran.append, tick=0.01)
    scheduler.start()
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    scheduler.join(timeout=5)
    assert ran == [FLUSH] and not scheduler.is_alive()


def test_only_development_runs_the_jobs_itself():
    assert DevelopmentConfig.RUN_PERIODIC_JOBS is True
    assert ProductionConfig.RUN_PERIODIC_JOBS is False
    assert TestingConfig.RUN_PERIODIC_JOBS is False


@pytest.mark.parametrize("doc", ["README.md", "docs/deployment.md"])
def test_the_docs_give_one_crontab_with_every_job(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert crontab() in text
    commands = set(re.findall(r"flask --app forum ([a-z-]+ [a-z-]+)", text))
    assert {job.name for job in PERIODIC_JOBS} <= commands


def test_every_job_is_a_real_command(runner):
    for job in PERIODIC_JOBS:
        result = runner.invoke(args=[*job.command, "--help"])
        assert result.exit_code == 0, (job.name, result.output)


@pytest.mark.slow
def test_flask_serve_escalates_and_mails_without_cron(app, tmp_path, smtp_server, mailbox):
    """What `make run` starts: the server answers, and an unclaimed crisis item is
    escalated and the admins' alert delivered by the jobs it runs, with no cron."""
    with app.app_context():
        admin = make_user(email="boss@example.test", role="admin")
        thread = make_thread(category=make_category())
        post = make_post(thread, body="words")
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        db.session.add(ReviewItem(post=post, category_id=thread.category_id, source="flags",
                                  reason="risk_of_harm", priority=0, is_crisis=True,
                                  status="open", created_at=long_ago))
        db.session.commit()
        admin_email = admin.email
    port = free_port()
    env = cli_env(app, tmp_path, smtp_server[0].port, HOST="127.0.0.1", PORT=str(port),
                  RUN_PERIODIC_JOBS="1", SERVER_NAME="")
    server = subprocess.Popen(flask_command("serve", "--port", str(port)), cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        alert = wait_for_mail(mailbox, admin_email, timeout=90)
        assert "ESCALATED" in alert["Subject"]
        with urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    with app.app_context():
        assert db.session.query(ReviewItem).one().escalated_at is not None
