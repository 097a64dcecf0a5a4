"""An SMS backend that takes its time, so a test can kill the worker in the middle of a send."""

import os
import time
import uuid
from pathlib import Path

from notifications.sms import FileSMSBackend


class SlowFileSMSBackend(FileSMSBackend):
    def send_one(self, message):
        marker_dir = Path(os.environ["OUTBOX_TEST_MARKER_DIR"])
        marker_dir.mkdir(parents=True, exist_ok=True)
        (marker_dir / f"started-{uuid.uuid4()}").touch()
        time.sleep(float(os.environ.get("OUTBOX_TEST_SMS_DELAY", "0")))
        super().send_one(message)
