"""Real processes for the fault tests: a web server, a Redis server, waiting for either.

The faults these tests inject (a locked SQLite file, a stopped Redis, a killed worker) only show on
real processes talking over real sockets, so the tests start them here and always stop them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """One command in its own process group, its output in a log file, stopped on `stop()`."""

    def __init__(self, args, *, env, log: Path):
        self.log = log
        self.handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [str(a) for a in args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)
            self.popen.wait(15)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.handle.close()


def manage(env, *args, timeout=300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class RedisServer:
    """A redis-server of the test's own on a free port, so a test may stop it without harming others."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path / "redis"
        self.dir.mkdir(exist_ok=True)
        self.process: Process | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            from tests.conftest import _missing

            _missing("redis-server")
        self.process = Process(
            [binary, "--port", self.port, "--save", "", "--appendonly", "no", "--dir", self.dir],
            env=dict(os.environ),
            log=self.dir / f"redis-{time.monotonic_ns()}.log",
        )
        wait_for(lambda: port_open(self.port), 20, "redis-server to listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        wait_for(lambda: not port_open(self.port), 20, "redis-server to stop")
