"""Django's Redis cache, answering like an empty cache while Redis is unreachable.

In production one Redis holds the page and fragment caches, Wagtail's site root paths and the rate
limit counters (and is the Celery broker). Django's Redis backend raises when Redis is down, and
every page then fails, though nothing a patient needs lives only in the cache. This backend logs
the outage once, answers as a cache that has nothing (reads miss, writes are dropped) and, for a
few seconds after a failure, does not even try, so a dead Redis costs no request a timeout.

With `"LOCAL_FALLBACK": True` in OPTIONS (the rate limits' cache), it keeps counting in this
process's memory meanwhile instead: the public forms stay limited per process rather than
refused to everyone (or let through without any limit).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("officine.caching")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Per server, for the whole process: until when Redis is left alone, and whether the outage was
# already logged.
_outages: dict[str, float] = {}
_outages_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        local_fallback = options.pop("LOCAL_FALLBACK", False)
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        # A Redis that does not answer must not hold a request for long.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 2)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._name = f"{server}|{params.get('KEY_PREFIX', '')}"
        self._local = None
        if local_fallback:
            self._local = LocMemCache(
                f"officine-fallback|{self._name}",
                {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
            )

    # --- the outage, shared by every instance of this server in the process -------------

    def _down(self) -> bool:
        return time.monotonic() < _outages.get(self._name, 0.0)

    def _failed(self, operation: str, exc: Exception) -> None:
        with _outages_lock:
            first = self._name not in _outages
            _outages[self._name] = time.monotonic() + self.retry_after
        if first:
            logger.error(
                "Redis cache unreachable (%s on %s: %s); serving without it%s",
                type(exc).__name__,
                operation,
                exc,
                ", counting in this process" if self._local else "",
            )

    def _recovered(self) -> None:
        if self._name in _outages:
            with _outages_lock:
                _outages.pop(self._name, None)
            logger.warning("Redis cache reachable again")

    def _call(self, operation: str, degraded, *args, **kwargs):
        """Redis's answer; while it is unreachable, the local cache's or `degraded()`."""
        if not self._down():
            try:
                result = getattr(super(), operation)(*args, **kwargs)
            except UNREACHABLE as exc:
                self._failed(operation, exc)
            else:
                self._recovered()
                return result
        if self._local is not None:
            return getattr(self._local, operation)(*args, **kwargs)
        return degraded()

    # --- Django's cache API ---------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", lambda: False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", lambda: None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", lambda: False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", dict, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", lambda: False, key, version)

    def incr(self, key, delta=1, version=None):
        def unavailable():
            raise ValueError(f"Key '{key}' not found (cache unavailable)")

        return self._call("incr", unavailable, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda: list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", lambda: None, keys, version)

    def clear(self):
        return self._call("clear", lambda: False)
