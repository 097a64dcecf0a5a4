"""Local development and the demo: SQLite and in-process tasks unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool, env_list

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ["*"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# A fixed development key so the demo's encrypted files survive restarts; never used in production.
OFFICINE_FILE_KEYS = env_list("OFFICINE_FILE_KEYS") or [
    "ZGV2LW9ubHkta2V5LWZvci1vZmZpY2luZS1kZW1vISE="
]
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "sent-emails"
SMS_BACKEND = "notifications.sms.FileSMSBackend"
SMS_FILE_PATH = BASE_DIR / "var" / "sent-sms"
# The demo logs in without a second factor; production requires it (OFFICINE_2FA_REQUIRED).
OFFICINE_2FA_REQUIRED = env_bool("OFFICINE_2FA_REQUIRED", False)
