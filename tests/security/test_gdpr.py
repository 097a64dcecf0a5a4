"""A patient's access and erasure requests: complete per pharmacy, no trace left, both logged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import AppConfig, apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.log_actions import log

from collect.gdpr import ReservationData
from contact.gdpr import ContactMessageData
from notifications.gdpr import MessageData
from notifications.models import OutboxMessage
from ordonnances.gdpr import FILES_FOLDER, PrescriptionData
from ordonnances.models import Prescription, PrescriptionFile
from pharmacies import audit, gdpr
from pharmacies.models import AuditAction, AuditEvent
from rdv.gdpr import BookingData
from rdv.models import Booking, BookingChange

from .conftest import EMAIL_B, MARKER_B, PHONE_B, PHONE_B_E164, book, stored_files
from .gdpr_plugin.gdpr import CARDS, LoyaltyCard, LoyaltyCardData


def database_text() -> str:
    """Every row of every table of the project, as text: what an erasure must leave clean."""
    chunks = []
    for model in apps.get_models():
        for row in model._base_manager.all().values():
            chunks.append(repr(row))
    return "\n".join(chunks)


def open_zip(data: bytes) -> tuple[dict, dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    payload = json.loads(archive.read(gdpr.EXPORT_JSON_NAME))
    files = {n: archive.read(n) for n in archive.namelist() if n != gdpr.EXPORT_JSON_NAME}
    return payload, files


def test_export_holds_everything_about_the_patient_and_nothing_else(world_a, world_b):
    # A second booking of the same patient at B, booked with their number typed differently.
    second = book(
        world_b.service,
        start=world_b.booking.start.replace(hour=10),
        first_name=MARKER_B,
        last_name="Bis",
        phone=PHONE_B_E164,
        email="",
    )
    data = gdpr.export_patient_data(world_b.pharmacy, phone=PHONE_B)
    payload, files = open_zip(data)

    assert [p["reference"] for p in payload["prescriptions"]] == [world_b.prescription.reference]
    prescription = payload["prescriptions"][0]
    assert prescription["last_name"] == MARKER_B and prescription["email"] == EMAIL_B
    assert [(h["from"], h["to"]) for h in prescription["history"]] == [
        ("", "received"),
        ("received", "preparing"),
    ]
    assert {b["reference"] for b in payload["bookings"]} == {
        world_b.booking.reference,
        second.reference,
        world_b.waitlist_entry.reference,  # the patient's place on a waiting list too
    }
    assert all(
        b["history"][0]["action"] == "created"
        for b in payload["bookings"]
        if not b.get("waiting_list")
    )
    # Asked by phone: the emails come in because they are about the patient's own records.
    recipients = {m["recipient"] for m in payload["messages"]}
    assert {EMAIL_B, PHONE_B_E164} <= recipients
    assert {m["event"] for m in payload["messages"] if m["recipient"] == EMAIL_B} >= {
        "prescription_received",
        "booking_confirmed",
    }

    # The decrypted files, byte for byte what the pharmacist sees, named as listed in the JSON.
    rows = list(world_b.prescription.files.all())
    assert sorted(files) == sorted(f["archive_name"] for f in prescription["files"])
    assert len(files) == len(rows) == 2
    for row in rows:
        assert files[f"{FILES_FOLDER}/{row.download_name}"] == row.read_decrypted()

    # Nothing of pharmacy A's patient.
    text = data.decode("latin-1") + json.dumps(payload)
    assert "Alphonse" not in text and world_a.prescription.reference not in text

    event = AuditEvent.objects.get(action=AuditAction.DATA_EXPORT)
    assert event.pharmacy_id == world_b.pharmacy.pk
    assert event.subject_hash == audit.subject_hash(phone=PHONE_B_E164)
    assert event.detail == {
        "prescriptions": 1,
        "files": 2,
        "bookings": 2,
        "waitlist": 1,
        "messages": len(payload["messages"]),
        "contact_messages": 1,
        "reservations": 1,
    }
    assert [m["subject"] for m in payload["contact_messages"]] == [f"Question {MARKER_B}"]
    assert world_b.reservation.reference in json.dumps(payload["reservations"])


def test_same_patient_in_another_pharmacy_is_not_exported(world_a, world_b):
    payload = gdpr.collect_patient_data(world_a.pharmacy, email=EMAIL_B)
    assert (
        payload["prescriptions"] == [] and payload["bookings"] == [] and payload["messages"] == []
    )


def test_erasure_leaves_no_trace_in_database_or_storage(
    world_a, world_b, admin_client_b, staff_b, django_capture_on_commit_callbacks
):
    # Some history first: a file view, a status change by staff (audit rows that must survive).
    admin_client_b.get(reverse("prescriptions:file", args=[world_b.file.pk]))
    admin_client_b.post(
        reverse("prescriptions:status", args=[world_b.prescription.pk]), {"status": "ready"}
    )
    # An admin action Wagtail logs: its history labels the entry with the patient's name.
    entry = log(world_b.prescription, "wagtail.edit", user=staff_b)
    assert MARKER_B in entry.label
    b_files = [
        name
        for row in PrescriptionFile.objects.filter(prescription__pharmacy=world_b.pharmacy)
        for name in (row.file.name, row.thumbnail.name)
        if name
    ]
    assert len(b_files) == 4
    before = {p.name for p in stored_files()}
    audit_before = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        counts = gdpr.erase_patient_data(world_b.pharmacy, email=EMAIL_B.upper(), phone=PHONE_B)
    assert counts["prescriptions"] == 1 and counts["bookings"] == 1 and counts["files"] == 2

    text = database_text()
    for marker in (MARKER_B, EMAIL_B, PHONE_B_E164, "zebulon"):
        assert marker.lower() not in text.lower(), marker
    assert not Prescription.objects.filter(pharmacy=world_b.pharmacy).exists()
    assert not Booking.objects.filter(pharmacy=world_b.pharmacy).exists()
    assert not BookingChange.objects.filter(booking__pharmacy=world_b.pharmacy).exists()
    assert not OutboxMessage.objects.filter(pharmacy=world_b.pharmacy, recipient=EMAIL_B).exists()

    # Storage: B's files are gone, A's are all still there, nothing else is left.
    after = {p.name for p in stored_files()}
    assert after == before - {name.rsplit("/", 1)[-1] for name in b_files}
    assert {p.name for p in stored_files()} == {
        name.rsplit("/", 1)[-1]
        for row in PrescriptionFile.objects.all()
        for name in (row.file.name, row.thumbnail.name)
        if name
    }
    assert world_a.file.read_decrypted()

    # Wagtail's history keeps the staff action, not the patient's name.
    entry.refresh_from_db()
    assert entry.label == f"Ordonnance n° {world_b.prescription.pk} (données effacées)"
    assert entry.user_id == staff_b.pk

    # The trail stays, pseudonymous, and says the erasure happened.
    assert AuditEvent.objects.count() == audit_before + 1
    erasure = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert erasure.subject_hash == audit.subject_hash(EMAIL_B, PHONE_B_E164)
    assert AuditEvent.objects.filter(
        action=AuditAction.FILE_VIEW, object_id=str(world_b.file.pk)
    ).exists()


def test_commands_export_and_erase(world_b, tmp_path, django_capture_on_commit_callbacks):
    output = tmp_path / "export.zip"
    call_command(
        "export_patient_data", pharmacy=world_b.pharmacy.slug, email=EMAIL_B, output=str(output)
    )
    payload, files = open_zip(output.read_bytes())
    assert payload["prescriptions"][0]["reference"] == world_b.prescription.reference
    assert len(files) == 2

    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_patient_data", pharmacy=world_b.pharmacy.slug, phone=PHONE_B)
    assert Prescription.objects.filter(pk=world_b.prescription.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_patient_data", pharmacy=world_b.pharmacy.slug, phone=PHONE_B, yes=True)
    assert not Prescription.objects.filter(pk=world_b.prescription.pk).exists()
    assert stored_files() == []
    actions = list(
        AuditEvent.objects.filter(
            action__in=[AuditAction.DATA_EXPORT, AuditAction.ERASURE]
        ).values_list("action", "actor_label")
    )
    assert [action for action, _label in actions] == [AuditAction.ERASURE, AuditAction.DATA_EXPORT]
    assert actions[0][1].startswith("erase_patient_data (")
    assert actions[1][1].startswith("export_patient_data (")

    with pytest.raises(CommandError, match="phone"):
        call_command("erase_patient_data", pharmacy=world_b.pharmacy.slug, phone="12", yes=True)
    with pytest.raises(CommandError, match="No pharmacy"):
        call_command("export_patient_data", pharmacy="nope", email=EMAIL_B, output=str(output))


def test_admin_form_exports_and_erases_for_the_titular_only(
    titular_client_a, admin_client_a, world_a, world_b, django_capture_on_commit_callbacks
):
    url = reverse("pharmacies_patient_data")
    assert admin_client_a.get(url).status_code in (302, 403)
    page = titular_client_a.get(url)
    assert page.status_code == 200
    # B's pharmacy is not even a choice; posting its id is refused.
    assert world_b.pharmacy.name not in page.content.decode()
    refused = titular_client_a.post(url, {"pharmacy": world_b.pharmacy.pk, "email": EMAIL_B})
    assert refused.status_code == 200 and MARKER_B not in refused.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_EXPORT).exists()

    form = {"pharmacy": world_a.pharmacy.pk, "phone": "06 11 22 33 44"}
    found = titular_client_a.post(url, {**form, "action": "search"}).content.decode()
    assert world_a.prescription.reference in found and world_a.booking.reference in found
    assert "1 ordonnance, 2 fichiers" in found and "1 rendez-vous" in found

    export = titular_client_a.post(url, {**form, "action": "export"})
    assert export["Content-Type"] == "application/zip"
    payload, files = open_zip(export.content)
    assert payload["prescriptions"][0]["reference"] == world_a.prescription.reference

    unconfirmed = titular_client_a.post(url, {**form, "action": "erase"})
    assert "Cochez la case" in unconfirmed.content.decode()
    assert Prescription.objects.filter(pk=world_a.prescription.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        erased = titular_client_a.post(url, {**form, "action": "erase", "confirm": "yes"})
    assert erased.status_code == 302
    told = titular_client_a.get(erased["Location"]).content.decode()
    assert "Données effacées : 1 ordonnance, 2 fichiers, 1 rendez-vous," in told
    assert not Prescription.objects.filter(pk=world_a.prescription.pk).exists()
    assert Prescription.objects.filter(pk=world_b.prescription.pk).exists()
    assert {p.name for p in stored_files()} == {
        name.rsplit("/", 1)[-1]
        for row in PrescriptionFile.objects.filter(prescription=world_b.prescription)
        for name in (row.file.name, row.thumbnail.name)
    }
    events = AuditEvent.objects.filter(action__in=[AuditAction.DATA_EXPORT, AuditAction.ERASURE])
    assert {(e.action, e.actor_label, e.pharmacy_id) for e in events} == {
        (AuditAction.DATA_EXPORT, "titulaire-a", world_a.pharmacy.pk),
        (AuditAction.ERASURE, "titulaire-a", world_a.pharmacy.pk),
    }


def test_bad_input_is_a_french_message(titular_client_a, pharmacy_a):
    url = reverse("pharmacies_patient_data")
    html = titular_client_a.post(url, {"pharmacy": pharmacy_a.pk, "phone": "12"}).content.decode()
    assert "n&#x27;est pas valide" in html or "n'est pas valide" in html
    html = titular_client_a.post(url, {"pharmacy": pharmacy_a.pk}).content.decode()
    assert "Indiquez l" in html
    assert not mail.outbox


def test_every_app_declaring_patient_data_takes_part_in_installed_apps_order(world_b):
    assert gdpr.patient_data_classes() == [
        MessageData,
        PrescriptionData,
        BookingData,
        ReservationData,
        ContactMessageData,
    ]
    # Messages are about the other apps' records: they are found, and exported, after them.
    records = gdpr.find_patient_records(world_b.pharmacy, email=EMAIL_B)
    assert [type(part) for part in records.parts] == [
        PrescriptionData,
        BookingData,
        ReservationData,
        ContactMessageData,
        MessageData,
    ]
    payload = gdpr.collect_patient_data(world_b.pharmacy, email=EMAIL_B)
    assert list(payload) == [
        "pharmacy",
        "generated_at",
        "request",
        "prescriptions",
        "bookings",
        "reservations",
        "contact_messages",
        "messages",
    ]


@pytest.fixture
def loyalty_app():
    """The test-only loyalty app, appended to the installed apps as if listed in the settings.

    Not through `override_settings(INSTALLED_APPS=...)`: that runs every app's `ready()` again,
    and Wagtail's are not meant to run twice.
    """
    config = AppConfig.create("tests.security.gdpr_plugin")
    config.apps = apps
    config.models = {}
    apps.app_configs[config.label] = config
    apps.clear_cache()
    yield config
    del apps.app_configs[config.label]
    apps.clear_cache()


def test_an_app_added_to_the_settings_exports_and_erases_its_own_data(
    world_b, loyalty_app, django_capture_on_commit_callbacks
):
    mine = LoyaltyCard(world_b.pharmacy.pk, EMAIL_B.upper(), "FID-0001", 120)
    elsewhere = LoyaltyCard(world_b.pharmacy.pk + 1000, EMAIL_B, "FID-0002", 5)
    CARDS[:] = [mine, elsewhere]
    assert gdpr.patient_data_classes()[-1] is LoyaltyCardData

    payload, files = open_zip(gdpr.export_patient_data(world_b.pharmacy, email=EMAIL_B))
    assert payload["loyalty_cards"] == [{"number": "FID-0001", "points": 120}]
    assert files["fidelite/FID-0001.txt"] == b"FID-0001: 120"
    assert payload["prescriptions"][0]["reference"] == world_b.prescription.reference

    with django_capture_on_commit_callbacks(execute=True):
        counts = gdpr.erase_patient_data(world_b.pharmacy, email=EMAIL_B)
    assert counts["loyalty_cards"] == 1 and counts["prescriptions"] == 1
    assert CARDS == [elsewhere]
    erasure = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert erasure.detail["loyalty_cards"] == 1
    assert "1 carte(s) de fidélité" in gdpr.describe_counts(counts).split(", ")
