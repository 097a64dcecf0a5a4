"""Creating a pharmacy: its Site, page tree, collections, staff group and permissions, in one place.

Used by the `create_pharmacy` command, the superuser admin form and the demo seed. Running it again
for the same pharmacy changes nothing but re-synchronises the group's permissions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

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
    """Permissions every pharmacy staff group gets; feature apps add theirs on their AppConfig."""
    names = list(BASE_STAFF_PERMISSIONS)
    for config in apps.get_app_configs():
        names.extend(getattr(config, "pharmacy_staff_permissions", []))
    return names


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


def sync_group_permissions(pharmacy: Pharmacy) -> None:
    """Give the staff group exactly what it needs on its own tree and collection."""
    group = pharmacy.staff_group
    group.permissions.add(*_permissions(staff_permission_names()))
    root = pharmacy.site.root_page
    for perm in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=perm)
    for app_label, codename in COLLECTION_PERMISSIONS:
        perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=pharmacy.collection, permission=perm
        )


def default_pages(home):
    """The pages a new pharmacy starts with; each app may add its own via `pharmacy_default_pages`."""
    from cms.models import LegalNoticePage

    created = []
    for config in apps.get_app_configs():
        builder = getattr(config, "pharmacy_default_pages", None)
        if builder:
            created.extend(builder(home))
    if not LegalNoticePage.objects.child_of(home).exists():
        legal = LegalNoticePage(
            title="Mentions légales", slug="mentions-legales", show_in_menus=False
        )
        home.add_child(instance=legal)
        legal.save_revision().publish()
        created.append(legal)
    return created


def _fill_home(home):
    """A new home page that already says what a patient comes for: send, book, hours, address."""
    from cms.models import BasePage

    if len(home.body):
        return
    blocks = []
    for child in home.get_children().live().specific():
        if isinstance(child, BasePage) and child.has_form_blocks:
            blocks.append(
                (
                    "call_to_action",
                    {
                        "title": child.title,
                        "text": "",
                        "page": child,
                        "url": "",
                        "button_label": child.title,
                    },
                )
            )
    blocks += [
        ("opening_hours", {"title": "Horaires d'ouverture"}),
        ("contact", {"title": "Nous trouver", "show_map_link": True}),
        ("latest_news", {"title": "Actualités", "count": 3}),
    ]
    home.body = blocks
    home.save_revision().publish()


@transaction.atomic
def provision_pharmacy(spec: PharmacySpec) -> tuple[Pharmacy, bool]:
    """Create (or find again) the pharmacy described by `spec`; returns (pharmacy, created)."""
    from cms.models import HomePage

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

    root = Page.get_first_root_node()
    home = HomePage(title=spec.name, slug=slug, intro=f"<p>Bienvenue à la {spec.name}.</p>")
    root.add_child(instance=home)
    home.save_revision().publish()
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
    _fill_home(home)
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
