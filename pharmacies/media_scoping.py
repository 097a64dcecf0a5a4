"""Images and documents per pharmacy: who may list, choose, change and download which file.

Wagtail keeps images and documents in collections and grants permissions per collection; each
pharmacy has its own (`provisioning.sync_collections`). That alone leaves three gaps this module
closes with `admin_scoping`'s rule:

- a permission granted on a collection above a pharmacy's (the root, by a careless agency admin)
  would reach every pharmacy's files: the permission policy never lets a non-superuser act on
  another pharmacy's collection, whatever the groups say;
- the admin API (`/admin/api/main/images/`, `/documents/`) lists every file of the platform with
  its title, tags and download URL: its endpoints list only what the user may choose;
- anyone may download any document by its URL: a document is served to a visitor only from the
  agency's collections, from the public collection of the site it is asked on, or when a live page
  of that site uses it; a pharmacy's internal collection only to its staff.

The agency's collections (owned by no pharmacy) hold the files of the shared news: every pharmacy
may choose them, only the agency changes them.
"""

from __future__ import annotations

from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.models import Collection, Page, ReferenceIndex, Site
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import policy_registry

from . import admin_scoping, tenancy
from .models import Pharmacy

READ_ACTIONS = {"choose"}


def collection_owners(collection: Collection):
    """The pharmacies whose collection is this one or one of its ancestors."""
    steplen = Collection.steplen
    prefixes = [collection.path[:end] for end in range(steplen, len(collection.path) + 1, steplen)]
    return Pharmacy.objects.filter(collection__path__in=prefixes)


class PharmacyCollectionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's collection permissions, never across pharmacies; the agency's files readable by all.

    Every permission question of Wagtail's image and document views goes through the two methods
    overridden here: which collections the user may act in, and whether they may act in one.
    """

    def _collections_with_perm(self, user, actions):
        collections = admin_scoping.listable(user, super()._collections_with_perm(user, actions))
        if set(actions) & READ_ACTIONS and super()._collections_with_perm(user, READ_ACTIONS):
            collections |= admin_scoping.listable(user, Collection.objects.all())
        return collections

    def _check_perm(self, user, actions, collection=None):
        if collection is None or not user.is_active or user.is_superuser:
            return super()._check_perm(user, actions, collection)
        if admin_scoping.is_foreign(user, collection):
            return False
        if set(actions) & READ_ACTIONS and not collection_owners(collection).exists():
            return super()._check_perm(user, READ_ACTIONS)
        return super()._check_perm(user, actions, collection)


def image_policy() -> PharmacyCollectionPolicy:
    return PharmacyCollectionPolicy(
        get_image_model(), auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
    )


def document_policy() -> PharmacyCollectionPolicy:
    return PharmacyCollectionPolicy(
        get_document_model(), auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
    )


class ChoosableOnlyMixin:
    """An admin API endpoint listing (and finding) only the files the user may choose."""

    def get_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        choosable = policy.instances_user_has_any_permission_for(
            self.request.user, ["choose", "change"]
        )
        return super().get_queryset().filter(pk__in=choosable.values("pk"))


class ScopedImagesAdminAPIViewSet(ChoosableOnlyMixin, ImagesAdminAPIViewSet):
    pass


class ScopedDocumentsAdminAPIViewSet(ChoosableOnlyMixin, DocumentsAdminAPIViewSet):
    pass


def _used_on_live_page_of(document, site: Site) -> bool:
    references = ReferenceIndex.get_references_to(document).filter(
        base_content_type__app_label=Page._meta.app_label,
        base_content_type__model=Page._meta.model_name,
    )
    page_ids = references.values_list("object_id", flat=True)
    return (
        Page.objects.live()
        .descendant_of(site.root_page, inclusive=True)
        .filter(pk__in=[int(pk) for pk in page_ids if str(pk).isdigit()])
        .exists()
    )


def may_download(request, document) -> bool:
    """Whether this request may receive this document (view restrictions are checked after)."""
    user = request.user
    if user.is_active and user.is_superuser:
        return True
    owners = collection_owners(document.collection)
    if not owners.exists():
        return True
    if user.is_authenticated and owners.filter(pk__in=tenancy.pharmacy_ids_for_user(user)).exists():
        return True
    if document.collection.get_view_restrictions().exists():
        return False
    site = Site.find_for_request(request)
    if site is None:
        return False
    if owners.filter(site=site).exists():
        return True
    return _used_on_live_page_of(document, site)
