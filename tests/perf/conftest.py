"""The page cache is on for these tests, with a fresh cache each time."""

import pytest
from django.core.cache import cache

from tests.blog.conftest import agency_blog, agency_home  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.OFFICINE_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()
