"""What the benchmarks share: a throwaway database and folder, and a ``flask`` command
timed in its own process with its peak resident size.

    with scratch("export", db="postgresql", pg_admin=URL, keep=False) as (workdir, url):
        ...
    seconds, last_line, peak_mib = timed_flask(["exports", "run"], env, workdir)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def scratch(name: str, *, db: str, pg_admin: str = PG_ADMIN,
            keep: bool = False) -> Iterator[tuple[Path, str]]:
    """A temporary folder and a database URL: SQLite in that folder, or a throwaway
    PostgreSQL database on the local server (``db="postgresql"``). Both are removed
    afterwards unless ``keep``."""
    workdir = Path(tempfile.mkdtemp(prefix=f"forum-{name}-bench-"))
    pg_name = None
    try:
        if db == "postgresql":
            import psycopg

            pg_name = f"forum_{name}_bench_{os.getpid()}"
            with psycopg.connect(pg_admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{pg_name}"')
            base = pg_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            yield workdir, f"{base}/{pg_name}"
        else:
            yield workdir, f"sqlite:///{workdir / 'forum.db'}"
    finally:
        if pg_name and keep:
            print(f"kept PostgreSQL database {pg_name}")
        elif pg_name:
            import psycopg

            with psycopg.connect(pg_admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# Started from a small, fresh interpreter: a child forked from the (large) benchmark
# process would inherit its resident size in ``ru_maxrss``, which Linux keeps across exec.
LAUNCHER = textwrap.dedent('''
    import os, sys
    pid = os.fork()
    if pid == 0:
        os.execv(sys.argv[2], sys.argv[2:])
    _pid, status, usage = os.wait4(pid, 0)
    with open(sys.argv[1], "w") as out:
        out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
''')


def timed_flask(command: list[str], env: dict[str, str], workdir: Path, *,
                ok_codes: tuple[int, ...] = (0,)) -> tuple[float, str, float]:
    """``flask --app forum <command>`` in its own process, as cron runs it: (wall
    seconds, the last line it printed, peak RSS in MiB)."""
    flask = str(Path(sys.executable).with_name("flask"))
    report = workdir / "launcher.out"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(report), flask, "--app", "forum",
                           *command], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    code, maxrss = (int(part) for part in report.read_text().split())
    if code not in ok_codes:
        raise SystemExit(f"flask {' '.join(command)} failed ({code}):\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return elapsed, proc.stdout.strip().splitlines()[-1], maxrss / 1024
