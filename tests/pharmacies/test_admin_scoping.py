"""The one rule for Wagtail's own objects: whose they are, who may see them listed."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Collection, Page, Site

from pharmacies import admin_scoping
from tests.factories import make_pharmacy


@pytest.fixture
def agency_user(db):
    return get_user_model().objects.create_user("agence", "agence@agence.test", "pw-Test-2026")


@pytest.fixture
def agency_collection(db):
    return Collection.get_first_root_node().add_child(name="Agence")


def test_another_pharmacy_object_is_hidden_like_a_missing_one(
    staff_a, staff_b, pharmacy_a, pharmacy_b
):
    home_a, home_b = pharmacy_a.site.root_page, pharmacy_b.site.root_page
    assert not admin_scoping.is_hidden(staff_a, Page, home_a.pk)
    assert admin_scoping.is_hidden(staff_a, Page, home_b.pk)
    assert admin_scoping.is_hidden(staff_a, Page, 987654321)
    assert admin_scoping.is_hidden(staff_a, Page, "abc")
    assert not admin_scoping.is_hidden(staff_a, Page, Page.get_first_root_node().pk)  # agency's
    assert admin_scoping.is_hidden(staff_a, Collection, pharmacy_b.internal_collection_id)
    assert admin_scoping.is_hidden(staff_a, Site, pharmacy_b.site_id)
    assert admin_scoping.is_hidden(staff_a, get_user_model(), staff_b.pk)
    assert not admin_scoping.is_hidden(staff_a, get_user_model(), staff_a.pk)


def test_listable_per_kind_of_user(
    staff_a, agency_user, superuser, pharmacy_a, pharmacy_b, agency_collection
):
    collections = Collection.objects.all()
    own = {pharmacy_a.collection, pharmacy_a.internal_collection}
    agency = {Collection.get_first_root_node(), agency_collection}
    assert set(admin_scoping.listable(staff_a, collections)) == own | agency
    assert set(admin_scoping.listable(agency_user, collections)) == agency
    assert set(admin_scoping.listable(superuser, collections)) == set(collections)
    sites = Site.objects.all()
    assert set(admin_scoping.listable(staff_a, sites)) == {pharmacy_a.site}
    assert pharmacy_a.site not in admin_scoping.listable(agency_user, sites)


def test_pharmacy_roots_are_matched_once_per_depth(agency_user, pharmacy_a, pharmacy_b):
    """One indexed equality per depth of the roots, however many pharmacies there are."""
    make_pharmacy()
    sql = str(admin_scoping.listable(agency_user, Page.objects.all()).query)
    assert sql.count("EXISTS") == 1


def test_every_scoped_viewset_form_is_a_form_of_its_model(db):
    """A viewset listing plain `form_fields` (no panels) got a form with no model, so its add and
    edit pages were server errors (Click & Collect settings, received messages)."""
    from django.urls import get_resolver
    from wagtail.admin.viewsets import viewsets

    from pharmacies.viewsets import PharmacyScopedViewSet

    get_resolver().url_patterns  # noqa: B018 - registers the admin viewsets
    scoped = [v for v in viewsets.viewsets if isinstance(v, PharmacyScopedViewSet)]
    assert {"collect_settings", "contact_messages"} <= {v.name for v in scoped}
    for viewset in scoped:
        for for_update in (False, True):
            form_class = viewset.get_form_class(for_update=for_update)
            assert form_class._meta.model is viewset.model, viewset.name
