"""Platform security: headers, CSP, 2FA on every admin URL, login lockout, rate limits, deploy check."""

import json
import os
import secrets
import subprocess
import sys
import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.security import public_post_rate_limited
from pharmacies.client_ip import client_ip


def test_public_pages_carry_security_headers_and_strict_csp(client_a):
    response = client_a.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_admin_login_page_is_framed_nowhere_else(client, db):
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@override_settings(OFFICINE_2FA_REQUIRED=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_every_admin_url_requires_a_second_factor(admin_client_a, staff_a, pharmacy_a):
    urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[pharmacy_a.site.root_page.pk]),
        reverse("pharmacies:edit", args=[pharmacy_a.pk]),
        reverse("wagtailimages:index"),
    ]
    for url in urls:
        response = admin_client_a.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("officine_2fa_setup")), url

    setup = admin_client_a.get(reverse("officine_2fa_setup"))
    assert setup.status_code == 200 and "data:image/svg+xml" in setup.content.decode()
    device = TOTPDevice.objects.get(user=staff_a)
    wrong = admin_client_a.post(reverse("officine_2fa_setup"), {"token": "000000"})
    assert "Code incorrect" in wrong.content.decode()
    session_before = admin_client_a.session.session_key
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    done = admin_client_a.post(reverse("officine_2fa_setup") + "?next=/admin/", {"token": code})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert admin_client_a.session.session_key != session_before
    for url in urls:
        assert admin_client_a.get(url).status_code == 200, url


@override_settings(OFFICINE_2FA_REQUIRED=True)
def test_enrolled_user_must_enter_a_code_at_each_login(client, staff_a):
    device = TOTPDevice.objects.create(user=staff_a, name="phone", confirmed=True)
    client.force_login(staff_a)
    response = client.get(reverse("wagtailadmin_home"))
    assert response["Location"].startswith(reverse("officine_2fa_verify"))
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    assert client.post(reverse("officine_2fa_verify"), {"token": code}).status_code == 302
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_locks_out_after_repeated_failures(client, staff_a):
    login = reverse("wagtailadmin_login")
    for _ in range(3):
        client.post(login, {"username": "staff-a", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    locked = client.post(
        login, {"username": "staff-a", "password": "pw-Test-2026"}, REMOTE_ADDR="198.51.100.7"
    )
    assert locked.status_code == 429
    assert "bloqué" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_cookie_flags():
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


@override_settings(OFFICINE_TRUSTED_PROXY_COUNT=1)
def test_spoofed_forwarded_for_does_not_change_the_client():
    factory = RequestFactory()
    spoofed = factory.post(
        "/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="127.0.0.1"
    )
    assert client_ip(spoofed) == "203.0.113.9"
    other_spoof = factory.post(
        "/", HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.9", REMOTE_ADDR="127.0.0.1"
    )
    assert client_ip(other_spoof) == "203.0.113.9"


def test_without_trusted_proxy_forwarded_for_is_ignored():
    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="203.0.113.1")
    assert client_ip(request) == "203.0.113.1"


def _concurrent_accepts(n_requests, ip_of):
    factory = RequestFactory()
    accepted = []
    barrier = threading.Barrier(n_requests)

    def post(i):
        request = factory.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ip_of(i))
        barrier.wait()
        if not public_post_rate_limited(request, pharmacy_id=4242):
            accepted.append(i)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n_requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return len(accepted)


@override_settings(
    OFFICINE_TRUSTED_PROXY_COUNT=1,
    OFFICINE_RATE_LIMIT_PER_IP="5/h",
    OFFICINE_RATE_LIMIT_PER_PHARMACY="1000/h",
)
def test_twenty_concurrent_posts_exactly_the_limit_accepted():
    cache.clear()
    assert _concurrent_accepts(20, lambda i: f"10.0.0.{i}, 203.0.113.50") == 5


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="1000/h", OFFICINE_RATE_LIMIT_PER_PHARMACY="7/h")
def test_per_pharmacy_limit_across_addresses():
    cache.clear()
    factory = RequestFactory()
    results = [
        public_post_rate_limited(factory.post("/", REMOTE_ADDR=f"203.0.113.{i}"), pharmacy_id=77)
        for i in range(10)
    ]
    assert results.count(False) == 7


@pytest.mark.services
def test_rate_limit_is_exact_on_redis(redis_url):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"ratelimit-test-{secrets.token_hex(4)}",
        }
    }
    with override_settings(
        CACHES=redis_cache,
        OFFICINE_TRUSTED_PROXY_COUNT=1,
        OFFICINE_RATE_LIMIT_PER_IP="5/h",
        OFFICINE_RATE_LIMIT_PER_PHARMACY="1000/h",
    ):
        from django.core.cache import caches

        caches["default"].clear()
        assert _concurrent_accepts(20, lambda i: f"10.9.9.{i}, 203.0.113.60") == 5


def production_env(**extra) -> dict:
    """What production settings need to start, for a `manage.py` run in a subprocess."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "pharmacie.example",
        "OFFICINE_FILE_KEYS": "dGVzdC1rZXktb2ZmaWNpbmUtMzItYnl0ZXMtbG9uZyE=",
        "ANYMAIL_WEBHOOK_SECRET": "provider:" + secrets.token_urlsafe(24),
        **extra,
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests, never in production
    return env


def test_deploy_check_is_clean_with_production_settings():
    env = production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    env.pop("ANYMAIL_WEBHOOK_SECRET")
    unsafe = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Without the webhook secret, production does not even start.
    assert unsafe.returncode != 0 and "ANYMAIL_WEBHOOK_SECRET" in unsafe.stderr


def test_several_app_machines_share_media_and_private_files_through_object_storage():
    """With MEDIA_STORAGE_BACKEND and PRIVATE_STORAGE_BACKEND at s3, no uploaded file stays on the
    machine that received it: photos go to a public bucket, prescriptions to a private one."""
    env = production_env(
        MEDIA_STORAGE_BACKEND="s3",
        AWS_MEDIA_BUCKET_NAME="officine-media",
        PRIVATE_STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="officine-private",
    )
    script = (
        "import json; from django.core.files.storage import storages;"
        "print(json.dumps({n: [type(storages[n]).__name__, storages[n].bucket_name,"
        " storages[n].default_acl, storages[n].querystring_auth] for n in ('default', 'private')}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "default": ["S3Storage", "officine-media", "public-read", False],
        "private": ["S3Storage", "officine-private", "private", True],
    }
