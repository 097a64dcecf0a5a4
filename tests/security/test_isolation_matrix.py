"""The isolation matrix: staff of pharmacy A against everything of pharmacy B.

Every admin and public URL of ours that touches pharmacy data is listed here. For B's objects the
answer to A's staff is 404 (never a permission redirect, which would confirm the object exists);
no listing, count, search, export, chooser, report or dashboard panel shown to A contains any of
B's marker strings. `test_every_url_of_ours_is_in_the_matrix` walks the URL resolver and fails
when a URL pattern of our apps is neither here nor in the justified allow-list, so a new view
cannot be added without being checked.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    ModelLogEntry,
    Page,
    PageLogEntry,
    PageViewRestriction,
    Revision,
    Site,
    TaskState,
    UploadedFile,
    WorkflowState,
)

from cms.models import ContentPage
from cms.public_forms import feature_url
from collect import page_urls as collect_page_urls
from collect import services as collect_services
from collect.models import PharmacyProduct, Reservation
from contact import page_urls as contact_page_urls
from notifications.models import OutboxMessage
from ordonnances import page_urls as prescription_page_urls
from ordonnances import renewals
from ordonnances import services as prescription_services
from ordonnances.models import (
    Dispensing,
    Prescription,
    RenewalSchedule,
    RenewalSettings,
    Status,
)
from pharmacies.models import AuditEvent
from rdv import links, waitlist
from rdv import page_urls as booking_page_urls
from rdv.models import AgendaFeed, Booking, BookingStatus, Resource

from .conftest import ADMIN_MARKER_B, EMAIL_B, MARKER_B, PHONE_B_E164, SERVICE_B, b_markers

# --- What A's staff ask about B's objects: each must be a 404 ------------------------------

# (url name, which of B's objects, method)
OBJECT_CASES = [
    *[
        (f"prescriptions:{view}", "prescription", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("prescriptions:status", "prescription", "post"),
    ("prescriptions:renewal", "prescription", "post"),
    ("prescriptions:renewal", "prescription/stop", "post"),
    ("prescriptions:dispensing_status", "dispensing", "post"),
    ("prescriptions:dispensing_request", "dispensing", "post"),
    ("prescriptions:lead_days", "pharmacy", "post"),
    ("prescriptions:file", "file", "get"),
    ("prescriptions:file", "file?thumb=1", "get"),
    ("prescriptions:file", "file?download=1", "get"),
    *[
        (f"rdv_bookings:{view}", "booking", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    *[
        (f"rdv_services:{view}", "service", method)
        for view in ("edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    *[
        (f"rdv_resources:{view}", "resource", method)
        for view in ("edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("rdv_agenda:feed", "pharmacy/creer", "post"),
    ("rdv_agenda:feed", "pharmacy/revoquer", "post"),
    ("rdv_agenda:feed", "pharmacy/noms", "post"),
    *[
        (f"rdv_waitlist:{view}", "waitlist_entry", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("rdv_agenda:action", "booking/annuler", "post"),
    ("rdv_agenda:action", "booking/honore", "post"),
    ("rdv_agenda:action", "booking/absent", "post"),
    ("rdv_agenda:agenda", "?service", "get"),
    *[
        (f"outbox:{view}", "message", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage", "resend")
        for method in ("get", "post")
    ],
    *[
        (f"pharmacies:{view}", "pharmacy", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("audit:inspect", "event", "get"),
    *[
        (f"reservations:{view}", "reservation", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("reservations:status", "reservation", "post"),
    ("reservations:slip", "reservation", "get"),
    ("reservations:line", "line", "post"),
    *[
        (f"{namespace}:{view}", target, method)
        for namespace, target in (
            ("collect_offers", "offer"),
            ("collect_settings", "settings"),
            ("collect_own_products", "own_product"),
        )
        for view in ("edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
    ("collect_product_chooser:chosen", "own_product", "get"),
    *[
        (f"contact_messages:{view}", "contact_message", method)
        for view in ("inspect", "edit", "delete", "history", "history_results", "usage")
        for method in ("get", "post")
    ],
]


def dispensing_of(world) -> Dispensing:
    """A renewal preparation of the world's prescription, made on first use (with a pending
    patient request, so that the request's answer has something to act on)."""
    schedule = RenewalSchedule.objects.filter(prescription=world.prescription).first()
    if schedule is None:
        schedule = renewals.set_schedule(
            world.prescription,
            dispensings_total=3,
            interval_days=28,
            first_date=timezone.localdate(),
        )
    dispensing = renewals.ensure_dispensing(schedule, 2)[0]
    if not dispensing.patient_request:
        renewals.ask(world.prescription, "delay")
        dispensing.refresh_from_db()
    return dispensing


def _object_request(name, target, world):
    """URL of B's object for this case."""
    target, _, query = target.partition("?")
    target, _, action = target.partition("/")
    if target == "dispensing":
        return reverse(name, args=[dispensing_of(world).pk])
    if name == "prescriptions:renewal":
        dispensing_of(world)  # a schedule to change or stop
        return reverse(name, args=[world.prescription.pk])
    objects = {
        "prescription": world.prescription,
        "file": world.file,
        "booking": world.booking,
        "service": world.service,
        "resource": world.resource,
        "message": OutboxMessage.objects.filter(pharmacy=world.pharmacy).first(),
        "pharmacy": world.pharmacy,
        "event": AuditEvent.objects.filter(pharmacy=world.pharmacy).first(),
        "reservation": world.reservation,
        "line": world.line,
        "offer": world.offer,
        "settings": world.collect_settings,
        "own_product": world.own_product,
        "contact_message": world.contact_message,
        "waitlist_entry": world.waitlist_entry,
    }
    if name == "rdv_agenda:agenda":
        return reverse(name) + f"?jour=2026-03-10&service={world.service.pk}"
    if name == "rdv_agenda:feed":
        # The pharmacy whose private address A's staff would create, replace or revoke.
        return reverse(name) + f"?pharmacie={world.pharmacy.pk}"
    obj = objects[target]
    assert obj is not None, f"no {target} of B to test {name} with"
    args = [obj.pk, action] if action else [obj.pk]
    return reverse(name, args=args) + (f"?{query}" if query else "")


def body_text(response) -> str:
    """The whole answer as text, streamed CSV and zipped XLSX/ZIP included."""
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if raw[:2] == b"PK":
        archive = zipfile.ZipFile(io.BytesIO(raw))
        raw = b"".join(archive.read(name) for name in archive.namelist())
    return raw.decode("utf-8", errors="replace") + "".join(f"{k}: {v}" for k, v in response.items())


def assert_no_data_of(world, response, typed=()):
    """None of B's markers, except where A's user typed it themselves (a search box echoes it)."""
    text = body_text(response)
    for value in typed:
        text = text.replace(value, "")
    leaked = [m for m in b_markers(world) if m in text]
    assert not leaked, f"{response.request['PATH_INFO']} shows B's {leaked}"


def snapshot(world):
    world.prescription.refresh_from_db()
    world.booking.refresh_from_db()
    world.service.refresh_from_db()
    world.pharmacy.refresh_from_db()
    world.reservation.refresh_from_db()
    world.offer.refresh_from_db()
    world.line.refresh_from_db()
    world.collect_settings.refresh_from_db()
    return (
        list(
            RenewalSchedule.objects.filter(prescription__pharmacy=world.pharmacy).values_list(
                "status", "dispensings_total", "interval_days", "first_date", "shift_days"
            )
        ),
        list(
            Dispensing.objects.filter(prescription__pharmacy=world.pharmacy).values_list(
                "status", "patient_request", "due_date"
            )
        ),
        list(RenewalSettings.objects.filter(pharmacy=world.pharmacy).values_list("lead_days")),
        world.reservation.status,
        world.line.status,
        (world.offer.price, world.offer.active),
        world.collect_settings.hold_days,
        world.prescription.status,
        world.prescription.files.count(),
        world.booking.status,
        world.service.name,
        list(Resource.objects.filter(pharmacy=world.pharmacy).values_list("name", "active")),
        list(AgendaFeed.objects.filter(pharmacy=world.pharmacy).values_list("token", "full_names")),
        world.pharmacy.name,
        OutboxMessage.objects.filter(pharmacy=world.pharmacy).count(),
    )


def action_of(target: str) -> str:
    return target.partition("?")[0].partition("/")[2]


@pytest.mark.parametrize(("name", "target", "method"), OBJECT_CASES)
def test_b_objects_are_404_for_a_staff(
    name, target, method, admin_client_a, titular_client_a, world_a, world_b
):
    client = titular_client_a if name.startswith("audit:") else admin_client_a
    url = _object_request(name, target, world_b)
    before = snapshot(world_b)
    data = {
        "status": Status.READY,
        "name": "hacked",
        "first_name": "hacked",
        "note": "x",
        "action": action_of(target),
        "answer": "accept",
        "dispensings_total": "5",
        "interval": "30",
        "first_date": "2026-03-10",
        "lead_days": "9",
    }
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
    assert_no_data_of(world_b, response)
    assert snapshot(world_b) == before


# --- Wagtail's page views on B's pages (its tree, its news, a draft with a marker title) ----

# (url name, kwargs: "page" is B's page, "home" B's root, "own" a page of A's)
PAGE_CASES = [
    *[
        (f"wagtailadmin_pages:{view}", {"page_id": "page"}, method)
        for view in (
            "edit",
            "view_draft",
            "delete",
            "unpublish",
            "copy",
            "set_privacy",
            "revisions_index",
            "history",
            "history_results",
            "usage",
            "workflow_history",
            "convert_alias",
        )
        for method in ("get", "post")
    ],
    ("wagtailadmin_pages:preview_on_edit", {"page_id": "page"}, "get"),
    ("wagtailadmin_pages:lock", {"page_id": "page"}, "post"),
    ("wagtailadmin_pages:unlock", {"page_id": "page"}, "post"),
    ("wagtailadmin_pages:revisions_view", {"page_id": "page", "revision_id": "revision"}, "get"),
    ("wagtailadmin_pages:add_subpage", {"parent_page_id": "home"}, "get"),
    (
        "wagtailadmin_pages:add",
        {
            "content_type_app_name": "cms",
            "content_type_model_name": "contentpage",
            "parent_page_id": "home",
        },
        "get",
    ),
    ("wagtailadmin_pages:move", {"page_to_move_id": "page"}, "get"),
    (
        "wagtailadmin_pages:move_confirm",
        {"page_to_move_id": "own", "destination_id": "home"},
        "get",
    ),
    ("wagtailadmin_pages:set_page_position", {"page_to_move_id": "page"}, "post"),
    ("wagtailadmin_explore", {"parent_page_id": "home"}, "get"),
    ("wagtailadmin_explore_results", {"parent_page_id": "home"}, "get"),
    ("wagtailadmin_choose_page_child", {"parent_page_id": "home"}, "get"),
]


@pytest.fixture
def b_draft(world_b):
    """B's upload page with an unpublished revision titled with B's marker."""
    page = _upload_page(world_b.pharmacy)
    page.title = f"Brouillon {MARKER_B}"
    revision = page.save_revision()
    return page, revision


@pytest.mark.parametrize(("name", "kwargs", "method"), PAGE_CASES)
def test_b_pages_are_404_for_a_staff(name, kwargs, method, admin_client_a, world_a, b_draft):
    page, revision = b_draft
    values = {
        "page": page.pk,
        "home": page.get_parent().pk,
        "own": _upload_page(world_a.pharmacy).pk,
        "revision": revision.pk,
    }
    url = reverse(name, kwargs={k: values.get(v, v) for k, v in kwargs.items()})
    response = admin_client_a.get(url) if method == "get" else admin_client_a.post(url, {})
    assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
    assert MARKER_B not in body_text(response)
    page.refresh_from_db()
    assert page.live and not page.locked and page.get_parent().pk == values["home"]


def test_a_staff_still_edit_their_own_pages(admin_client_a, world_a):
    page = _upload_page(world_a.pharmacy)
    assert admin_client_a.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).status_code == 200
    explore = admin_client_a.get(reverse("wagtailadmin_explore", args=[page.get_parent().pk]))
    assert explore.status_code == 200 and page.title in explore.content.decode()


# --- Lists, counts, searches, exports, choosers, reports, dashboard ------------------------

# (url name, query string, method, post data key, whose client)
LIST_CASES = [
    ("prescriptions:index", "", "get"),
    ("prescriptions:index", f"?q={MARKER_B}", "get"),
    ("prescriptions:index", f"?q={PHONE_B_E164}", "get"),
    ("prescriptions:index", "?status=preparing&status=received", "get"),
    ("prescriptions:index_results", "", "get"),
    ("prescriptions:index_results", f"?q={EMAIL_B}", "get"),
    ("prescriptions:index", "?export=csv", "get"),
    ("prescriptions:index", "?export=xlsx", "get"),
    ("prescriptions:add", "", "get"),
    ("rdv_bookings:index", "", "get"),
    ("rdv_bookings:index", f"?q={MARKER_B}", "get"),
    ("rdv_bookings:index", "?service={service_b}", "get"),
    ("rdv_bookings:index", "?export=csv", "get"),
    ("rdv_bookings:index_results", "", "get"),
    ("rdv_bookings:add", "", "get"),
    ("contact_messages:index", "", "get"),
    ("contact_messages:add", "", "get"),
    ("contact_messages:index_results", f"?q={MARKER_B}", "get"),
    ("rdv_services:index", "", "get"),
    ("rdv_services:index_results", f"?q={SERVICE_B}", "get"),
    ("rdv_services:add", "", "get"),
    ("rdv_waitlist:index", "", "get"),
    ("rdv_waitlist:index_results", f"?q={MARKER_B}", "get"),
    ("rdv_waitlist:add", "", "get"),
    ("rdv_agenda:agenda", "?jour=2026-03-10", "get"),
    ("rdv_agenda:agenda", "?jour=2026-03-10&vue=semaine", "get"),
    ("rdv_agenda:agenda", "?jour=2026-03-10&pharmacie={pharmacy_b}&annules=1", "get"),
    ("rdv_agenda:feed", "", "get"),
    ("rdv_agenda:feed", "?pharmacie={pharmacy_b}", "get"),
    ("rdv_resources:index", "", "get"),
    ("rdv_resources:index_results", f"?q={SERVICE_B}", "get"),
    ("rdv_resources:add", "", "get"),
    ("rdv_agenda:phone_booking", "", "get"),
    ("rdv_agenda:phone_booking", "?service={service_b}", "post"),
    ("outbox:index", "", "get"),
    ("outbox:index", f"?q={EMAIL_B}", "get"),
    ("outbox:index_results", "?status=sent", "get"),
    ("outbox:add", "", "get"),
    ("pharmacies:index", "", "get"),
    ("pharmacies:index_results", "?q=Pharmacie", "get"),
    ("pharmacies:add", "", "get"),
    ("pharmacies_create", "", "get"),
    ("audit:index", "", "get"),
    ("audit:index_results", "", "get"),
    ("pharmacies_patient_data", "?pharmacy={pharmacy_b}", "post"),
    ("pharmacies_hours", "", "get"),
    ("pharmacies_hours", "", "post"),
    ("reservations:index", "", "get"),
    ("reservations:index", f"?q={MARKER_B}", "get"),
    ("reservations:index", "?export=csv", "get"),
    ("reservations:index_results", f"?q={EMAIL_B}", "get"),
    ("reservations:add", "", "get"),
    ("collect_offers:index", "", "get"),
    ("collect_offers:index_results", "?q=Tisane", "get"),
    ("collect_offers:add", "", "get"),
    ("collect_offers:bulk", "", "get"),
    ("collect_offers:bulk", "?q=Tisane", "get"),
    ("collect_own_products:index", "", "get"),
    ("collect_own_products:index_results", "?q=Tisane", "get"),
    ("collect_own_products:add", "", "get"),
    ("collect_settings:index", "", "get"),
    ("collect_settings:index_results", "", "get"),
    ("collect_settings:add", "", "get"),
    ("collect_product_chooser:choose", "?q=Tisane", "get"),
    ("collect_product_chooser:choose_results", "?q=Tisane", "get"),
    ("wagtailadmin_home", "", "get"),
    ("officine_dashboard_counts", "", "get"),
    ("wagtailadmin_pages:search", f"?q={MARKER_B}", "get"),
    ("wagtailadmin_choose_page", "", "get"),
    ("wagtailadmin_choose_page_search", "?q=Pharmacie", "get"),
    ("wagtailadmin_reports:site_history", "", "get"),
    ("wagtailadmin_reports:site_history_results", "", "get"),
]


def _list_request(name, query, world):
    query = query.format(
        service_b=world.service.pk, pharmacy_b=world.pharmacy.pk, booking_b=world.booking.pk
    )
    return reverse(name), query


@pytest.mark.parametrize(("name", "query", "method"), LIST_CASES)
def test_no_list_of_a_shows_b_data(
    name, query, method, admin_client_a, titular_client_a, admin_client_b, world_a, world_b
):
    # B's staff have touched B's objects in the admin, so logs and history hold B's labels too.
    admin_client_b.post(
        reverse("prescriptions:status", args=[world_b.prescription.pk]), {"status": "ready"}
    )
    admin_client_b.post(
        reverse("rdv_bookings:edit", args=[world_b.booking.pk]),
        {
            "first_name": MARKER_B,
            "last_name": MARKER_B,
            "phone": "06 98 76 54 32",
            "email": EMAIL_B,
            "notify_by": "email",
            "comment": MARKER_B,
        },
    )
    client = (
        titular_client_a if name.startswith(("audit:", "pharmacies_patient")) else admin_client_a
    )
    path, query = _list_request(name, query, world_b)
    if method == "get":
        response = client.get(path + query)
    else:
        data = dict(pair.split("=", 1) for pair in query.lstrip("?").split("&") if pair)
        data.update({"email": EMAIL_B, "start": "2026-03-10T09:30", "first_name": "x"})
        response = client.post(path, data)
    assert response.status_code in (200, 302), f"{path}{query} → {response.status_code}"
    typed = [v for pair in query.lstrip("?").split("&") for v in pair.split("=")[1:]]
    assert_no_data_of(world_b, response, typed=[*typed, EMAIL_B] if method == "post" else typed)


def test_hours_page_of_b_is_not_found_and_left_alone(admin_client_a, world_a, world_b):
    """The page edits the user's pharmacy; naming another one in the URL finds nothing."""

    def hours_of_b():
        return sorted(world_b.pharmacy.opening_hours.values_list("weekday", "opens", "closes"))

    before = (snapshot(world_b), hours_of_b())
    url = reverse("pharmacies_hours") + f"?pharmacie={world_b.pharmacy.pk}"
    assert admin_client_a.get(url).status_code == 404
    assert (
        admin_client_a.post(url, {"d0_0_opens": "07:00", "d0_0_closes": "08:00"}).status_code == 404
    )
    assert (snapshot(world_b), hours_of_b()) == before and before[1]
    assert world_a.pharmacy.name in body_text(admin_client_a.get(reverse("pharmacies_hours")))


def test_lists_do_show_a_own_data(admin_client_a, world_a, world_b):
    """The listings above are not empty by accident: A's own records are there."""
    checks = {
        reverse("prescriptions:index"): world_a.prescription.reference,
        reverse("rdv_bookings:index"): world_a.booking.reference,
        reverse("rdv_services:index"): "Vaccination A",
        reverse("rdv_waitlist:index"): "Alphonse-A",
        reverse("rdv_agenda:agenda") + "?jour=2026-03-10": world_a.booking.reference,
        reverse("outbox:index"): "alphonse.a@example.fr",
        reverse("pharmacies:index"): world_a.pharmacy.name,
    }
    for url, expected in checks.items():
        assert expected in body_text(admin_client_a.get(url)), url
    csv = body_text(admin_client_a.get(reverse("prescriptions:index") + "?export=csv"))
    assert world_a.prescription.reference in csv


# --- Public links and page routes, on A's site with B's secrets ----------------------------


def _upload_page(pharmacy):
    return ContentPage.objects.child_of(pharmacy.site.root_page).get(slug="ordonnance")


def _booking_page(pharmacy):
    return ContentPage.objects.child_of(pharmacy.site.root_page).get(slug="rendez-vous")


def _block_id(page, block_type):
    return next(b.id for b in page.body if b.block_type == block_type)


def public_cases(world_a, world_b):
    tracking = prescription_services.tracking_token(world_b.prescription)
    manage = links.manage_token(world_b.booking)
    waiting = waitlist.token(world_b.waitlist_entry)
    upload = _upload_page(world_a.pharmacy)
    booking_page = _booking_page(world_a.pharmacy)
    block = _block_id(upload, "prescription_upload")
    reservation = collect_services.tracking_token(world_b.reservation)
    shop = ContentPage.objects.child_of(world_a.pharmacy.site.root_page).get(
        slug="click-and-collect"
    )
    shop_block = _block_id(shop, "collect_catalogue")
    return [
        ("collect:track", "get", reverse("collect:track", args=[reservation])),
        ("collect:cancel", "post", reverse("collect:cancel", args=[reservation])),
        (
            "page:boutique:confirmation",
            "get",
            feature_url(shop, "boutique", "confirmation", shop_block) + f"?t={reservation}",
        ),
        (
            "page:boutique:product",
            "get",
            feature_url(shop, "boutique", "product", shop_block, world_b.offer.pk),
        ),
        ("ordonnances:track", "get", reverse("ordonnances:track", args=[tracking])),
        ("ordonnances:cancel", "post", reverse("ordonnances:cancel", args=[tracking])),
        *[
            (
                "ordonnances:renewal_request",
                method,
                reverse("ordonnances:renewal_request", args=[tracking, action]),
            )
            for action in ("sauter", "decaler", "arreter")
            for method in ("get", "post")
        ],
        ("rdv:manage", "get", reverse("rdv:manage", args=[manage])),
        ("rdv:manage", "post", reverse("rdv:manage", args=[manage])),
        ("rdv:ics", "get", reverse("rdv:ics", args=[manage])),
        ("rdv:agenda_feed", "get", reverse("rdv:agenda_feed", args=[world_b.feed.token])),
        ("rdv:waitlist_take", "get", reverse("rdv:waitlist_take", args=[waiting])),
        ("rdv:waitlist_take", "post", reverse("rdv:waitlist_take", args=[waiting])),
        (
            "page:rdv:waitlist_joined",
            "get",
            feature_url(booking_page, "rdv", "waitlist_joined", waiting),
        ),
        (
            "page:ordonnance:confirmation",
            "get",
            feature_url(upload, "ordonnance", "confirmation", block) + f"?t={tracking}",
        ),
        (
            "page:rdv:confirmation",
            "get",
            feature_url(booking_page, "rdv", "confirmation", manage),
        ),
        (
            "page:rdv:slots",
            "get",
            feature_url(booking_page, "rdv", "slots")
            + f"?service={world_b.service.pk}&from=2026-03-10&to=2026-03-11",
        ),
    ]


PUBLIC_NAMES = [
    "ordonnances:track",
    "ordonnances:cancel",
    "ordonnances:renewal_request",
    "rdv:manage",
    "rdv:ics",
    "rdv:agenda_feed",
    "rdv:waitlist_take",
    "page:rdv:waitlist_joined",
    "page:ordonnance:confirmation",
    "page:rdv:confirmation",
    "page:rdv:slots",
    "collect:track",
    "collect:cancel",
    "page:boutique:confirmation",
    "page:boutique:product",
]


def test_b_links_are_404_on_a_site(client_a, world_a, world_b):
    dispensing_of(world_b)  # B's renewal, which A's site must not let anybody change
    before = snapshot(world_b)
    for name, method, url in public_cases(world_a, world_b):
        response = (
            client_a.get(url)
            if method == "get"
            else client_a.post(url, {"action": "cancel"}, HTTP_ORIGIN="http://pharmacie-a.test")
        )
        assert response.status_code == 404, (
            f"{name} {method.upper()} {url} → {response.status_code}"
        )
        assert_no_data_of(world_b, response)
    assert snapshot(world_b) == before
    assert Prescription.objects.get(pk=world_b.prescription.pk).status == Status.PREPARING
    assert Booking.objects.get(pk=world_b.booking.pk).status == BookingStatus.BOOKED


def test_public_forms_of_a_cannot_book_b_service(client_a, world_a, world_b):
    """Page routes that take posted data: B's service id on A's page is refused, nothing saved."""
    page = _booking_page(world_a.pharmacy)
    response = client_a.post(
        feature_url(page, "rdv", "book"),
        {
            "block": _block_id(page, "appointment_booking"),
            "service": str(world_b.service.pk),
            "start": "2026-03-10T09:30:00+01:00",
            "first_name": "Intrus",
            "last_name": "Intrus",
            "phone": "06 12 34 56 78",
            "email": "intrus@example.fr",
            "notify_by": "email",
            "consent": "on",
        },
    )
    assert response.status_code in (200, 400, 404, 429)
    assert not Booking.objects.filter(last_name="Intrus").exists()
    assert SERVICE_B not in response.content.decode()


# --- Coverage: every URL pattern of ours is in the matrix or justified ---------------------

OUR_NAMESPACES = {
    "prescriptions",
    "rdv_agenda",
    "rdv_bookings",
    "rdv_services",
    "rdv_resources",
    "rdv_waitlist",
    "outbox",
    "pharmacies",
    "audit",
    "ordonnances",
    "rdv",
    "notifications",
    "reservations",
    "collect_offers",
    "collect_settings",
    "collect",
    "contact_messages",
}
OUR_MODULES = ("ordonnances", "rdv", "collect", "pharmacies", "cms", "contact")

ALLOW_LIST = {
    "officine_2fa_verify": "the signed-in user's own 2FA device; no pharmacy data",
    "officine_2fa_setup": "the signed-in user's own 2FA device; no pharmacy data",
    "robots_txt": "static text",
    "theme_css": "the requested site's own colours and fonts (no pharmacy chosen by the URL)",
    "site_icon": "the requested site's own icon (no pharmacy chosen by the URL)",
    "page:message:submit": (
        "public POST: the pharmacy comes from the page's site, never from posted data; "
        "nothing to read (tests/site/test_site_branding.py)"
    ),
    "page:message:sent": "static thank-you text, no object",
    "notifications:sms_status": (
        "SMS provider webhook, authenticated by a shared secret; updates a delivery status by the "
        "provider's message id and answers no data (tests/notifications/test_webhooks.py)"
    ),
    "notifications:anymail:*": (
        "email provider webhooks (anymail), authenticated; answer no data "
        "(tests/notifications/test_webhooks.py)"
    ),
    "page:ordonnance:submit": (
        "public POST: the pharmacy comes from the page's site, never from posted data; "
        "nothing to read (tests/ordonnances/test_flow.py)"
    ),
    "page:rdv:steps": "the page's own services only (steps.services_for_block(page.pharmacy))",
    "page:rdv:book": "covered by test_public_forms_of_a_cannot_book_b_service",
    "page:rdv:thanks": "static thank-you text, no object",
    "page:rdv:waitlist": (
        "public POST: the service is looked up among the page's own pharmacy's services "
        "(tests/rdv/test_waitlist.py::test_waitlist_form_refuses_another_pharmacys_service)"
    ),
    "wagtailadmin_api:images:*": (
        "Wagtail's admin API endpoint, listing only the files the user may choose "
        "(tests/security/test_files_isolation.py; detail: the fail-closed rule below)"
    ),
    "wagtailadmin_api:documents:*": (
        "Wagtail's admin API endpoint, listing only the files the user may choose "
        "(tests/security/test_files_isolation.py; detail: the fail-closed rule below)"
    ),
    "admin_overrides:*": (
        "Wagtail's own admin views at Wagtail's own addresses, scoped to the user's pharmacies "
        "(tests/security/test_admin_overrides.py, test_admin_metadata.py)"
    ),
    "page:boutique:catalogue": (
        "the page's own pharmacy's offers only (collect.catalogue.offers_for(page.pharmacy)); "
        "tests/collect/test_public.py::test_catalogue_shows_this_pharmacy_prices_only"
    ),
    "page:boutique:reserve": (
        "public GET/POST: offers are looked up in the page's pharmacy only "
        "(tests/collect/test_public.py::test_other_pharmacy_offer_in_the_selection_is_refused)"
    ),
    "collect_catalogue:*": (
        "the agency's shared catalogue and its import/export: agency only, pharmacy staff "
        "groups hold no product permission (tests/collect/test_admin_pages.py)"
    ),
    "collect_categories:*": "the agency's shared category tree: agency only, like the catalogue",
    "collect_product_chooser:*": (
        "lists the shared catalogue and the user's own pharmacies' products only; chosen by id: "
        "in OBJECT_CASES and ADMIN_OBJECT_CASES"
    ),
    "rdv_closures:index": (
        "redirects to the user's own hours page, found through the tenancy helper "
        "(tests/rdv/test_admin.py::test_closures_menu_opens_own_pharmacy)"
    ),
}


def _walk(resolver, namespaces=()):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, found)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            module = getattr(pattern.callback, "__module__", "") or ""
            yield name, module, str(pattern.pattern)


def our_url_names() -> set[str]:
    names = set()
    for name, module, pattern in _walk(get_resolver()):
        ours = module.split(".")[0] in OUR_MODULES or name.split(":")[0] in OUR_NAMESPACES
        if not ours or module.startswith(("wagtail", "django")) and ":" not in name:
            continue
        assert name, f"unnamed URL pattern of ours: {pattern} ({module})"
        names.add(name)
    for prefix, urlconf in (
        ("ordonnance", prescription_page_urls),
        ("rdv", booking_page_urls),
        ("boutique", collect_page_urls),
        ("message", contact_page_urls),
    ):
        for pattern in urlconf.urlpatterns:
            names.add(f"page:{prefix}:{pattern.name}")
    return names


def matrix_names() -> set[str]:
    return (
        {name for name, _target, _method in OBJECT_CASES}
        | {name for name, _query, _method in LIST_CASES}
        | set(PUBLIC_NAMES)
    )


def test_every_url_of_ours_is_in_the_matrix():
    covered = matrix_names()
    missing = sorted(
        name
        for name in our_url_names()
        if name not in covered
        and name not in ALLOW_LIST
        and not any(
            name.startswith(allowed[:-1]) for allowed in ALLOW_LIST if allowed.endswith("*")
        )
    )
    assert not missing, f"URL patterns missing from the isolation matrix: {missing}"


def test_matrix_names_still_exist():
    """A renamed view must not leave a stale (never tested) row in the matrix."""
    existing = our_url_names()
    wagtail = {name for name, _q, _m in LIST_CASES if name.startswith("wagtailadmin")}
    assert (matrix_names() - wagtail) <= existing, sorted((matrix_names() - wagtail) - existing)
    for name in ALLOW_LIST:
        if not name.endswith("*"):
            assert name in existing, f"allow-listed {name} no longer exists"


def test_superuser_sees_both(superuser, world_a, world_b):
    """The agency does see everything: the filters above are per user, not global."""
    client = Client()
    client.force_login(superuser)
    html = body_text(client.get(reverse("prescriptions:index")))
    assert world_a.prescription.reference in html and world_b.prescription.reference in html


# --- Fails closed: every admin URL that names an object, Wagtail's included --------------------
#
# Walks the resolver: a URL pattern under /admin/ with a parameter that is not one of the
# harmless ones below names an object, and must be exercised here with another pharmacy's object
# (B's, as A's staff) or be allow-listed with the reason it cannot apply. A Wagtail upgrade that
# adds such an endpoint fails `test_every_admin_object_url_is_covered` until it is added.

NOT_OBJECT_PARAMETERS = {
    "app_label",
    "model_name",
    "app_name",
    "content_type_app_name",
    "content_type_model_name",
    "action",
    "action_name",
    "filter_spec",
}
MISSING_ID = "987654321"

# Tokens naming B's objects (replaced by MISSING_ID in the "nonexistent" request); every other
# value (A's own objects, agency objects, literals) is the same in both requests.
B_TOKENS = {
    "page": lambda w, o: o.page.pk,
    "home": lambda w, o: o.home.pk,
    "revision": lambda w, o: o.revision.pk,
    "image": lambda w, o: o.image.pk,
    "document": lambda w, o: o.document.pk,
    "internal_document": lambda w, o: o.internal_document.pk,
    "collection": lambda w, o: o.pharmacy.collection_id,
    "internal_collection": lambda w, o: o.pharmacy.internal_collection_id,
    "site": lambda w, o: o.pharmacy.site_id,
    "user": lambda w, o: o.staff.pk,
    "group": lambda w, o: o.pharmacy.staff_group_id,
    "redirect": lambda w, o: o.redirect.pk,
    "uploaded_image": lambda w, o: o.uploaded_image.pk,
    "uploaded_document": lambda w, o: o.uploaded_document.pk,
    "workflow_state": lambda w, o: o.workflow_state.pk,
    "task_state": lambda w, o: o.task_state.pk,
    "prescription": lambda w, o: w.prescription.pk,
    "file": lambda w, o: w.file.pk,
    "dispensing": lambda w, o: dispensing_of(w).pk,
    "booking": lambda w, o: w.booking.pk,
    "service": lambda w, o: w.service.pk,
    "resource": lambda w, o: w.resource.pk,
    "message": lambda w, o: OutboxMessage.objects.filter(pharmacy=w.pharmacy).first().pk,
    "pharmacy": lambda w, o: w.pharmacy.pk,
    "event": lambda w, o: AuditEvent.objects.filter(pharmacy=w.pharmacy).first().pk,
    "reservation": lambda w, o: w.reservation.pk,
    "line": lambda w, o: w.line.pk,
    "offer": lambda w, o: w.offer.pk,
    "collect_settings": lambda w, o: w.collect_settings.pk,
    "own_product": lambda w, o: w.own_product.pk,
    "contact_message": lambda w, o: w.contact_message.pk,
    "waitlist_entry": lambda w, o: w.waitlist_entry.pk,
}
CONTEXT_TOKENS = {
    "task": lambda o, own: o.task.pk,
    "workflow": lambda o, own: o.workflow.pk,
    "own_page": lambda o, own: own.pk,
    "own_home": lambda o, own: own.get_parent().pk,
}

_page = {"page_id": "page"}
_image = {"image_id": "image"}
ADMIN_OBJECT_CASES = {
    "wagtailadmin_api:pages:detail": [{"pk": "page"}],
    "wagtailadmin_api:pages:action": [{"pk": "page", "action_name": "unpublish"}],
    "wagtailadmin_api:images:detail": [{"pk": "image"}],
    "wagtailadmin_api:documents:detail": [{"pk": "document"}],
    "wagtailadmin_explore": [{"parent_page_id": "home"}],
    "wagtailadmin_explore_results": [{"parent_page_id": "home"}],
    "wagtailadmin_choose_page_child": [{"parent_page_id": "home"}],
    **{
        f"wagtailadmin_pages:{view}": [
            {
                "content_type_app_name": "cms",
                "content_type_model_name": "contentpage",
                "parent_page_id": "home",
            }
        ]
        for view in ("add", "preview_on_add")
    },
    **{
        f"wagtailadmin_pages:{view}": [_page]
        for view in (
            "usage",
            "edit",
            "preview_on_edit",
            "view_draft",
            "delete",
            "unpublish",
            "convert_alias",
            "copy",
            "confirm_workflow_cancellation",
            "set_privacy",
            "lock",
            "unlock",
            "revisions_index",
            "workflow_history",
            "history",
            "history_results",
        )
    },
    "wagtailadmin_pages:add_subpage": [{"parent_page_id": "home"}],
    "wagtailadmin_pages:move": [{"page_to_move_id": "page"}],
    "wagtailadmin_pages:set_page_position": [{"page_to_move_id": "page"}],
    "wagtailadmin_pages:move_confirm": [
        {"page_to_move_id": "page", "destination_id": "own_home"},
        {"page_to_move_id": "own_page", "destination_id": "home"},
    ],
    **{
        f"wagtailadmin_pages:{view}": [
            {"page_id": "page", "action_name": "approve", "task_state_id": "task_state"}
        ]
        for view in ("workflow_action", "collect_workflow_action_data")
    },
    "wagtailadmin_pages:workflow_preview": [{"page_id": "page", "task_id": "task"}],
    **{
        f"wagtailadmin_pages:revisions_{view}": [{"page_id": "page", "revision_id": "revision"}]
        for view in ("view", "revert", "unschedule")
    },
    "wagtailadmin_pages:revisions_compare": [
        {"pk": "page", "revision_id_a": "earliest", "revision_id_b": "latest"},
        {"pk": "page", "revision_id_a": "revision", "revision_id_b": "latest"},
    ],
    "wagtailadmin_pages:workflow_history_detail": [
        {"page_id": "page", "workflow_state_id": "workflow_state"}
    ],
    "wagtailadmin_workflows:remove": [{"page_pk": "page"}, {"page_pk": "page", "workflow_pk": 0}],
    "wagtailadmin_collections:edit": [{"pk": "collection"}, {"pk": "internal_collection"}],
    "wagtailadmin_collections:delete": [{"pk": "collection"}],
    "wagtailadmin_collections:set_privacy": [{"collection_id": "internal_collection"}],
    "wagtailadmin_editing_sessions:ping": [
        {"app_label": "wagtailcore", "model_name": "page", "object_id": "page", "session_id": 0},
        {
            "app_label": "pharmacies",
            "model_name": "pharmacy",
            "object_id": "pharmacy",
            "session_id": 0,
        },
        {
            "app_label": "ordonnances",
            "model_name": "prescription",
            "object_id": "prescription",
            "session_id": 0,
        },
    ],
    "wagtailforms:list_submissions": [_page],
    "wagtailforms:list_submissions_results": [_page],
    "wagtailforms:delete_submissions": [_page],
    "wagtailredirects:edit": [{"redirect_id": "redirect"}],
    "wagtailredirects:delete": [{"redirect_id": "redirect"}],
    **{
        f"wagtailsites:{view}": [{"pk": "site"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "copy")
    },
    **{
        f"wagtailusers_users:{view}": [{"pk": "user"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "copy")
    },
    **{
        f"wagtailusers_groups:{view}": [{"pk": "group"}]
        for view in ("edit", "delete", "history", "history_results", "usage")
    },
    "wagtaildocs_chooser:chosen": [{"pk": "document"}, {"pk": "internal_document"}],
    "wagtailimages_chooser:chosen": [{"pk": "image"}],
    "wagtailimages_chooser:select_format": [_image],
    **{
        f"wagtaildocs:{view}": [{"document_id": "document"}, {"document_id": "internal_document"}]
        for view in ("edit", "delete", "document_usage")
    },
    **{
        f"wagtaildocs:{view}": [{"doc_id": "document"}]
        for view in ("edit_multiple", "delete_multiple")
    },
    **{
        f"wagtaildocs:{view}": [{"uploaded_file_id": "uploaded_document"}]
        for view in ("create_multiple_from_uploaded_document", "delete_upload_multiple")
    },
    **{
        f"wagtailimages:{view}": [_image]
        for view in (
            "edit",
            "delete",
            "url_generator",
            "url_generator_output",
            "image_usage",
            "edit_multiple",
            "delete_multiple",
        )
    },
    "wagtailimages:preview": [{"image_id": "image", "filter_spec": "original"}],
    **{
        f"wagtailimages:{view}": [{"uploaded_file_id": "uploaded_image"}]
        for view in ("create_multiple_from_uploaded_image", "delete_upload_multiple")
    },
    "wagtailadmin_editing_sessions:release": [{"session_id": "session"}],
    # Our own viewsets (also in OBJECT_CASES, which asserts the 404 itself).
    **{
        f"prescriptions:{view}": [{"pk": "prescription"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect", "status")
    },
    "prescriptions:file": [{"pk": "file"}],
    "prescriptions:renewal": [{"pk": "prescription"}],
    "prescriptions:dispensing_status": [{"pk": "dispensing"}],
    "prescriptions:dispensing_request": [{"pk": "dispensing"}],
    "prescriptions:lead_days": [{"pk": "pharmacy"}],
    **{
        f"rdv_bookings:{view}": [{"pk": "booking"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect")
    },
    **{
        f"rdv_services:{view}": [{"pk": "service"}]
        for view in ("edit", "delete", "history", "history_results", "usage")
    },
    **{
        f"rdv_resources:{view}": [{"pk": "resource"}]
        for view in ("edit", "delete", "history", "history_results", "usage")
    },
    **{
        f"rdv_waitlist:{view}": [{"pk": "waitlist_entry"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect")
    },
    "rdv_agenda:action": [{"pk": "booking", "action": "annuler"}],
    **{
        f"outbox:{view}": [{"pk": "message"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect", "resend")
    },
    **{
        f"pharmacies:{view}": [{"pk": "pharmacy"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect")
    },
    "audit:inspect": [{"pk": "event"}],
    **{
        f"reservations:{view}": [{"pk": "reservation"}]
        for view in (
            "edit",
            "delete",
            "history",
            "history_results",
            "usage",
            "inspect",
            "status",
            "slip",
        )
    },
    "reservations:line": [{"pk": "line"}],
    **{
        f"{namespace}:{view}": [{"pk": token}]
        for namespace, token in (
            ("collect_offers", "offer"),
            ("collect_settings", "collect_settings"),
            ("collect_own_products", "own_product"),
        )
        for view in ("edit", "delete", "history", "history_results", "usage")
    },
    "collect_product_chooser:chosen": [{"pk": "own_product"}],
    **{
        f"contact_messages:{view}": [{"pk": "contact_message"}]
        for view in ("edit", "delete", "history", "history_results", "usage", "inspect")
    },
}
ADMIN_OBJECT_ALLOW_LIST = {
    **{
        f"collect_catalogue:{view}": (
            "the agency's shared catalogue: pharmacy staff hold no product permission"
        )
        for view in ("edit", "delete", "history", "history_results", "usage", "export")
    },
    **{
        f"collect_categories:{view}": (
            "the agency's shared category tree: pharmacy staff hold no category permission"
        )
        for view in ("edit", "delete", "history", "history_results", "usage")
    },
    **{
        f"wagtailadmin_workflows:{view}": (
            "workflows and tasks are the agency's (moderation of its news), no pharmacy's: "
            "pharmacy staff have no workflow permission"
        )
        for view in (
            "enable",
            "disable",
            "edit",
            "usage",
            "usage_results",
            "edit_task",
            "disable_task",
            "enable_task",
            "task_chosen",
        )
    },
    "wagtailsettings:edit": "no setting model is registered (asserted below)",
    "wagtailsettings:preview_on_edit": "no setting model is registered (asserted below)",
    "wagtailadmin_password_reset_confirm": (
        "public, checked by a signed token; answers the same whatever the account's pharmacy"
    ),
}
# The session id of the editing-sessions release: Wagtail deletes only the requester's own
# sessions (`filter(user=request.user)`) and answers {} whatever the id; covered above anyway.
B_TOKENS["session"] = lambda w, o: o.session.pk


def _parameters(pattern) -> list[str]:
    inner = pattern.pattern
    if isinstance(inner, RoutePattern):
        return list(inner.converters)
    regex = inner.regex
    return list(regex.groupindex) + ["<positional>"] * (regex.groups - len(regex.groupindex))


def _admin_patterns(resolver=None, namespaces=(), prefix="", parameters=()):
    for pattern in (resolver or get_resolver()).url_patterns:
        here = prefix + str(pattern.pattern)
        found = (*parameters, *_parameters(pattern))
        if isinstance(pattern, URLResolver):
            spaces = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _admin_patterns(pattern, spaces, here, found)
        elif here.lstrip("^").startswith("admin/"):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield name, here, set(found)


def admin_object_url_names() -> set[str]:
    names = set()
    for name, route, parameters in _admin_patterns():
        if parameters - NOT_OBJECT_PARAMETERS:
            assert name, f"unnamed admin URL pattern naming an object: {route}"
            names.add(name)
    return names


def test_every_admin_object_url_is_covered():
    missing = sorted(
        admin_object_url_names() - set(ADMIN_OBJECT_CASES) - set(ADMIN_OBJECT_ALLOW_LIST)
    )
    assert not missing, f"admin URLs naming an object, neither tested nor allow-listed: {missing}"
    stale = sorted(
        (set(ADMIN_OBJECT_CASES) | set(ADMIN_OBJECT_ALLOW_LIST)) - admin_object_url_names()
    )
    assert not stale, f"cases for URL names that no longer exist: {stale}"
    assert not settings_registry, "a setting model is registered: test its edit URLs above"


def _side_effects_snapshot(world, objects):
    counted = [
        EditingSession,
        Revision,
        PageLogEntry,
        ModelLogEntry,
        Page,
        get_image_model(),
        get_document_model(),
        Collection,
        CollectionViewRestriction,
        PageViewRestriction,
        Redirect,
        get_user_model(),
        Group,
        Site,
        WorkflowState,
        TaskState,
        UploadedFile,
        GroupCollectionPermission,
        GroupPagePermission,
        Prescription,
        Booking,
        OutboxMessage,
        Reservation,
        PharmacyProduct,
    ]
    page = Page.objects.get(pk=objects.page.pk)
    task_state = TaskState.objects.get(pk=objects.task_state.pk)
    return (
        [model._default_manager.count() for model in counted],
        (page.title, page.live, page.locked, page.path, page.latest_revision_id),
        task_state.status,
        get_image_model().objects.get(pk=objects.image.pk).title,
        get_document_model().objects.get(pk=objects.document.pk).collection_id,
        get_user_model().objects.get(pk=objects.staff.pk).is_active,
        snapshot(world),
    )


def _admin_object_requests(world, objects, own_page):
    for name, variants in sorted(ADMIN_OBJECT_CASES.items()):
        for variant in variants:
            existing, missing = {}, {}
            for key, value in variant.items():
                if value in B_TOKENS:
                    existing[key], missing[key] = B_TOKENS[value](world, objects), MISSING_ID
                elif value in CONTEXT_TOKENS:
                    existing[key] = missing[key] = CONTEXT_TOKENS[value](objects, own_page)
                else:
                    existing[key] = missing[key] = value
            yield name, reverse(name, kwargs=existing), reverse(name, kwargs=missing)


def _answer(response):
    """Status, and where a redirect leads (its query holds the requested URL: left out)."""
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    return response.status_code, urlsplit(location).path


def test_b_objects_answer_like_nonexistent_ones_in_every_admin_url(
    admin_client_a, world_a, world_b, admin_objects_b
):
    """Same status (and redirect) as a nonexistent id, no title of B's, nothing written."""
    own_page = _upload_page(world_a.pharmacy)
    markers = [ADMIN_MARKER_B, *b_markers(world_b)]
    admin_client_a.raise_request_exception = False
    problems = []
    for name, b_url, missing_url in _admin_object_requests(world_b, admin_objects_b, own_page):
        for method in ("get", "post"):
            send = getattr(admin_client_a, method)
            before = _side_effects_snapshot(world_b, admin_objects_b)
            b_answer = send(b_url)
            if _side_effects_snapshot(world_b, admin_objects_b) != before:
                problems.append(f"{method.upper()} {b_url} ({name}) changed something")
            leaked = [marker for marker in markers if marker in body_text(b_answer)]
            if leaked:
                problems.append(f"{method.upper()} {b_url} ({name}) shows {leaked}")
            answer, nonexistent = _answer(b_answer), _answer(send(missing_url))
            if answer != nonexistent:
                problems.append(
                    f"{method.upper()} {b_url} ({name}) → {answer}, nonexistent → {nonexistent}"
                )
    assert not problems, "\n".join(problems)
