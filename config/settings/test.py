"""Test settings: locmem mail/SMS, fast hashing, a throwaway private storage folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Static files come from the apps' and project's folders through the finders, as in development:
# a fresh clone has no collected STATIC_ROOT, and WhiteNoise would warn about it for every client.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
_TMP = Path(tempfile.mkdtemp(prefix="officine-test-"))
MEDIA_ROOT = _TMP / "media"
PRIVATE_STORAGE_ROOT = _TMP / "private"
STORAGES["private"]["OPTIONS"]["location"] = str(PRIVATE_STORAGE_ROOT)  # noqa: F405
OFFICINE_FILE_KEYS = ["dGVzdC1rZXktb2ZmaWNpbmUtMzItYnl0ZXMtbG9uZyE="]
OFFICINE_MIN_FILL_SECONDS = 0
# Tests decide per test whether tasks go through a real broker; by default they run in-process.
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
WAGTAILADMIN_BASE_URL = "http://testserver"
# Login lockout and 2FA are switched on by the tests that exercise them (override_settings).
AXES_ENABLED = False
OFFICINE_2FA_REQUIRED = False
OFFICINE_RATE_LIMIT_PER_IP = "1000/h"
OFFICINE_RATE_LIMIT_PER_PHARMACY = "10000/h"
