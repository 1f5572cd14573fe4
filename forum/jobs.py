"""The periodic jobs, and the small scheduler that runs them under ``make run``.

Production runs these from cron (one crontab, in README.md and docs/deployment.md; a test
keeps both in step with ``PERIODIC_JOBS``). In development there is no cron, so
``flask serve`` (what ``make run`` starts) runs a daemon thread that starts the very same
commands as child processes on the same schedule. A child process, not a function call in
the web server: each job gets its own app context, database session and output, exactly as
cron would run it, and a job that crashes cannot take the server with it.

Every job is idempotent and safe to overlap with another copy of itself (outbox rows are
claimed, escalation and digest state are recorded), so a slow job simply runs late.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)


DAY = 24 * 60


@dataclass(frozen=True)
class Job:
    """A ``flask`` command run every ``minutes`` minutes; ``why`` is its crontab comment.

    A daily job (``minutes`` = 1440) names the time of day cron starts it, ``at``
    ("HH:MM", server time): a quiet hour, off the hour so it does not start with every
    other site's jobs. The development scheduler runs it at start and then every 24
    hours, like any other job.
    """

    command: tuple[str, ...]
    minutes: int
    why: str
    at: str | None = None

    def __post_init__(self):
        if self.at is not None:
            hour, _, minute = self.at.partition(":")
            if self.minutes != DAY or not (hour.isdigit() and minute.isdigit()
                                           and int(hour) < 24 and int(minute) < 60):
                raise ValueError(f"{self.at!r}: a time of day (HH:MM) is for daily jobs")
        elif self.minutes >= 60:
            raise ValueError("a job every hour or less often needs a time of day (at)")

    @property
    def name(self) -> str:
        return " ".join(self.command)

    @property
    def cron_schedule(self) -> str:
        if self.at is not None:
            hour, minute = (int(part) for part in self.at.split(":"))
            return f"{minute} {hour} * * *"
        return "* * * * *" if self.minutes == 1 else f"*/{self.minutes} * * * *"


PERIODIC_JOBS: tuple[Job, ...] = (
    Job(("mail", "flush"), 1,
        "transactional mail (crisis alerts, notices, account links) not sent at its "
        "commit: retried with backoff"),
    Job(("moderation", "escalate"), 1,
        "crisis items nobody claimed in time alert every admin"),
    Job(("search", "sync"), 1,
        "search changes left queued while the index was busy"),
    Job(("notifications", "send"), 1,
        "notifications by email: replies straight away (batched per thread), daily "
        "summaries, quiet hours"),
    Job(("exports", "run"), 1,
        "\"Download my data\": builds requested exports, emails the member, deletes "
        "downloaded and expired files"),
    Job(("digest", "run-due"), 15,
        "the weekly digest: sends what is due, retries deferred messages"),
    Job(("erasure", "run"), 15,
        "erases accounts whose deletion grace period has ended, then purges them from "
        "the search index"),
    Job(("retention", "run"), DAY,
        "daily: delete login history, notifications and sent email older than their "
        "retention periods", at="03:17"),
)


def crontab(directory: str = "/srv/forum") -> str:
    """The production crontab for every job (the one README.md and the docs show)."""
    lines = []
    for job in PERIODIC_JOBS:
        lines.append(f"# {job.why}")
        lines.append(f"{job.cron_schedule} cd {directory} && .venv/bin/flask --app forum "
                     f"{job.name}")
    return "\n".join(lines) + "\n"


def run_job(job: Job, *, timeout: float = 600) -> int:
    """Run one job as ``flask --app forum <command>`` in a child process; its exit code.

    The child inherits this process's environment (database, ``HOST``/``PORT`` for
    emailed links). Only the job's name and exit code are logged, never its output,
    which could name addresses.
    """
    argv = [sys.executable, "-m", "flask", "--app", "forum", *job.command]
    try:
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout, env=os.environ.copy(), check=False)
    except subprocess.TimeoutExpired:
        log.warning("periodic job %r timed out after %s s", job.name, timeout)
        return -1
    if done.returncode != 0:
        log.warning("periodic job %r exited with %s", job.name, done.returncode)
    return done.returncode


class Scheduler(threading.Thread):
    """Runs each job when it is due: first at start, then every ``minutes``.

    ``runner`` and ``clock`` are there for tests; ``tick`` is how often it looks.
    """

    def __init__(self, jobs: Sequence[Job] = PERIODIC_JOBS, *,
                 runner: Callable[[Job], int] = run_job,
                 clock: Callable[[], float] = time.monotonic, tick: float = 5.0):
        super().__init__(name="periodic-jobs", daemon=True)
        self.jobs, self.runner, self.clock, self.tick = tuple(jobs), runner, clock, tick
        self.next_run = {job: 0.0 for job in self.jobs}
        self._halt = threading.Event()

    def run_due(self) -> list[Job]:
        """Run every job that is due now, in order; returns those it ran."""
        ran = []
        for job in self.jobs:
            if self._halt.is_set():
                break
            if self.clock() >= self.next_run[job]:
                self.next_run[job] = self.clock() + job.minutes * 60
                try:
                    self.runner(job)
                except Exception:  # never let one job stop the others
                    log.exception("periodic job %r failed to start", job.name)
                ran.append(job)
        return ran

    def run(self) -> None:
        while not self._halt.is_set():
            self.run_due()
            self._halt.wait(self.tick)

    def stop(self) -> None:
        self._halt.set()
