"""Links in digests sent from the command line: in development they point at the port the
forum is served on, however the command was started (with ``PORT`` set, from cron, or
from the development scheduler of ``flask serve``); in production at ``SERVER_NAME``.

Real processes on the real clock (the content sits in a week that has really ended).
"""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from forum import clock
from forum.extensions import db
from tests.factories import make_category, make_thread, make_user
from tests.helpers import (
    ROOT,
    body_text,
    cli_env,
    flask_command,
    free_port,
    past_period_key,
    start_cli,
    subscribe_email,
    wait_for_mail,
)

pytestmark = pytest.mark.slow  # subprocesses

READER = "reader@example.test"


@pytest.fixture
def forum(app):
    """A thread in the latest week that has ended, and one email-only subscriber."""
    clock.freeze(None)
    _key, moment = past_period_key(0)
    with app.app_context():
        category = make_category(slug="general", name="General chat")
        make_thread(category=category, author=make_user(email="author@example.test"),
                    title="Something new", at=moment)
        subscribe_email(READER, since=moment.replace(year=moment.year - 1))
        db.session.commit()


def _dev_env(app, tmp_path, smtp_server, **extra):
    """A development environment: no SERVER_NAME, and no HOST or PORT unless given."""
    env = cli_env(app, tmp_path, smtp_server[0].port, SERVER_NAME="", **extra)
    for name in ("HOST", "PORT"):
        if name not in extra:
            env.pop(name, None)
    return env


def _run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(flask_command(*args), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _links(message) -> list[str]:
    return [word for word in body_text(message).split() if word.startswith("http")]


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def test_cli_links_use_port_from_the_environment(app, tmp_path, smtp_server, mailbox, forum):
    env = _dev_env(app, tmp_path, smtp_server, HOST="127.0.0.1", PORT="8000")
    done = _run(env, "digest", "send")
    assert done.returncode == 0, done.stderr
    links = _links(wait_for_mail(mailbox, READER))
    assert links and all(link.startswith("http://127.0.0.1:8000/") for link in links)


def test_cli_links_follow_the_served_port_from_cron(app, tmp_path, smtp_server, mailbox,
                                                    forum):
    """`flask serve --port N` (or `PORT=N make run`) ran; cron's command knows no PORT."""
    port = free_port()
    server = start_cli(_dev_env(app, tmp_path, smtp_server, RUN_PERIODIC_JOBS="0"),
                       "serve", "--port", str(port))
    try:
        _wait_for_port(port)
    finally:
        _stop(server)
    done = _run(_dev_env(app, tmp_path, smtp_server), "digest", "run-due")
    assert done.returncode == 0, done.stderr
    links = _links(wait_for_mail(mailbox, READER))
    assert links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in links)


def test_scheduler_links_follow_the_served_port(app, tmp_path, smtp_server, mailbox, forum):
    """The development scheduler's `flask digest run-due`, under a server started on
    another port than the environment says."""
    port = free_port()
    env = _dev_env(app, tmp_path, smtp_server, RUN_PERIODIC_JOBS="1", PORT="5000")
    server = start_cli(env, "serve", "--port", str(port))
    try:
        links = _links(wait_for_mail(mailbox, READER, timeout=60))
    finally:
        _stop(server)
    assert links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in links)


def test_production_links_use_server_name_whatever_the_port(app, tmp_path, smtp_server,
                                                            mailbox, forum):
    env = cli_env(app, tmp_path, smtp_server[0].port, FORUM_ENV="production",
                  SERVER_NAME="forum.example.org", SECRET_KEY="x" * 40, PORT="8000",
                  HOST="127.0.0.1")
    done = _run(env, "digest", "send")
    assert done.returncode == 0, done.stderr
    links = _links(wait_for_mail(mailbox, READER))
    assert links and all(link.startswith("https://forum.example.org/") for link in links)
