"""SMS backends that misbehave on purpose: slow (a test kills the worker mid-send), or followed by
a dropped database connection."""

import os
import time
import uuid
from pathlib import Path

import psycopg
from django.db import connection

from notifications.sms import FileSMSBackend, LocmemSMSBackend


class SlowFileSMSBackend(FileSMSBackend):
    def send_one(self, message):
        marker_dir = Path(os.environ["OUTBOX_TEST_MARKER_DIR"])
        marker_dir.mkdir(parents=True, exist_ok=True)
        (marker_dir / f"started-{uuid.uuid4()}").touch()
        time.sleep(float(os.environ.get("OUTBOX_TEST_SMS_DELAY", "0")))
        super().send_one(message)


class ConnectionDroppingSMSBackend(LocmemSMSBackend):
    """The provider accepts the SMS, then the database drops our connection before we write the
    answer down (PostgreSQL restarted, failover, the connection killed by an administrator)."""

    def send_one(self, message):
        super().send_one(message)
        pid = connection.connection.info.backend_pid
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
