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
# Each routed queue gets the test's own name too ("bulk" → "<test queue>-bulk"), as in Workers.routes.
CELERY_TASK_ROUTES = {
    task: {**route, "queue": f"{CELERY_TASK_DEFAULT_QUEUE}-{route['queue']}"}
    for task, route in CELERY_TASK_ROUTES.items()  # noqa: F405
}
CONN_MAX_AGE = 0
