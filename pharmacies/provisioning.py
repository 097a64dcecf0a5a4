"""Creating a pharmacy: its Site, page tree, collections, staff group and permissions, in one place.

Used by the `create_pharmacy` command, the superuser admin form and the demo seed. Running it again
for the same pharmacy changes nothing but re-synchronises the group's permissions and creates what
a pharmacy provisioned by an older version lacks (its internal collection).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    Site,
)

from .extensions import declared_lists, declared_objects, single_callable
from .models import OpeningHours, Pharmacy, TitularPharmacist

logger = logging.getLogger("officine.provisioning")

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtaildocs", "delete_document"),
]
BASE_STAFF_PERMISSIONS = ["wagtailadmin.access_admin", "pharmacies.change_pharmacy"]


class ProvisioningError(Exception):
    """Bad input or a conflict (hostname taken); the message is meant for the person provisioning."""


@dataclass
class PharmacySpec:
    name: str
    hostname: str
    street: str
    postal_code: str
    city: str
    phone: str
    email: str
    licence_number: str
    ars: str
    health_data_host: str
    pharmacists: list[tuple[str, str]] = field(default_factory=list)  # (full name, RPPS)
    port: int = 80
    slug: str = ""
    sms_sender: str = ""
    notification_email: str = ""
    hours: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def staff_permission_names() -> list[str]:
    """Permissions every pharmacy staff group gets; apps add theirs (`staff_permissions`)."""
    return [*BASE_STAFF_PERMISSIONS, *declared_lists("staff_permissions")]


def _permissions(names):
    perms = []
    for name in names:
        app_label, codename = name.split(".", 1)
        try:
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        except Permission.DoesNotExist as exc:
            raise ProvisioningError(
                f"Permission {name} does not exist (migrations not run?)"
            ) from exc
    return perms


def validate_spec(spec: PharmacySpec) -> None:
    errors = []
    if not spec.name.strip():
        errors.append("name is required")
    host = spec.hostname.strip().lower()
    if not host or " " in host or "/" in host or ":" in host:
        errors.append(f"invalid hostname {spec.hostname!r} (no scheme, port or path)")
    try:
        validate_email(spec.email)
    except ValidationError:
        errors.append(f"invalid email {spec.email!r}")
    if errors:
        raise ProvisioningError("; ".join(errors))


def internal_collection_name(pharmacy: Pharmacy) -> str:
    return f"{pharmacy.name} — interne"


def sync_collections(pharmacy: Pharmacy) -> None:
    """The pharmacy's two collections, created if missing (pharmacies provisioned before them).

    `collection` holds the files shown on the pharmacy's pages: anyone may download them from its
    site. Its child `internal_collection` holds the staff's own documents: a view restriction to
    the staff group keeps them from every visitor and every other pharmacy.
    """
    if pharmacy.collection is None:
        pharmacy.collection = Collection.get_first_root_node().add_child(name=pharmacy.name)
        pharmacy.save(update_fields=["collection"])
    internal = pharmacy.internal_collection
    if internal is None:
        internal = pharmacy.collection.add_child(name=internal_collection_name(pharmacy))
        pharmacy.internal_collection = internal
        pharmacy.save(update_fields=["internal_collection"])
    restriction = CollectionViewRestriction.objects.filter(
        collection=internal, restriction_type=BaseViewRestriction.GROUPS
    ).first() or CollectionViewRestriction.objects.create(
        collection=internal, restriction_type=BaseViewRestriction.GROUPS
    )
    restriction.groups.add(pharmacy.staff_group)


def sync_group_permissions(pharmacy: Pharmacy) -> None:
    """Give the staff group exactly what it needs on its own tree and collections."""
    sync_collections(pharmacy)
    group = pharmacy.staff_group
    group.permissions.add(*_permissions(staff_permission_names()))
    root = pharmacy.site.root_page
    for perm in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=perm)
    # Granted on the public collection, they reach the internal one below it too.
    for app_label, codename in COLLECTION_PERMISSIONS:
        perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=pharmacy.collection, permission=perm
        )


def default_pages(home):
    """The pages a new pharmacy starts with: each app adds its own (`default_pages`)."""
    return [page for build in declared_objects("default_pages") for page in build(home)]


@transaction.atomic
def provision_pharmacy(spec: PharmacySpec) -> tuple[Pharmacy, bool]:
    """Create (or find again) the pharmacy described by `spec`; returns (pharmacy, created)."""
    validate_spec(spec)
    hostname = spec.hostname.strip().lower()
    slug = spec.slug or slugify(spec.name)[:60]
    site = Site.objects.filter(hostname=hostname, port=spec.port).first()
    if site is not None:
        existing = Pharmacy.objects.filter(site=site).first()
        if existing is None or existing.slug != slug:
            raise ProvisioningError(
                f"Hostname {hostname}:{spec.port} is already used by "
                f"{existing.name if existing else 'site ' + site.site_name!r}."
            )
        sync_group_permissions(existing)
        return existing, False
    if Pharmacy.objects.filter(slug=slug).exists():
        raise ProvisioningError(f"A pharmacy with the identifier {slug!r} already exists.")

    home = single_callable("home_page")(spec.name, slug)
    site = Site.objects.create(
        hostname=hostname,
        port=spec.port,
        site_name=spec.name,
        root_page=home,
        is_default_site=False,
    )
    collection = Collection.get_first_root_node().add_child(name=spec.name)
    group = Group.objects.create(name=f"{spec.name} — équipe")
    pharmacy = Pharmacy.objects.create(
        site=site,
        name=spec.name,
        slug=slug,
        street=spec.street,
        postal_code=spec.postal_code,
        city=spec.city,
        phone=spec.phone,
        email=spec.email,
        licence_number=spec.licence_number,
        ars=spec.ars,
        health_data_host=spec.health_data_host,
        notification_email=spec.notification_email or spec.email,
        sms_sender=spec.sms_sender or "".join(c for c in slugify(spec.name) if c.isalnum())[:11],
        staff_group=group,
        collection=collection,
    )
    pharmacy.pharmacists = [
        TitularPharmacist(full_name=full_name, rpps=rpps, sort_order=index)
        for index, (full_name, rpps) in enumerate(spec.pharmacists)
    ]
    pharmacy.opening_hours = [
        OpeningHours(weekday=weekday, opens=opens, closes=closes)
        for weekday, ranges in sorted(spec.hours.items())
        for opens, closes in ranges
    ]
    pharmacy.save()
    sync_group_permissions(pharmacy)
    default_pages(home)
    for finish in declared_objects("pharmacy_provisioned"):
        finish(pharmacy, home)
    logger.info("Provisioned pharmacy %s on %s", pharmacy.slug, hostname)
    return pharmacy, True


TITULAR_PERMISSIONS = ["pharmacies.view_auditevent", "pharmacies.manage_patient_data"]


def ensure_staff_user(
    pharmacy: Pharmacy,
    username: str,
    email: str,
    password: str | None,
    *,
    titular: bool = False,
    **names,
):
    """A pharmacist account in the pharmacy's staff group; an existing account is only added to it.

    `titular` also grants what only the titular pharmacist may do: read the audit trail and answer
    patients' GDPR requests (scoped to their own pharmacies like everything else).
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, **names}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    user.groups.add(pharmacy.staff_group)
    if titular:
        user.user_permissions.add(*_permissions(TITULAR_PERMISSIONS))
    return user, created
