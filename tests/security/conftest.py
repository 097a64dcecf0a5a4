"""Two pharmacies full of patient data, B's marked with strings that must never reach A's staff."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import GroupApprovalTask, Page, UploadedFile, Workflow, WorkflowTask

from cms.models import ContentPage
from collect import services as collect_services
from collect.codes import with_check_digit
from collect.models import CollectSettings, PharmacyProduct, Product
from contact.models import ContactMessage
from ordonnances import services as prescription_services
from ordonnances.models import Prescription, Status
from pharmacies.phones import to_e164
from pharmacies.provisioning import ensure_staff_user
from rdv import booking as operations
from rdv import feed as agenda_feeds
from rdv import waitlist
from rdv.models import Booking, Resource
from tests.ordonnances.conftest import (  # noqa: F401 - fixtures used by the tests here
    PatientBrowser,
    clear_sms_outbox,
    empty_private_storage,
    jpeg,
    stored_files,
)
from tests.rdv.conftest import PARIS, make_service

MARKER_B = "Zébulon-B-MARKER"
# Not patient data (stays after an erasure) but still B's own: never shown to A either.
SERVICE_B = "Prestation Xénon-B-SERVICE"
EMAIL_B = "zebulon.b.marker@example.fr"
PHONE_B = "06 98 76 54 32"
PHONE_B_E164 = "+33698765432"
# The booking engine's clock: Monday 9 March 2026, 8h; the pharmacies open at 9h.
BOOKING_NOW = datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)
TUESDAY_9H = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)


def send_prescription(client, pharmacy, **fields) -> Prescription:
    browser = PatientBrowser(client, pharmacy)
    before = set(Prescription.objects.values_list("pk", flat=True))
    response = browser.send(files=[jpeg("p1.jpg"), jpeg("p2.jpg")], **fields)
    assert response.status_code == 303, response.content.decode()[:500]
    return Prescription.objects.exclude(pk__in=before).get()


def book(service, start=TUESDAY_9H, **fields) -> Booking:
    values = {
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "phone": "+33612345678",
        "email": "jeanne.dupont@example.fr",
        "notify_by": "both",
    }
    values.update(fields)
    made, _ = operations.create_booking(service=service, start=start, now=BOOKING_NOW, **values)
    return made


class World:
    """What each pharmacy holds: a prescription (ready, with history), a booking, a service."""

    def __init__(self, pharmacy, client, *, last_name, email, phone, service_name):
        self.pharmacy = pharmacy
        self.prescription = send_prescription(
            client,
            pharmacy,
            first_name=last_name,
            last_name=last_name,
            email=email,
            phone=phone,
            comment=f"commentaire {last_name}",
        )
        prescription_services.change_status(self.prescription, Status.PREPARING)
        self.file = self.prescription.files.order_by("pk").first()
        # The room the service needs, named after it: B's room must never show to A either.
        self.resource = Resource.objects.create(
            pharmacy=pharmacy, name=f"Salle {service_name}", kind="salle"
        )
        self.service = make_service(
            pharmacy, name=service_name, slug="service-" + pharmacy.slug, resource=self.resource
        )
        self.feed = agenda_feeds.create_token(pharmacy)
        self.booking = book(
            self.service, first_name=last_name, last_name=last_name, email=email, phone=phone
        )
        # Click & Collect: the pharmacy's own product (named after it), its offer, a reservation.
        self.own_product = Product.objects.create(
            code=with_check_digit(f"3401{pharmacy.pk:08d}"),
            name=f"Tisane {service_name}",  # the pharmacy's own, like its service
            own_pharmacy=pharmacy,
        )
        self.offer = PharmacyProduct.objects.create(
            pharmacy=pharmacy, product=self.own_product, price="3.10"
        )
        self.collect_settings = CollectSettings.objects.create(pharmacy=pharmacy, hold_days=5)
        self.reservation = collect_services.create_reservation(
            pharmacy=pharmacy,
            fields={
                "first_name": last_name,
                "last_name": last_name,
                "email": email,
                "phone": phone,
                "notify_by": "email",
                "pickup_date": TUESDAY_9H.date(),
            },
            items=[collect_services.Wanted(self.offer, 1)],
        )
        self.line = self.reservation.lines.get()
        self.waitlist_entry = waitlist.join(
            service=self.service,
            day=TUESDAY_9H.date(),
            first_name=last_name,
            last_name=last_name,
            phone=to_e164(phone),
            email=email,
            notify_by="email",
        )[0]
        self.contact_message = ContactMessage.objects.create(
            pharmacy=pharmacy,
            name=last_name,
            email=email,
            phone=to_e164(phone),
            subject=f"Question {last_name}",
            message=f"Message {last_name}",
        )


@pytest.fixture
def world_a(pharmacy_a, client_a):
    return World(
        pharmacy_a,
        client_a,
        last_name="Alphonse-A",
        email="alphonse.a@example.fr",
        phone="06 11 22 33 44",
        service_name="Vaccination A",
    )


@pytest.fixture
def world_b(pharmacy_b, client_b):
    return World(
        pharmacy_b,
        client_b,
        last_name=MARKER_B,
        email=EMAIL_B,
        phone=PHONE_B,
        service_name=SERVICE_B,
    )


def b_markers(world) -> list[str]:
    """Strings of B's records that must not appear in any answer to A's staff."""
    return [
        MARKER_B,
        SERVICE_B,
        EMAIL_B,
        PHONE_B_E164,
        world.prescription.reference,
        world.booking.reference,
        world.reservation.reference,
        world.feed.token,
        world.waitlist_entry.reference,
    ]


@pytest.fixture
def titular_a(pharmacy_a):
    user, _ = ensure_staff_user(
        pharmacy_a, "titulaire-a", "titulaire@pharmacie-a.test", "pw-Test-2026", titular=True
    )
    return user


@pytest.fixture
def titular_client_a(titular_a):
    client = Client()
    client.force_login(titular_a)
    return client


# --- Wagtail's own objects of pharmacy B, titled with an ASCII marker (JSON keeps it as is) ----

ADMIN_MARKER_B = "QWXB"


class AdminObjects:
    """B's objects as Wagtail's admin knows them: pages, files, users, workflow, redirect."""

    def __init__(self, pharmacy, staff):
        self.pharmacy = pharmacy
        self.staff = staff
        self.home = pharmacy.site.root_page
        self.page = ContentPage(title=f"Page {ADMIN_MARKER_B}", slug="page-qwxb", owner=staff)
        self.home.add_child(instance=self.page)
        self.page.save_revision(user=staff).publish()
        self.page.title = f"Brouillon {ADMIN_MARKER_B}"
        self.revision = self.page.save_revision(user=staff)
        self.image = get_image_model().objects.create(
            title=f"Vitrine {ADMIN_MARKER_B}",
            file=get_test_image_file(),
            collection=pharmacy.collection,
            uploaded_by_user=staff,
        )
        self.image.tags.add("etiquette-qwxb")
        self.document = get_document_model().objects.create(
            title=f"Tarifs {ADMIN_MARKER_B}",
            file=SimpleUploadedFile("tarifs-qwxb.txt", b"tarifs QWXB"),
            collection=pharmacy.collection,
            uploaded_by_user=staff,
        )
        self.document.tags.add("classeur-qwxb")
        self.internal_document = get_document_model().objects.create(
            title=f"Interne {ADMIN_MARKER_B}",
            file=SimpleUploadedFile("interne-qwxb.txt", b"interne QWXB"),
            collection=pharmacy.internal_collection,
            uploaded_by_user=staff,
        )
        self.uploaded_image = UploadedFile.objects.create(
            file=SimpleUploadedFile("envoi-qwxb.png", get_test_image_file().file.getvalue()),
            uploaded_by_user=staff,
            for_content_type=ContentType.objects.get_for_model(get_image_model()),
        )
        self.uploaded_document = UploadedFile.objects.create(
            file=SimpleUploadedFile("envoi-qwxb.txt", b"QWXB"),
            uploaded_by_user=staff,
            for_content_type=ContentType.objects.get_for_model(get_document_model()),
        )
        self.redirect = Redirect.objects.create(
            site=pharmacy.site, old_path="/ancien-qwxb", redirect_link="https://example.org/"
        )
        self.session = EditingSession.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(Page),
            object_id=str(self.page.pk),
            last_seen_at=timezone.now(),
            is_editing=True,
        )
        self.task = GroupApprovalTask.objects.create(name="Relecture")
        self.task.groups.set([pharmacy.staff_group])
        self.workflow = Workflow.objects.create(name="Relecture de la pharmacie")
        WorkflowTask.objects.create(workflow=self.workflow, task=self.task, sort_order=0)
        self.workflow_state = self.workflow.start(self.page, staff)
        self.task_state = self.workflow_state.current_task_state


@pytest.fixture
def admin_objects_b(pharmacy_b, staff_b):
    return AdminObjects(pharmacy_b, staff_b)
