import pytest
from wagtail.models import Page


@pytest.fixture
def probe(transactional_db, request):
    print("PROBE", list(Page.objects.values_list("id", "depth")))


@pytest.mark.e2e
def test_two(browser, probe):
    pass
