"""`make scale-check`: two app nodes behind nginx, one of them SIGKILLed under load; nothing lost.

On this machine, against its PostgreSQL and Redis, with production settings:
- two gunicorn "nodes", each with its own temporary folder (`OFFICINE_VAR_DIR`), sharing the
  database, Redis (cache, broker, rate limits) and ONE private storage folder for the encrypted
  prescription files (what an S3-compatible bucket is for several machines);
- nginx in front of both (`deploy/nginx/officine-locations.conf`, two upstream servers);
- two Celery worker processes (apart from the web, as in production) and one beat;
- a load process (this script with `--load`) that sends a bounded number of prescriptions (a JPEG
  each) and bookings (all fighting for a few slots of one-seat services) from several threads;
- node A's gunicorn (master and workers) killed with SIGKILL in the middle of the run.

Then it checks and prints the counts: every submission that got its 303 exists, with its files
decryptable by node B; 0 overbookings; 0 lost notifications (every outbox row sent, each email
and SMS written exactly once by the workers); errors only for requests in flight on node A when it
died. Exit status 0 only if all of it holds.

Environment: SCALE_CHECK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/officine_scalecheck,
dropped and re-created), SCALE_CHECK_REDIS_URL (default redis://127.0.0.1:6379/15, flushed),
SCALE_CHECK_PRESCRIPTIONS / SCALE_CHECK_BOOKINGS (default 40 / 40), SCALE_CHECK_THREADS (6).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DB_URL = os.environ.get(
    "SCALE_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/officine_scalecheck"
)
REDIS_URL = os.environ.get("SCALE_CHECK_REDIS_URL", "redis://127.0.0.1:6379/15")
HOST = "pharmacie-du-centre.localhost"  # from `manage.py seed_demo`
PROCS: dict[str, subprocess.Popen] = {}


def say(text: str) -> None:
    print(f"[scale-check] {text}", flush=True)


class CheckFailed(Exception):
    pass


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the stack


def base_env(tmp: Path) -> dict:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=DB_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_urlsafe(50),
        ANYMAIL_WEBHOOK_SECRET="scalecheck:" + secrets.token_urlsafe(24),
        ALLOWED_HOSTS=".localhost,127.0.0.1",
        OFFICINE_FILE_KEYS=Fernet.generate_key().decode(),
        SECURE_SSL_REDIRECT="0",
        OFFICINE_2FA_REQUIRED="0",
        OFFICINE_MIN_FILL_SECONDS="0",
        OFFICINE_RATE_LIMIT_PER_IP="1000000/h",
        OFFICINE_RATE_LIMIT_PER_PHARMACY="1000000/h",
        OFFICINE_TRUSTED_PROXY_COUNT="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp / "sent-emails"),
        SMS_BACKEND="notifications.sms.FileSMSBackend",
        SMS_FILE_PATH=str(tmp / "sent-sms"),
        OFFICINE_VAR_DIR=str(own_folder(tmp, "setup")),
        PYTHONUNBUFFERED="1",
    )
    return env


def own_folder(tmp: Path, name: str) -> Path:
    """A process's own `OFFICINE_VAR_DIR`, whose `private/` (encrypted health data) and `media/`
    (pharmacy photos and logos) are folders every node shares (what S3-compatible buckets are for
    several machines)."""
    own = tmp / name
    own.mkdir()
    for folder in ("private", "media"):
        shared = tmp / f"shared-{folder}"
        shared.mkdir(exist_ok=True)
        (own / folder).symlink_to(shared, target_is_directory=True)
    return own


def node_env(env: dict, tmp: Path, name: str, port: int) -> dict:
    own = own_folder(tmp, f"node-{name}")
    return {
        **env,
        "OFFICINE_VAR_DIR": str(own),
        "TMPDIR": str(own),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESSLOG": "",
    }


def start(name: str, cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "w")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    PROCS[name] = proc
    return proc


def stop_all() -> None:
    for proc in PROCS.values():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in PROCS.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    PROCS.clear()


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise CheckFailed(f"manage.py {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def fresh_services() -> None:
    import psycopg
    import redis

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.username or 'postgres'}@{url.hostname}:{url.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()


def start_nginx(tmp: Path, upstreams: list[int]) -> int:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise CheckFailed("nginx is required (apt-get install -y nginx-light)")
    port = free_port()
    conf = tmp / "nginx"
    conf.mkdir()
    locations = (ROOT / "deploy" / "nginx" / "officine-locations.conf").read_text()
    for key, value in {
        "@STATIC_ROOT@": str(ROOT / "staticfiles"),
        "@MEDIA_ROOT@": str(tmp / "shared-media"),
    }.items():
        locations = locations.replace(key, value)
    (conf / "officine-locations.conf").write_text(locations)
    servers = "\n".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams)
    (conf / "nginx.conf").write_text(
        f"""
worker_processes 1;
pid {conf}/nginx.pid;
error_log {conf}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstream '$request_method $uri $status $upstream_addr $upstream_status $request_time';
    access_log {conf}/nginx-access.log upstream;
    client_body_temp_path {conf}/client_body;
    proxy_temp_path {conf}/proxy;
    fastcgi_temp_path {conf}/fastcgi;
    uwsgi_temp_path {conf}/uwsgi;
    scgi_temp_path {conf}/scgi;
    upstream officine_app {{ {servers} keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        add_header X-Officine-Node $upstream_addr always;
        include {conf}/officine-locations.conf;
    }}
}}
"""
    )
    check = subprocess.run(
        [nginx, "-t", "-p", str(conf), "-c", str(conf / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    if check.returncode:
        raise CheckFailed(f"nginx -t refused the configuration:\n{check.stderr}")
    start(
        "nginx",
        [nginx, "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", "daemon off;"],
        os.environ.copy(),
        tmp / "nginx.log",
    )
    return port


def wait_http(url: str, timeout: float) -> None:
    import requests

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if requests.get(url, headers={"Host": HOST}, timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise CheckFailed(f"{url} did not answer within {timeout:.0f} s")


# --------------------------------------------------------------------------- the load (--load)


def _record(out, lock, **fields):
    with lock:
        out.write(json.dumps(fields) + "\n")
        out.flush()


def _reference(session, base, redirect, pattern) -> str | None:
    """The reference shown on the confirmation page the 303 leads to (through nginx again)."""
    from bench.http_forms import rebase

    location = rebase(urljoin(base + "/", redirect.headers["Location"]), base)
    for _ in range(3):  # a GET may land on the node being killed: nginx retries it, so do we
        try:
            found = re.search(pattern, session.get(location, timeout=60).text)
            return found.group(0) if found else None
        except Exception:  # noqa: BLE001
            time.sleep(1)
    return None


def _prescription(session, base, jpeg) -> dict:
    from bench.http_forms import PATIENT, fill, post_forms, rebase

    page = session.get(base + "/ordonnance/", timeout=60)
    page.raise_for_status()
    form = next(f for f in post_forms(page.text, base + "/ordonnance/") if "files" in f.files)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    started = time.time()
    try:
        sent = session.post(
            rebase(form.action, base),
            data=data,
            files=[("files", ("ordonnance.jpg", jpeg, "image/jpeg"))],
            timeout=60,
            allow_redirects=False,
        )
    except Exception as exc:  # noqa: BLE001 - recorded as an error of this request
        return {
            "kind": "prescription",
            "started": started,
            "ended": time.time(),
            "error": repr(exc),
        }
    result = {
        "kind": "prescription",
        "started": started,
        "ended": time.time(),
        "status": sent.status_code,
        "node": sent.headers.get("X-Officine-Node", ""),
    }
    if sent.status_code == 303:
        result["reference"] = _reference(session, base, sent, r"\bORD-[A-Z0-9]{4,10}\b")
    return result


def _booking(session, base, rng) -> dict:
    from html import unescape

    from bench.http_forms import PATIENT, fill, links_matching, parse, post_forms, rebase

    page_url = base + "/rendez-vous/"
    page = session.get(page_url, timeout=60)
    page.raise_for_status()
    choose = next(f for f in parse(page.text).forms if f.method == "get" and "service" in f.radios)
    query = {**choose.fields, "service": rng.choice(choose.radios["service"][:2])}
    url = rebase(urljoin(page.url, unescape(choose.action)), page_url) + "?" + urlencode(query)
    for pattern in (r"[?&]jour=", r"[?&]start="):
        page = session.get(url, timeout=60)
        page.raise_for_status()
        found = links_matching(page.text, page.url, pattern)
        if not found:
            return {"kind": "booking", "started": time.time(), "ended": time.time(), "full": True}
        # A few slots only, so that concurrent patients fight for the same seats.
        url = rebase(rng.choice(found[:3]), page_url)
    page = session.get(url, timeout=60)
    form = next(f for f in post_forms(page.text, page.url) if "start" in f.fields)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    started = time.time()
    try:
        sent = session.post(
            rebase(form.action, page_url), data=data, timeout=60, allow_redirects=False
        )
    except Exception as exc:  # noqa: BLE001
        return {"kind": "booking", "started": started, "ended": time.time(), "error": repr(exc)}
    result = {
        "kind": "booking",
        "started": started,
        "ended": time.time(),
        "status": sent.status_code,
        "node": sent.headers.get("X-Officine-Node", ""),
    }
    if sent.status_code == 303:
        result["reference"] = _reference(session, base, sent, r"\bRDV-[A-Z0-9]{4,10}\b")
    return result


def run_load(base: str, out_path: str, prescriptions: int, bookings: int, threads: int) -> None:
    """The load process: a bounded queue of submissions shared by `threads` patients."""
    import requests

    from tests.ordonnances.filesets import large_jpeg

    jpeg = large_jpeg(1600, 1200)
    jobs = ["prescription"] * prescriptions + ["booking"] * bookings
    random.Random(18).shuffle(jobs)
    lock = threading.Lock()
    out = open(out_path, "w")

    def patient(n):
        rng = random.Random(n)
        session = requests.Session()
        session.headers["Host"] = HOST
        while True:
            with lock:
                if not jobs:
                    return
                job = jobs.pop()
            try:
                result = (
                    _prescription(session, base, jpeg)
                    if job == "prescription"
                    else _booking(session, base, rng)
                )
            except Exception as exc:  # noqa: BLE001 - a GET failed: counted, never raised
                result = {
                    "kind": job,
                    "started": time.time(),
                    "ended": time.time(),
                    "error": repr(exc),
                    "step": "page",
                }
            _record(out, lock, **result)

    workers = [threading.Thread(target=patient, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    out.close()


# --------------------------------------------------------------------------- checks


VERIFY = r"""
import collections, json, sys
from django_scopes import scopes_disabled
_unscoped = scopes_disabled()  # kept: a dropped context manager would close and re-scope
_unscoped.__enter__()  # the check reads every pharmacy's rows, as a trusted shell
from pathlib import Path
from django.db.models import Count
from ordonnances.models import Prescription
from rdv.models import Booking
from notifications.models import OutboxMessage

refs = json.loads(Path(sys.argv[1]).read_text())
found_p = set(Prescription.objects.filter(reference__in=refs["prescription"]).values_list("reference", flat=True))
found_b = set(Booking.objects.filter(reference__in=refs["booking"]).values_list("reference", flat=True))
unreadable = 0
files = 0
for p in Prescription.objects.filter(reference__in=refs["prescription"]).prefetch_related("files"):
    for f in p.files.all():
        files += 1
        try:
            assert f.read_decrypted()[:3] == b"\xff\xd8\xff"  # a JPEG again
        except Exception as exc:
            unreadable += 1
            print("UNREADABLE", p.reference, repr(exc), file=sys.stderr)
seats = collections.Counter()
capacity = {}
for b in Booking.objects.filter(status="booked").select_related("service"):
    seats[(b.service_id, b.start)] += 1
    capacity[b.service_id] = b.service.capacity
over = sum(1 for (service, start), n in seats.items() if n > capacity[service])
rows = OutboxMessage.objects.values_list("pk", "channel", "status", "recipient", "body_text")
print(json.dumps({
    "prescriptions_found": len(found_p), "bookings_found": len(found_b),
    "missing": sorted(set(refs["prescription"]) - found_p) + sorted(set(refs["booking"]) - found_b),
    "files": files, "unreadable": unreadable, "overbooked_slots": over,
    "prescriptions_total": Prescription.objects.count(), "bookings_total": Booking.objects.count(),
    "outbox": [list(r) for r in rows],
}))
"""


def outbox_counts(env) -> dict:
    out = manage(
        env,
        "shell",
        "-c",
        "from django_scopes import scopes_disabled; _unscoped = scopes_disabled(); _unscoped.__enter__();"
        "from notifications.models import OutboxMessage; from django.db.models import Count;"
        "import json; print(json.dumps(dict(OutboxMessage.objects.values_list('status')"
        ".annotate(n=Count('pk')).values_list('status', 'n'))))",
    )
    return json.loads(out.strip().splitlines()[-1])


def drain_outbox(env, timeout: float) -> dict:
    """Wait until no outbox row is pending or sending; then the relay for what a kill left behind."""
    end = time.monotonic() + timeout
    relayed = False
    while True:
        counts = outbox_counts(env)
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        if time.monotonic() > end:
            raise CheckFailed(f"outbox not drained: {counts}")
        if not relayed and time.monotonic() > end - timeout / 2:
            # What beat's relay does after OUTBOX_RELAY_PENDING_AFTER (5 min), without waiting.
            out = manage(
                env,
                "shell",
                "-c",
                "from notifications.tasks import relay; from pharmacies.tenancy import all_pharmacies;"
                "_all = all_pharmacies(); _all.__enter__(); print(relay(pending_after=0))",
            )
            say(f"outbox relay dispatched {out.strip().splitlines()[-1]} row(s) left pending")
            relayed = True
        time.sleep(2)


def sent_messages(tmp: Path) -> tuple[collections.Counter, collections.Counter]:
    """(outbox id -> emails written, (recipient, body) -> SMS written), from the file backends."""
    emails = collections.Counter()
    for path in (tmp / "sent-emails").glob("*"):
        for found in re.findall(
            r"^X-Officine-Message: (\d+)$", path.read_text(errors="replace"), re.M
        ):
            emails[int(found)] += 1
    sms = collections.Counter()
    for path in (tmp / "sent-sms").glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        head, _, body = text.partition("\n\n")
        to = re.search(r"^To: (.*)$", head, re.M).group(1)
        sms[(to, body.rstrip("\n"))] += 1
    return emails, sms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", nargs=5, metavar=("BASE", "OUT", "P", "B", "THREADS"))
    args = parser.parse_args()
    if args.load:
        base, out, p, b, threads = args.load
        run_load(base, out, int(p), int(b), int(threads))
        return 0

    prescriptions = int(os.environ.get("SCALE_CHECK_PRESCRIPTIONS", 40))
    bookings = int(os.environ.get("SCALE_CHECK_BOOKINGS", 40))
    threads = int(os.environ.get("SCALE_CHECK_THREADS", 6))
    tmp = Path(tempfile.mkdtemp(prefix="officine-scalecheck-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    failures = []
    try:
        fresh_services()
        env = base_env(tmp)
        manage(env, "migrate", "--noinput", "-v0", timeout=600)
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "seed_demo", timeout=300)
        say("fresh database migrated, demo pharmacies provisioned, Redis flushed")

        port_a, port_b = free_port(), free_port()
        nodes = {"a": node_env(env, tmp, "a", port_a), "b": node_env(env, tmp, "b", port_b)}
        gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
        for name, node in nodes.items():
            start(f"web-{name}", gunicorn, node, tmp / f"web-{name}.log")
        celery = [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "celery,bulk",
            "--loglevel=INFO",
            "--concurrency=1",
        ]
        for name in ("1", "2"):
            start(
                f"worker-{name}",
                [*celery, f"--hostname=worker{name}@%h"],
                {**env, "OFFICINE_VAR_DIR": str(own_folder(tmp, f"worker-{name}"))},
                tmp / f"worker-{name}.log",
            )
        start(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={tmp}/celerybeat-schedule",
            ],
            env,
            tmp / "beat.log",
        )
        for port in (port_a, port_b):
            wait_http(f"http://127.0.0.1:{port}/", 60)
        nginx_port = start_nginx(tmp, [port_a, port_b])
        base = f"http://127.0.0.1:{nginx_port}"
        wait_http(base + "/", 20)
        say(
            f"nodes A (:{port_a}) and B (:{port_b}) behind nginx (:{nginx_port}); "
            "2 Celery workers and 1 beat on the same Redis"
        )

        results = tmp / "load.jsonl"
        load = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--load",
                base,
                str(results),
                str(prescriptions),
                str(bookings),
                str(threads),
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        )
        total = prescriptions + bookings
        while load.poll() is None:
            done = sum(1 for _ in open(results)) if results.exists() else 0
            if done >= total // 3:
                break
            time.sleep(0.2)
        killed_at = time.time()
        os.killpg(PROCS["web-a"].pid, signal.SIGKILL)
        say(
            f"node A (gunicorn master and workers) killed with SIGKILL after {done} of "
            f"{total} submissions"
        )
        if load.wait(timeout=900):
            raise CheckFailed("the load process failed")
        records = [json.loads(line) for line in results.read_text().splitlines()]

        counts = drain_outbox(nodes["b"], timeout=180)
        refs = {
            kind: [r["reference"] for r in records if r["kind"] == kind and r.get("reference")]
            for kind in ("prescription", "booking")
        }
        (tmp / "refs.json").write_text(json.dumps(refs))
        verified = json.loads(
            manage(
                nodes["b"],
                "shell",
                "-c",
                VERIFY.replace("sys.argv[1]", repr(str(tmp / "refs.json"))),
            )
            .strip()
            .splitlines()[-1]
        )
        emails, sms = sent_messages(tmp)
        outbox = verified.pop("outbox")
        email_rows = {pk for pk, channel, status, *_ in outbox if channel == "email"}
        sms_rows = collections.Counter(
            (recipient, body) for _, channel, _, recipient, body in outbox if channel == "sms"
        )
        not_sent = [pk for pk, _, status, *_ in outbox if status != "sent"]
        emails_twice = [pk for pk, n in emails.items() if n > 1]
        emails_missing = sorted(email_rows - set(emails))
        sms_mismatch = sms != sms_rows

        accepted = [r for r in records if r.get("status") == 303]
        refused = [r for r in records if r.get("status") in (200, 409, 429)]
        errors = [r for r in records if "error" in r or r.get("status", 0) >= 500]
        in_flight = [r for r in errors if r["started"] <= killed_at + 1 and r["ended"] >= killed_at]
        stray = [r for r in errors if r not in in_flight]
        by_node = collections.Counter(r.get("node", "") for r in accepted)

        say("---------------------------------------------------------------- counts")
        say(
            f"submissions sent: {len(records)} ({prescriptions} prescriptions, {bookings} bookings)"
        )
        say(f"  303 (accepted): {len(accepted)}; by node: {dict(by_node)}")
        say(f"  refused with a message (slot taken...): {len(refused)}")
        say(f"  errors: {len(errors)}, of which in flight on node A when it died: {len(in_flight)}")
        say(
            f"accepted found in the database: {verified['prescriptions_found']} prescriptions, "
            f"{verified['bookings_found']} bookings; missing: {verified['missing']}"
        )
        say(
            f"prescription files decrypted by node B: {verified['files'] - verified['unreadable']}"
            f" of {verified['files']}"
        )
        say(f"overbooked slots: {verified['overbooked_slots']}")
        say(f"outbox rows: {len(outbox)} ({counts}); not sent: {len(not_sent)}")
        say(
            f"emails written: {sum(emails.values())} for {len(email_rows)} email rows "
            f"(twice: {len(emails_twice)}, missing: {len(emails_missing)}); SMS written: "
            f"{sum(sms.values())} for {sum(sms_rows.values())} SMS rows "
            f"({'exactly once each' if not sms_mismatch else 'MISMATCH'})"
        )

        checks = {
            "every accepted submission exists": not verified["missing"]
            and verified["prescriptions_found"] + verified["bookings_found"]
            == len([r for r in accepted if r.get("reference")]),
            "every accepted submission has its reference": all(
                r.get("reference") for r in accepted
            ),
            "files decryptable by the other node": verified["unreadable"] == 0
            and verified["files"] >= verified["prescriptions_found"],
            "0 overbookings": verified["overbooked_slots"] == 0,
            "0 lost notifications": not not_sent and not emails_missing and not sms_mismatch,
            "each notification sent once": not emails_twice and not sms_mismatch,
            "errors only in flight on the killed node": not stray,
            "some load reached node B after the kill": any(
                str(port_b) in r.get("node", "") and r["started"] > killed_at for r in accepted
            ),
        }
        for name, passed in checks.items():
            say(f"{'OK ' if passed else 'FAIL'} {name}")
            if not passed:
                failures.append(name)
    except (CheckFailed, Exception) as exc:  # noqa: BLE001
        say(f"FAILED: {exc}")
        failures.append(str(exc))
    finally:
        stop_all()
    if failures:
        say(f"logs kept in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
