"""One active Celery beat however many machines run one: celery-redbeat's lock in Redis.

With `OFFICINE_BEAT_LOCK=1` beat keeps its schedule in Redis and holds a lock there; a second beat
(the failover machine) waits on it, so each tick is sent once, and takes over when the first one
dies. Without the setting, the embedded install keeps Celery's own scheduler.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

CELERY = Path(sys.executable).with_name("celery")
SETTINGS_PROBE = (
    "import django; django.setup(); from config.celery import app; "
    "print(app.conf.beat_scheduler, app.conf.get('redbeat_lock_timeout'))"
)


def configured(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "OFFICINE_BEAT_LOCK"}}
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=settings.BASE_DIR,
        env={**environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_embedded_default_keeps_celerys_own_scheduler():
    result = configured()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "celery.beat:PersistentScheduler"


def test_the_lock_setting_wires_redbeat_and_needs_redis():
    locked = configured(OFFICINE_BEAT_LOCK="1", REDIS_URL="redis://127.0.0.1:6379/0")
    assert locked.returncode == 0, locked.stderr
    assert locked.stdout.split() == ["redbeat.RedBeatScheduler", "300"]
    without_redis = configured(OFFICINE_BEAT_LOCK="1")
    assert without_redis.returncode != 0
    assert "OFFICINE_BEAT_LOCK=1 needs REDIS_URL" in without_redis.stderr


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}")


class Beat:
    def __init__(self, tmp_path, name, env):
        self.log = tmp_path / f"beat-{name}.log"
        self.handle = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(CELERY), "-A", "config", "beat", "-l", "info"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def says(self, text) -> bool:
        return text in self.log.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.handle.close()


@pytest.mark.services
def test_two_beats_send_each_tick_once_and_the_second_takes_over(redis_url, tmp_path):
    queue = f"beat-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.beat_settings",
        "REDIS_URL": redis_url,
        "OFFICINE_BEAT_LOCK": "1",
        "BEAT_TEST_QUEUE": queue,
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    client = redis.Redis.from_url(redis_url)
    first = Beat(tmp_path, "first", env)
    second = None
    try:
        wait_for(lambda: first.says("beat: Acquired lock"), 90, "the first beat to take the lock")
        second = Beat(tmp_path, "second", env)
        wait_for(lambda: second.says("beat: Starting"), 90, "the second beat to start")
        time.sleep(2)
        before, started = client.llen(queue), time.monotonic()
        time.sleep(8)
        sent, elapsed = client.llen(queue) - before, time.monotonic() - started
        # A one-second tick: about `elapsed` messages from one beat, twice that from two.
        assert 0.5 * elapsed <= sent <= elapsed + 2, (sent, elapsed)
        assert not second.says("beat: Acquired lock")
        first.stop(signal.SIGKILL)  # its machine dies: the lock is no longer renewed
        wait_for(lambda: second.says("beat: Acquired lock"), 60, "the second beat to take over")
        resumed = client.llen(queue)
        wait_for(lambda: client.llen(queue) >= resumed + 3, 30, "ticks from the second beat")
    finally:
        first.stop()
        if second is not None:
            second.stop()
        keys = list(client.scan_iter(f"{queue}*"))
        if keys:
            client.delete(*keys)
