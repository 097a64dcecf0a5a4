"""The staff's private iCal feed: a secret address per pharmacy that the pharmacy creates,
replaces and revokes (the old address then answers 404), with initials unless it opts in."""

from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from icalendar import Calendar

from pharmacies.models import AuditEvent
from rdv import booking as operations
from rdv.models import AgendaFeed, Resource

from .conftest import PARIS, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(pharmacy_a, frozen_now):
    room = Resource.objects.create(pharmacy=pharmacy_a, name="Box de vaccination", kind="salle")
    service = make_service(pharmacy_a, resource=room)
    made, _ = operations.create_booking(
        service=service,
        start=datetime(2026, 3, 10, 9, 0, tzinfo=PARIS),
        first_name="Jeanne",
        last_name="Dupont",
        phone="+33612345678",
        comment="Allergie aux œufs",
    )
    cancelled, _ = operations.create_booking(
        service=service,
        start=datetime(2026, 3, 10, 9, 10, tzinfo=PARIS),
        first_name="Paul",
        last_name="Martin",
        phone="+33612345679",
    )
    operations.cancel_booking(cancelled, by_patient=False)
    return made


def feed_page(client):
    response = client.get(reverse("rdv_agenda:feed"))
    assert response.status_code == 200
    return response.content.decode()


def post(client, pharmacy, action, **extra):
    return client.post(
        reverse("rdv_agenda:feed"), {"pharmacie": pharmacy.pk, "action": action, **extra}
    )


def created_url(client, pharmacy):
    assert post(client, pharmacy, "creer").status_code == 302
    feed = AgendaFeed.objects.get(pharmacy=pharmacy)
    assert feed.token and len(feed.token) >= 40
    assert feed.token in feed_page(client)
    shown = feed_page(client).split('id="feed-url" type="text" readonly value="')[1]
    return urlsplit(shown.split('"')[0]).path


def events(response):
    calendar = Calendar.from_ical(response.content)
    return [component for component in calendar.walk("VEVENT")]


def test_creating_the_address_gives_initials_only_and_private_headers(
    admin_client_a, client_a, pharmacy_a, booked
):
    assert "Aucune adresse active" in feed_page(admin_client_a)
    path = created_url(admin_client_a, pharmacy_a)

    response = client_a.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    [event] = events(response)  # the cancelled booking is not in the staff's calendar
    assert str(event["summary"]) == "Vaccination antigrippale — J. D."
    assert str(event["location"]) == "Box de vaccination"
    assert str(event["uid"]) == f"{booked.reference}@{pharmacy_a.site.hostname}"
    body = response.content.decode()
    assert "Dupont" not in body and "0612345678" not in body and "Allergie" not in body


def test_opting_in_shows_full_names_phone_and_comment(admin_client_a, client_a, pharmacy_a, booked):
    path = created_url(admin_client_a, pharmacy_a)
    assert post(admin_client_a, pharmacy_a, "noms", noms_complets="1").status_code == 302
    assert "Nom complet, téléphone et commentaire" in feed_page(admin_client_a)

    [event] = events(client_a.get(path))

    assert str(event["summary"]) == "Vaccination antigrippale — Jeanne Dupont"
    assert "+33612345678" in str(event["description"])
    assert "Allergie aux œufs" in str(event["description"])


def test_revoking_or_replacing_makes_the_old_address_404_and_leaves_audit_rows(
    admin_client_a, client_a, pharmacy_a, booked
):
    first = created_url(admin_client_a, pharmacy_a)
    second = created_url(admin_client_a, pharmacy_a)
    assert first != second
    assert client_a.get(first).status_code == 404
    assert client_a.get(second).status_code == 200

    assert post(admin_client_a, pharmacy_a, "revoquer").status_code == 302

    assert client_a.get(second).status_code == 404
    assert "Aucune adresse active" in feed_page(admin_client_a)
    details = list(
        AuditEvent.objects.filter(pharmacy=pharmacy_a, object_type="rdv.agendafeed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert [d["agenda_ical"] for d in details] == ["created", "created", "revoked"]
    assert [d.get("replaced") for d in details[:2]] == [False, True]


def test_the_address_works_only_on_its_own_pharmacy_site(
    admin_client_a, client_b, pharmacy_a, booked
):
    path = created_url(admin_client_a, pharmacy_a)

    assert client_b.get(path).status_code == 404
    assert client_b.get(path.replace("/agenda/", "/agenda/x")).status_code == 404


def test_staff_of_b_cannot_create_or_revoke_a_feed_of_a(
    admin_client_a, admin_client_b, client_a, pharmacy_a, booked
):
    path = created_url(admin_client_a, pharmacy_a)

    assert post(admin_client_b, pharmacy_a, "revoquer").status_code == 404
    assert post(admin_client_b, pharmacy_a, "creer").status_code == 404
    assert client_a.get(path).status_code == 200
    assert AgendaFeed.objects.get(pharmacy=pharmacy_a).token in path
    assert AgendaFeed.objects.get(pharmacy=pharmacy_a).token not in feed_page(admin_client_b)


@pytest.mark.parametrize("token", ["", "x" * 65, "../../etc", "%00"])
def test_unknown_tokens_are_404(client_a, pharmacy_a, token):
    assert client_a.get(f"/rdv/agenda/{token}/agenda.ics").status_code == 404
