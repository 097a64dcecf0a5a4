"""Handing outbox rows to Celery without ever letting a broker outage fail the patient's request.

The row is already committed when we publish; if the broker is unreachable we log and leave the row
pending for the relay. A short circuit breaker stops a burst of requests from each waiting on a dead
broker.
"""

from __future__ import annotations

import logging
import time

from kombu.exceptions import KombuError, OperationalError

logger = logging.getLogger("officine.notifications")

BROKER_COOLDOWN_SECONDS = 10.0
_broker_down_until = 0.0


def reset_breaker() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def publish(task, message_id: int) -> bool:
    """Publish `task` for the row now; False (row left pending for the relay) if the broker is down."""
    global _broker_down_until
    eager = task.app.conf.task_always_eager
    if not eager and time.monotonic() < _broker_down_until:
        logger.warning("Broker marked down; outbox message %s left for the relay", message_id)
        return False
    try:
        task.apply_async((message_id,), retry=False)
    except (OperationalError, KombuError, OSError, ConnectionError) as exc:
        _broker_down_until = time.monotonic() + BROKER_COOLDOWN_SECONDS
        logger.warning(
            "Broker unavailable (%s); outbox message %s left pending for the relay", exc, message_id
        )
        return False
    except Exception:
        logger.exception("Could not dispatch outbox message %s; left for the relay", message_id)
        return False
    return True
