"""A database connection dropped between two requests (PostgreSQL restart, failover, an idle
connection killed by a pooler) costs nobody a 500: the next request checks it and reconnects."""

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

pytestmark = pytest.mark.services


def _serve(path, host):
    """One request through the real WSGI handler, which (unlike the test client) runs Django's
    connection housekeeping at the start and end of every request, as gunicorn does."""
    statuses = []
    environ = RequestFactory().get(path, HTTP_HOST=host).environ
    body = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    return int(statuses[0].split()[0])


def _terminate(pid):
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


@pytest.fixture
def fresh_connection_after():
    """Whatever happens, the test database is flushed afterwards through a working connection."""
    yield
    connection.close()


def test_a_dropped_connection_does_not_fail_the_next_request(
    require_postgres, pharmacy_a, settings
):
    settings.OFFICINE_PAGE_CACHE = False  # every request reads the database
    host = pharmacy_a.site.hostname
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections are kept between requests
    assert _serve("/", host) == 200
    pid = connection.connection.info.backend_pid

    _terminate(pid)

    assert _serve("/", host) == 200
    assert connection.connection.info.backend_pid != pid
