"""Shared fixtures: two provisioned pharmacies, their staff, clients bound to their hostnames."""

import os

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled
from hypothesis import settings as hypothesis_settings

from notifications.sms import reset_outbox

from .factories import make_pharmacy, make_staff, make_superuser

SERVICE_FIXTURES = {"require_postgres", "redis_url"}


def hypothesis_profile(environ) -> str:
    """Hypothesis: random and remembering its failures locally (.hypothesis/, ignored by git), but
    the same examples on every CI run, so a red build is the code's fault and can be replayed,
    never the luck of the draw. `HYPOTHESIS_PROFILE=ci` replays CI's examples locally."""
    return environ.get("HYPOTHESIS_PROFILE", "ci" if environ.get("CI") == "true" else "dev")


# Built on Hypothesis's own profiles, which it picks by itself from any `CI` variable (even
# CI=false); ours follow CI=true like the rest of the suite, and spell out what CI relies on. No
# deadline in CI: a slow shared runner is not a bug in the code, and Hypothesis reports an example
# that is slow only on its first run as a flaky failure.
hypothesis_settings.register_profile(
    "ci",
    hypothesis_settings.get_profile("ci"),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
)
hypothesis_settings.register_profile("dev", hypothesis_settings.get_profile("default"))
hypothesis_settings.load_profile(hypothesis_profile(os.environ))


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Fixtures build data across pharmacies, as a trusted shell would (pretix does the same)."""
    with scopes_disabled():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Test bodies read the database like a shell; requests and tasks they run enter their own
    scopes (middleware, task start), so tenancy is enforced where it matters. `@pytest.mark.scoped`
    runs the body with no scope at all."""
    if item.get_closest_marker("scoped"):
        return (yield)
    with scopes_disabled():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with scopes_disabled():
        return (yield)


@pytest.fixture(autouse=True)
def _reset_sms_outbox_and_cache():
    """Every test starts with an empty SMS outbox, like Django's mail.outbox, and an empty cache.

    The database is rolled back between tests but the in-memory cache is not: a page or block
    cached by one test must not be served to the next one, whose rows may reuse the same ids.
    """
    reset_outbox()
    for alias in caches:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language, as every request does.

    A test client request for an English page leaves English active in the test's thread
    afterwards; the next test's messages would then be written in English.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrated data (Wagtail's root page, default site).

    Django flushes the database after a transactional test and reloads the serialized data only at
    the start of tests that ask for it, so all of them must ask, whatever order they run in.

    A test that needs PostgreSQL or Redis must be marked `services`, or `-m "not services"` would
    run it where those services are missing.
    """
    unmarked = []
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "transactional_db" in names or "live_server" in names:
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False
            )
        if SERVICE_FIXTURES & set(names) and item.get_closest_marker("services") is None:
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError(
            "Tests using PostgreSQL or Redis must be marked services: " + ", ".join(unmarked)
        )


def _missing(what):
    """Real-service tests run in CI and must fail there, not skip, when a service is missing."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} not available (always run in CI)")


@pytest.fixture
def require_postgres(django_db_serialized_rollback, transactional_db):
    """For tests that need real PostgreSQL semantics (row locks, concurrent connections).

    Transactional tests flush the database; serialized rollback restores Wagtail's root page and
    default site for the tests that come after.
    """
    if connection.vendor != "postgresql":
        _missing("PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_url():
    """URL of a reachable Redis server, for broker and worker tests."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing("Redis (REDIS_URL)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        _missing(f"Redis at {url}")
    return url


@pytest.fixture
def pharmacy_a(db):
    return make_pharmacy("Pharmacie A", "pharmacie-a.test")


@pytest.fixture
def pharmacy_b(db):
    return make_pharmacy("Pharmacie B", "pharmacie-b.test")


@pytest.fixture
def staff_a(pharmacy_a):
    return make_staff(pharmacy_a, "staff-a")


@pytest.fixture
def staff_b(pharmacy_b):
    return make_staff(pharmacy_b, "staff-b")


@pytest.fixture
def superuser(db):
    return make_superuser()


@pytest.fixture
def client_a(pharmacy_a):
    """An anonymous visitor of pharmacy A's site."""
    return Client(HTTP_HOST=pharmacy_a.site.hostname)


@pytest.fixture
def client_b(pharmacy_b):
    return Client(HTTP_HOST=pharmacy_b.site.hostname)


@pytest.fixture
def admin_client_a(staff_a):
    client = Client()
    client.force_login(staff_a)
    return client


@pytest.fixture
def admin_client_b(staff_b):
    client = Client()
    client.force_login(staff_b)
    return client
