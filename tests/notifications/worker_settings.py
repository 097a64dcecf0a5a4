"""Settings of the real Celery worker started by the service tests: what it sends lands in files."""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["OUTBOX_TEST_EMAIL_DIR"]
SMS_BACKEND = os.environ.get("OUTBOX_TEST_SMS_BACKEND", "notifications.sms.FileSMSBackend")
SMS_FILE_PATH = os.environ["OUTBOX_TEST_SMS_DIR"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["REDIS_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("OUTBOX_TEST_QUEUE", "celery")
CONN_MAX_AGE = 0
