"""Real processes for the worker tests: a private redis-server and a Celery worker with beat.

Both are started by the test itself, on ports of their own, so the machine's shared Redis is
never touched. Used by ``tests/workers`` and ``benchmarks/outbox_throughput.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
WORKER_SETTINGS = "tests.workers.worker_settings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    message: str | Callable[[], str],
    interval: float = 0.1,
) -> object:
    """Poll ``condition`` until it is true; past ``timeout`` seconds fail with ``message``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"after {timeout:.0f} s: {text}")
        time.sleep(interval)


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class RedisServer:
    """``redis-server`` on a free port, nothing saved: a restart loses every queued task."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.log = directory / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "redis-server is already running"
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until(
            lambda: answers(self.port) or self.process.poll() is not None,
            timeout=10,
            message=lambda: f"redis-server did not start:\n{tail(self.log)}",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{tail(self.log)}")

    def stop(self) -> None:
        """Kill it (SIGKILL): what it held is gone."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None
        wait_until(
            lambda: not answers(self.port),
            timeout=5,
            message=f"port {self.port} still answers",
        )

    def restart(self) -> None:
        self.stop()
        self.start()


class CeleryWorker:
    """``celery -A example_shop worker --pool prefork -B`` in a process group of its own
    (``pool``: another of Celery's pools, e.g. ``threads``; ``WORKER_TEST_POOL`` sets the
    default, to run the worker tests on that pool).

    ``env`` is passed to the worker (see ``tests/workers/worker_settings.py``). The log goes to
    ``log``; :meth:`kill` sends SIGKILL to the whole group (the pool's children and the embedded
    beat go with it).
    """

    def __init__(
        self,
        directory: Path,
        env: dict[str, str],
        *,
        concurrency: int = 4,
        pool: str | None = None,
        beat: bool = True,
        settings: str = WORKER_SETTINGS,
        loglevel: str = "WARNING",
    ) -> None:
        self.directory = directory
        self.env = env
        self.concurrency = concurrency
        self.pool = pool or os.environ.get("WORKER_TEST_POOL", "prefork")
        self.beat = beat
        self.settings = settings
        self.loglevel = loglevel
        self.log = directory / "celery-worker.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "example_shop",
            "worker",
            "--pool",
            self.pool,
            "--concurrency",
            str(self.concurrency),
            "--hostname",
            f"outbox-test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            self.loglevel,
        ]
        if self.beat:
            command += ["--beat", "--schedule", str(self.directory / "celerybeat-schedule")]
        return command

    def start(self, timeout: float = 30) -> None:
        assert self.process is None, "the worker is already running"
        env = {
            **os.environ,
            **self.env,
            "DJANGO_SETTINGS_MODULE": self.settings,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "PYTHONUNBUFFERED": "1",
        }
        ready_file = self.directory / "celery-worker.ready"
        ready_file.unlink(missing_ok=True)
        env["WORKER_READY_FILE"] = str(ready_file)
        # A schedule file left by a SIGKILLed beat may be half written.
        for leftover in self.directory.glob("celerybeat-schedule*"):
            leftover.unlink()
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n===== start {self.starts} at {time.strftime('%H:%M:%S')} =====\n")
            log.flush()
            self.process = subprocess.Popen(  # noqa: S603
                self.command(),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for kill()
            )

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the Celery worker exited:\n{tail(self.log)}")
            return ready_file.exists()

        wait_until(ready, timeout=timeout, message=lambda: f"worker not ready:\n{tail(self.log)}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pids(self) -> list[int]:
        """The worker's processes: the main one and its pool children (and beat)."""
        if self.process is None:
            return []
        group = os.getpgid(self.process.pid) if self.running else None
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) == group:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
        return sorted(found)

    def rss_bytes(self) -> int:
        """Resident memory of every process of the worker, summed (from /proc)."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def pss_bytes(self) -> int:
        """Proportional set size of the worker's processes, summed: shared pages counted once."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def kill(self) -> None:
        """SIGKILL to the worker's whole process group: no warm shutdown, nothing handed back."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # The pool's children may outlive the parent for a moment.
        wait_until(
            lambda: not self._group_alive(),
            timeout=10,
            message="the worker's processes survived SIGKILL",
        )
        self.process = None

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it takes too long."""
        if self.process is None:
            return
        if self.running:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def log_tail(self, lines: int = 80) -> str:
        return tail(self.log, lines)
