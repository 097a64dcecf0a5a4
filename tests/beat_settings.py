"""Settings of the real `celery beat` processes started by tests/test_beat_lock.py.

The production lock configuration (`OFFICINE_BEAT_LOCK=1`, read by config.settings.base from the
environment) with a one-second probe task on a queue of the test's own, and short intervals so
a takeover is seen in seconds instead of minutes.
"""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["REDIS_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["BEAT_TEST_QUEUE"]
CELERY_REDBEAT_KEY_PREFIX = f"{os.environ['BEAT_TEST_QUEUE']}:redbeat:"
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
CELERY_REDBEAT_LOCK_TIMEOUT = 4
# A task name no worker knows: beat only publishes it, the test counts the messages.
CELERY_BEAT_SCHEDULE = {"probe": {"task": "officine.beat_probe", "schedule": 1.0}}
