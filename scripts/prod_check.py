"""`make prod-check`: the production settings, really started, used like a patient would.

Starts gunicorn, a Celery worker and Celery beat (through honcho and deploy/Procfile, exactly as
documented in docs/deploy.md) and, when nginx is installed, nginx with deploy/nginx/ in front,
all against the PostgreSQL and Redis of this machine. Then: migrate a fresh database, provision
the demo pharmacies, submit a prescription (multipart POST with a phone photo) and a booking over
HTTP with tokens parsed from the pages, and wait for the worker to write the notifications (file
email and SMS backends). Everything is stopped on exit; exit status 0 only if every check passed.

Environment: PROD_CHECK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/officine_prodcheck,
dropped and re-created), PROD_CHECK_REDIS_URL (default redis://127.0.0.1:6379/13, flushed).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
DB_URL = os.environ.get(
    "PROD_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/officine_prodcheck"
)
REDIS_URL = os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/13")
HOST = "pharmacie-du-centre.localhost"  # from `manage.py seed_demo`
STARTED = time.monotonic()
DEADLINE = time.monotonic() + float(os.environ.get("PROD_CHECK_TIMEOUT", 170))

PROCS: list[subprocess.Popen] = []
CHECKS: list[str] = []


def say(text: str) -> None:
    print(f"[prod-check] {text}", flush=True)


def ok(text: str) -> None:
    CHECKS.append(text)
    say(f"OK  {text}")


class CheckFailed(Exception):
    pass


def remaining(cap: float) -> float:
    left = DEADLINE - time.monotonic()
    if left <= 0:
        raise CheckFailed("overall time limit reached")
    return min(cap, left)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env, *args, timeout=120):
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=remaining(timeout),
    )
    if done.returncode:
        raise CheckFailed(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def start(cmd, env, log: Path) -> subprocess.Popen:
    handle = open(log, "w")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    PROCS.append(proc)
    return proc


def stop_all() -> None:
    for proc in reversed(PROCS):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    for proc in reversed(PROCS):
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    PROCS.clear()


def wait_for(what, predicate, timeout):
    end = time.monotonic() + remaining(timeout)
    while time.monotonic() < end:
        for proc in PROCS:
            if proc.poll() is not None:
                raise CheckFailed(
                    f"a process exited early ({proc.args[0]}) while waiting for {what}"
                )
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise CheckFailed(f"timed out waiting for {what}")


def fresh_services():
    import psycopg
    import redis

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.username or 'postgres'}@{url.hostname}:{url.port or 5432}/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise CheckFailed(f"PostgreSQL not usable at {admin}: {exc}") from exc
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    except redis.RedisError as exc:
        raise CheckFailed(f"Redis not usable at {REDIS_URL}: {exc}") from exc
    ok(f"fresh PostgreSQL database {name} and empty Redis db {REDIS_URL.rsplit('/', 1)[-1]}")


def make_env(tmp: Path, app_port: int) -> dict:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=".localhost,127.0.0.1",
        OFFICINE_FILE_KEYS=Fernet.generate_key().decode(),
        ANYMAIL_WEBHOOK_SECRET="prodcheck:" + secrets.token_urlsafe(24),
        SECURE_SSL_REDIRECT="0",
        OFFICINE_2FA_REQUIRED="0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp / "sent-emails"),
        SMS_BACKEND="notifications.sms.FileSMSBackend",
        SMS_FILE_PATH=str(tmp / "sent-sms"),
        OFFICINE_VAR_DIR=str(tmp / "var"),
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        WEB_CONCURRENCY="2",
        CELERY_CONCURRENCY="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_nginx(tmp: Path, app_port: int, env: dict) -> int | None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not nginx:
        say("nginx not installed: HTTP goes straight to gunicorn (apt-get install nginx to try it)")
        return None
    port = free_port()
    conf_dir = tmp / "nginx"
    conf_dir.mkdir()
    values = {
        "@TMP@": str(conf_dir),
        "@PORT@": str(port),
        "@UPSTREAM@": f"127.0.0.1:{app_port}",
        "@STATIC_ROOT@": str(ROOT / "staticfiles"),
        "@MEDIA_ROOT@": str(tmp / "var" / "media"),
    }
    for name in ("loopback.conf", "officine-locations.conf"):
        text = (ROOT / "deploy" / "nginx" / name).read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        (conf_dir / ("nginx.conf" if name == "loopback.conf" else name)).write_text(text)
    test = subprocess.run(
        [nginx, "-t", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if test.returncode:
        raise CheckFailed(f"nginx -t refused deploy/nginx config:\n{test.stderr}")
    start(
        [nginx, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-g", "daemon off;"],
        env,
        tmp / "nginx.log",
    )
    env["OFFICINE_TRUSTED_PROXY_COUNT"] = "1"
    ok(f"nginx -t accepts deploy/nginx/loopback.conf + officine-locations.conf (port {port})")
    return port


def http_ready(base):
    import requests

    def probe():
        try:
            return requests.get(base + "/", headers={"Host": HOST}, timeout=3).status_code == 200
        except requests.RequestException:
            return False

    return probe


def log_has(path: Path, pattern: str):
    return lambda: path.exists() and re.search(pattern, path.read_text(errors="replace"))


def check_flows(base: str, tmp: Path) -> None:
    import requests

    from bench.http_forms import PATIENT, fill, follow, post_forms, rebase, submit_booking
    from tests.ordonnances.filesets import large_jpeg

    session = requests.Session()
    session.headers["Host"] = HOST

    home = session.get(base + "/", timeout=10)
    again = session.get(base + "/", timeout=10)
    if again.headers.get("X-Officine-Cache") != "hit" or home.cookies:
        raise CheckFailed(f"home page not served from the page cache: {dict(again.headers)}")
    ok("anonymous home page: no cookie, second GET served from the Redis page cache")

    static = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', home.text)
    if not static or session.get(base + static.group(1), timeout=10).status_code != 200:
        raise CheckFailed("hashed static CSS not served")
    ok(f"static file {static.group(1)} served (collectstatic + manifest)")

    page = session.get(base + "/ordonnance/", timeout=10)
    form = next(f for f in post_forms(page.text, base + "/ordonnance/") if "files" in f.files)
    form.action = rebase(form.action, base)
    if not form.fields.get("form_token"):
        raise CheckFailed("no signed form_token in the upload form")
    data = fill(form, {**PATIENT, "notify_by": "both"})
    time.sleep(float(os.environ.get("OFFICINE_MIN_FILL_SECONDS", 3)) + 0.3)  # a human fills it
    photo = large_jpeg(1600, 1200)
    sent = session.post(
        form.action,
        data=data,
        files=[("files", ("ordonnance.jpg", photo, "image/jpeg"))],
        timeout=remaining(60),
        allow_redirects=False,
    )
    sent = follow(session, sent, base)
    if sent.status_code != 200 or "envoyee" not in sent.url:
        raise CheckFailed(
            f"prescription not accepted: {sent.status_code} {sent.url}\n{sent.text[:2000]}"
        )
    reference = re.search(r"\bORD-[A-Z0-9]{4,8}\b", sent.text)
    if not reference:
        raise CheckFailed("no prescription reference (ORD-...) on the confirmation page")
    ok(f"prescription submitted over HTTP (multipart, {len(photo) // 1024} KB JPEG) -> {sent.url}")

    booked = submit_booking(
        session,
        base + "/rendez-vous/",
        timeout=remaining(30),
        min_fill=float(os.environ.get("OFFICINE_MIN_FILL_SECONDS", 3)) + 0.3,
    )
    if booked.status_code != 200 or "confirmation" not in booked.url:
        raise CheckFailed(
            f"booking not accepted: {booked.status_code} {booked.url}\n{booked.text[:2000]}"
        )
    ok(f"booking made over HTTP through the no-JavaScript steps -> {booked.url}")

    emails, sms = tmp / "sent-emails", tmp / "sent-sms"

    def delivered():
        mails = [p.read_text(errors="replace") for p in emails.glob("*")] if emails.exists() else []
        texts = [p.read_text(errors="replace") for p in sms.glob("*")] if sms.exists() else []
        return (mails, texts) if len(mails) >= 3 and len(texts) >= 2 else None

    mails, texts = wait_for("the worker to send the notifications", delivered, 60)
    if not any(reference.group(0) in mail for mail in mails):
        raise CheckFailed(f"no email mentions the prescription {reference.group(0)}")
    ok(
        f"worker delivered {len(mails)} emails to {emails} and {len(texts)} SMS to {sms}; "
        f"the patient's email names prescription {reference.group(0)}"
    )


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="officine-prodcheck-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # `finally` still stops everything
    app_port = free_port()
    env = make_env(tmp, app_port)
    try:
        fresh_services()
        run(env, "check", "--deploy", "--fail-level", "ERROR")
        ok("manage.py check --deploy with production settings")
        run(env, "migrate", "--noinput", timeout=150)
        ok("migrations applied to a fresh database")
        run(env, "collectstatic", "--noinput", "-v0")
        run(env, "seed_demo", timeout=120)
        ok("demo pharmacies provisioned (manage.py seed_demo)")

        start([str(BIN / "honcho"), "-f", "deploy/Procfile", "start"], env, tmp / "honcho.log")
        nginx_port = start_nginx(tmp, app_port, env)
        base = f"http://127.0.0.1:{nginx_port or app_port}"
        log = tmp / "honcho.log"
        wait_for("gunicorn", http_ready(f"http://127.0.0.1:{app_port}"), 40)
        wait_for("the Celery worker", log_has(log, r"worker\.\d+\s+\|.*ready\."), 40)
        wait_for("Celery beat", log_has(log, r"beat\.\d+\s+\|.*beat: Starting"), 40)
        ok("honcho started deploy/Procfile: gunicorn (2 workers), Celery worker and beat")
        if nginx_port:
            wait_for("nginx", http_ready(base), 20)
            ok(f"requests go through nginx on {base} to gunicorn on port {app_port}")
        check_flows(base, tmp)
    except (CheckFailed, Exception, KeyboardInterrupt) as exc:  # noqa: BLE001
        say(f"FAILED: {exc}")
        for name in ("honcho.log", "nginx/nginx-error.log"):
            path = tmp / name
            if path.exists():
                say(f"--- last lines of {path}")
                print("\n".join(path.read_text(errors="replace").splitlines()[-40:]), flush=True)
        return 1
    finally:
        stop_all()
        say("all processes stopped")
    say(f"passed: {len(CHECKS)} checks in {time.monotonic() - STARTED:.0f} s")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
