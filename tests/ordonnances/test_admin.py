"""The pharmacist's admin: scoped to their own pharmacy, status workflow, export, dashboard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications import sms
from ordonnances.models import Prescription, PrescriptionFile, Status, StatusChange
from pharmacies.models import AuditAction, AuditEvent

from .conftest import jpeg


@pytest.fixture
def prescription_a(patient_a):
    assert patient_a.send(files=[jpeg("p1.jpg"), jpeg("p2.jpg")]).status_code == 303
    return Prescription.objects.get(pharmacy=patient_a.pharmacy)


@pytest.fixture
def prescription_b(patient_b):
    assert patient_b.send(first_name="Bernard", last_name="Bleu").status_code == 303
    return Prescription.objects.get(pharmacy=patient_b.pharmacy)


def urls_of(prescription):
    file = prescription.files.first()
    return {
        "detail": reverse("prescriptions:inspect", args=[prescription.pk]),
        "edit": reverse("prescriptions:edit", args=[prescription.pk]),
        "history": reverse("prescriptions:history", args=[prescription.pk]),
        "file": reverse("prescriptions:file", args=[file.pk]),
        "thumbnail": reverse("prescriptions:file", args=[file.pk]) + "?thumb=1",
        "download": reverse("prescriptions:file", args=[file.pk]) + "?download=1",
    }


def test_listing_shows_only_own_prescriptions(admin_client_a, prescription_a, prescription_b):
    response = admin_client_a.get(reverse("prescriptions:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert prescription_a.reference in html
    assert prescription_b.reference not in html and "Bernard" not in html
    assert "Reçue <strong>1</strong>" in html  # counts per status, own pharmacy only


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"created_at_from": "0001-01-01"}, True),
        ({"created_at_to": "9999-12-31"}, True),
        ({"created_at_from": "hier"}, True),
        # No pickup date was asked: a pickup range, however wide, leaves it out.
        ({"pickup_date_from": "0001-01-01", "pickup_date_to": "9999-12-31"}, False),
    ],
)
def test_listing_date_filters_at_the_ends_of_the_calendar(
    admin_client_a, prescription_a, params, shown
):
    """Year 1 in Paris is before year 1 in UTC: the filter used to overflow into a 500."""
    response = admin_client_a.get(reverse("prescriptions:index"), params)
    assert response.status_code == 200
    assert (prescription_a.reference in response.content.decode()) is shown


@pytest.mark.parametrize("name", ["detail", "edit", "history", "file", "thumbnail", "download"])
def test_other_pharmacy_urls_are_404(admin_client_b, prescription_a, prescription_b, name):
    response = admin_client_b.get(urls_of(prescription_a)[name])
    assert response.status_code == 404
    assert prescription_a.first_name not in response.content.decode()
    # ...while the same URL of their own prescription works.
    own = admin_client_b.get(urls_of(prescription_b)[name])
    assert own.status_code in (200, 302)


def test_other_pharmacy_status_change_is_404(admin_client_b, prescription_a):
    url = reverse("prescriptions:status", args=[prescription_a.pk])
    response = admin_client_b.post(url, {"status": Status.READY})
    assert response.status_code == 404
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.RECEIVED
    assert not mail.outbox or all("prête" not in m.subject for m in mail.outbox)


def test_export_is_scoped_and_filtered(
    admin_client_a, admin_client_b, prescription_a, prescription_b
):
    url = reverse("prescriptions:index") + "?export=csv"
    csv_a = b"".join(admin_client_a.get(url).streaming_content).decode()
    assert prescription_a.reference in csv_a and prescription_b.reference not in csv_a
    assert "Référence" in csv_a.splitlines()[0]
    csv_b = b"".join(admin_client_b.get(url).streaming_content).decode()
    assert prescription_a.reference not in csv_b and "Jeanne" not in csv_b
    filtered = b"".join(admin_client_a.get(url + "&status=ready").streaming_content).decode()
    assert prescription_a.reference not in filtered


def test_anonymous_users_are_sent_to_login(prescription_a):
    client = Client()
    for url in [
        reverse("prescriptions:index"),
        reverse("prescriptions:index") + "?export=csv",
        reverse("prescriptions:status", args=[prescription_a.pk]),
        *urls_of(prescription_a).values(),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]


def test_detail_shows_patient_pages_and_history(admin_client_a, prescription_a):
    html = admin_client_a.get(reverse("prescriptions:inspect", args=[prescription_a.pk])).content
    html = html.decode()
    assert "Jeanne Martin" in html and "Génériques acceptés" in html
    # Shown in the national format; the stored E.164 form stays in the tel: link only.
    assert "06 12 34 56 78" in html and html.count("+33612345678") == html.count("tel:+33612345678")
    for row in prescription_a.files.all():
        assert reverse("prescriptions:file", args=[row.pk]) + "?thumb=1" in html
    assert 'data-viewer="rotate-right"' in html and 'data-viewer="zoom-in"' in html
    assert "Envoi en ligne" in html  # first history row
    assert 'value="preparing"' in html and 'value="collected"' not in html


def test_status_workflow_notifies_and_records(
    admin_client_a, staff_a, prescription_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    sms.outbox.clear()
    url = reverse("prescriptions:status", args=[prescription_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client_a.post(url, {"status": "preparing"}).status_code == 302
    assert not mail.outbox and not sms.outbox  # "en préparation" tells nobody

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(url, {"status": "ready"})
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.READY
    assert [m.subject for m in mail.outbox] == [
        f"Votre commande {prescription_a.reference} est prête"
    ]
    assert len(sms.outbox) == 1 and "est disponible" in sms.outbox[0].body
    assert "Génériques" not in sms.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(url, {"status": "collected"})
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.COLLECTED and prescription_a.closed_at
    history = list(
        StatusChange.objects.filter(prescription=prescription_a).values_list(
            "from_status", "to_status", "user"
        )
    )
    assert history == [
        ("", "received", None),
        ("received", "preparing", staff_a.pk),
        ("preparing", "ready", staff_a.pk),
        ("ready", "collected", staff_a.pk),
    ]
    # A closed prescription cannot move any more.
    admin_client_a.post(url, {"status": "ready"})
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.COLLECTED


def test_refusal_needs_a_reason_the_patient_sees(
    admin_client_a, prescription_a, django_capture_on_commit_callbacks
):
    url = reverse("prescriptions:status", args=[prescription_a.pk])
    response = admin_client_a.post(url, {"status": "refused", "note": ""}, follow=True)
    assert "Indiquez un message pour le patient" in response.content.decode()
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.RECEIVED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(url, {"status": "refused", "note": "Ordonnance périmée"})
    prescription_a.refresh_from_db()
    assert prescription_a.status == Status.REFUSED
    patient_mail = next(m for m in mail.outbox if m.to == [prescription_a.email])
    assert "Ordonnance périmée" in patient_mail.body


def test_staff_without_files_permission_cannot_open_files(staff_a, prescription_a):
    group = staff_a.groups.get()
    group.permissions.remove(Permission.objects.get(codename="view_prescription_files"))
    client = Client()
    client.force_login(staff_a)
    row = prescription_a.files.first()
    refused = client.get(reverse("prescriptions:file", args=[row.pk]))
    assert refused.status_code in (302, 403)  # Wagtail turns PermissionDenied into a redirect
    assert refused.get("Content-Type", "").startswith("text/html")
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.FILE_VIEW, AuditAction.FILE_DOWNLOAD]
    ).exists()
    detail = client.get(reverse("prescriptions:inspect", args=[prescription_a.pk]))
    assert "?thumb=1" not in detail.content.decode()


def test_search_by_reference_name_and_phone(admin_client_a, prescription_a):
    index = reverse("prescriptions:index")
    for query in [prescription_a.reference, "martin", "06 12 34 56 78", "0612345678"]:
        html = admin_client_a.get(index, {"q": query}).content.decode()
        assert prescription_a.reference in html, query
    html = admin_client_a.get(index, {"q": "Nobody"}).content.decode()
    assert prescription_a.reference not in html


def test_filters_by_status(admin_client_a, prescription_a):
    index = reverse("prescriptions:index")
    assert (
        prescription_a.reference
        in admin_client_a.get(index, {"status": "received"}).content.decode()
    )
    assert (
        prescription_a.reference
        not in admin_client_a.get(index, {"status": "ready"}).content.decode()
    )


def test_dashboard_panel_counts_own_pharmacy(admin_client_a, admin_client_b, prescription_a):
    html = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "prescriptions-panel" in html and prescription_a.reference in html
    assert 'data-officine-count="prescriptions_to_prepare">1<' in html
    html_b = admin_client_b.get(reverse("wagtailadmin_home")).content.decode()
    assert prescription_a.reference not in html_b
    assert 'data-officine-count="prescriptions_to_prepare">0<' in html_b


def test_superuser_sees_all(superuser, prescription_a, prescription_b):
    client = Client()
    client.force_login(superuser)
    html = client.get(reverse("prescriptions:index")).content.decode()
    assert prescription_a.reference in html and prescription_b.reference in html


def test_menu_item_is_shown(admin_client_a):
    html = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "Ordonnances" in html


def test_files_not_reachable_by_id_guessing(admin_client_b, prescription_a):
    last = PrescriptionFile.objects.order_by("-pk").first()
    for pk in range(1, last.pk + 3):
        response = admin_client_b.get(reverse("prescriptions:file", args=[pk]))
        assert response.status_code == 404
