"""The embedded default (`make demo`: SQLite, tasks in-process) with its output in the test's folder."""

import os

from config.settings.dev import *  # noqa: F403

EMAIL_FILE_PATH = os.environ["OFFICINE_TEST_EMAIL_DIR"]
SMS_FILE_PATH = os.environ["OFFICINE_TEST_SMS_DIR"]
