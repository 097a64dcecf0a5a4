"""With the cache's Redis unreachable, the sites answer as if the cache were empty.

Fast counterpart of `test_redis_down` (which stops a real Redis under gunicorn): here the cache
points at a port where nothing listens, inside the test process.
"""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from cms import cache as resilient
from cms.caching import HIT_HEADER
from cms.security import public_post_rate_limited
from ordonnances.models import Prescription
from tests.ordonnances.conftest import PatientBrowser

from .servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_unreachable(settings):
    """The production cache layout (cms.cache, a rate-limit alias) on a dead Redis."""
    resilient._outages.clear()
    dead = {
        "BACKEND": "cms.cache.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "KEY_PREFIX": "officine",
    }
    with override_settings(
        CACHES={"default": dead, "ratelimit": {**dead, "OPTIONS": {"LOCAL_FALLBACK": True}}},
        RATELIMIT_USE_CACHE="ratelimit",
        OFFICINE_PAGE_CACHE=True,
        OFFICINE_FRAGMENT_CACHE=True,
    ):
        yield
    resilient._outages.clear()


def test_pages_render_and_prescriptions_are_saved(redis_unreachable, client_a, pharmacy_a):
    for path in ("/", "/", "/ordonnance/", "/rendez-vous/"):
        response = client_a.get(path)
        assert response.status_code == 200, path
        assert HIT_HEADER not in response or response[HIT_HEADER] != "hit"
    assert PatientBrowser(client_a, pharmacy_a).send().status_code == 303
    assert Prescription.objects.count() == 1


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="3/h", OFFICINE_RATE_LIMIT_PER_PHARMACY="1000/h")
def test_the_rate_limit_counts_in_this_process_meanwhile(redis_unreachable):
    factory = RequestFactory()
    results = [
        public_post_rate_limited(factory.post("/", REMOTE_ADDR="203.0.113.9"), pharmacy_id=5)
        for _ in range(5)
    ]
    assert results == [False, False, False, True, True]


def test_the_outage_is_logged_once_not_per_request(redis_unreachable, client_a, caplog):
    logging.getLogger("officine").addHandler(caplog.handler)
    resilient._outages.clear()  # setting the pharmacy up already met the outage
    try:
        for _ in range(5):
            assert client_a.get("/").status_code == 200
            caches["default"].get("anything")
    finally:
        logging.getLogger("officine").removeHandler(caplog.handler)
    outages = [r for r in caplog.records if "Redis cache unreachable" in r.getMessage()]
    assert len(outages) == 1
