"""Fixtures of the notification tests: a committed-transaction helper and a notified object."""

import pytest
from django.db import transaction

from cms.notifications import dispatch


@pytest.fixture(autouse=True)
def _fresh_breaker():
    dispatch.reset_breaker()
    yield
    dispatch.reset_breaker()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as a committed transaction, executing on-commit callbacks like production."""

    class Committed:
        def __call__(self, func, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                with transaction.atomic():
                    result = func(*args, **kwargs)
            self.callbacks = callbacks
            return result

    return Committed()


@pytest.fixture
def subject_obj(pharmacy_a):
    """Any saved model instance can be what a message is about; tests use a Site page."""
    return pharmacy_a.site.root_page
