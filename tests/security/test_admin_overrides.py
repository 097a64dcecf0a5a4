"""The scoped replacements of Wagtail's admin views are the ones Wagtail actually uses.

They are plugged in at Wagtail's own addresses and registries; a Wagtail upgrade that moves an
address, or registers its own class after ours, would silently bring back the global view. These
tests fail then.
"""

import pytest
from django.urls import resolve, reverse
from wagtail.admin.api.urls import admin_api
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets.pages import page_viewset_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.permissions import policy_registry

from pharmacies import admin_overrides, media_scoping

SAMPLE_KWARGS = {"app_name": "taggit", "model_name": "tag"}


@pytest.mark.parametrize(("route", "name", "view"), admin_overrides.OVERRIDES)
def test_each_replacement_answers_at_wagtail_own_address(route, name, view):
    kwargs = {key: value for key, value in SAMPLE_KWARGS.items() if f"<slug:{key}>" in route}
    address = reverse(name, kwargs=kwargs)
    assert address == "/admin/" + route.replace("<slug:app_name>", "taggit").replace(
        "<slug:model_name>", "tag"
    )
    match = resolve(address)
    assert match.namespace == "admin_overrides"
    assert match.url_name == admin_overrides.override_name(name)


def test_every_bulk_action_is_scoped():
    bulk_action_registry._scan_for_bulk_actions()
    actions = [
        action
        for models in bulk_action_registry.actions.values()
        for by_name in models.values()
        for action in by_name.values()
    ]
    assert actions
    unscoped = [
        a.__name__ for a in actions if not issubclass(a, admin_overrides.ScopedBulkActionMixin)
    ]
    assert not unscoped, f"bulk actions not scoped to the user's pharmacies: {unscoped}"


def test_every_page_type_uses_the_scoped_page_viewset():
    assert isinstance(page_viewset_registry.get_by_type(Page), admin_overrides.ScopedPageViewSet)


def test_images_and_documents_use_the_pharmacy_policy_and_api():
    for model in (get_image_model(), get_document_model()):
        assert isinstance(
            policy_registry.get_by_type(model), media_scoping.PharmacyCollectionPolicy
        )
    assert admin_api._endpoints["images"] is media_scoping.ScopedImagesAdminAPIViewSet
    assert admin_api._endpoints["documents"] is media_scoping.ScopedDocumentsAdminAPIViewSet
