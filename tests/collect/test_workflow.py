"""The pharmacist's workflow: statuses, line availability, messages to the patient, the admin."""

import pytest
from django.urls import reverse

from collect import services
from collect.models import LineStatus, Reservation, Status
from notifications.models import OutboxMessage

from .conftest import next_open_day


@pytest.fixture
def reservation_a(offers, pharmacy_a):
    with_lines = [
        services.Wanted(offers["a_toothpaste"], 2),
        services.Wanted(offers["a_sunscreen"], 1),
    ]
    return services.create_reservation(
        pharmacy=pharmacy_a,
        fields={
            "first_name": "Jeanne",
            "last_name": "Martin",
            "phone": "+33612345678",
            "email": "jeanne@example.fr",
            "notify_by": "both",
            "pickup_date": next_open_day(pharmacy_a),
        },
        items=with_lines,
    )


@pytest.fixture
def reservation_b(offers, pharmacy_b):
    return services.create_reservation(
        pharmacy=pharmacy_b,
        fields={
            "first_name": "Bernard",
            "last_name": "Secret-B",
            "email": "bernard@example.fr",
            "notify_by": "email",
            "pickup_date": next_open_day(pharmacy_b),
        },
        items=[services.Wanted(offers["b_sunscreen"], 1)],
    )


def events_of(reservation) -> list[str]:
    return list(
        OutboxMessage.objects.filter(object_id=str(reservation.pk), channel="email")
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_each_step_notifies_the_patient_in_their_language(reservation_a):
    Reservation.objects.filter(pk=reservation_a.pk).update(language="en")
    for status in (Status.PREPARING, Status.READY, Status.COLLECTED):
        services.change_status(reservation_a, status)
    assert [e for e in events_of(reservation_a) if e != "reservation_new"] == [
        "reservation_received",
        "reservation_preparing",
        "reservation_ready",
        "reservation_collected",
    ]
    ready = OutboxMessage.objects.get(event="reservation_ready", channel="sms")
    assert ready.language == "en" and reservation_a.reference in ready.body_text
    assert list(reservation_a.history.values_list("to_status", flat=True)) == [
        "received",
        "preparing",
        "ready",
        "collected",
    ]


def test_unavailable_and_replaced_lines_change_the_total_and_the_message(reservation_a):
    toothpaste, sunscreen = reservation_a.lines.order_by("pk")
    services.set_line_status(sunscreen, LineStatus.UNAVAILABLE)
    with pytest.raises(services.TransitionError, match="remplacé"):
        services.set_line_status(toothpaste, LineStatus.REPLACED)
    services.set_line_status(toothpaste, LineStatus.REPLACED, "Format 50 ml")
    services.change_status(reservation_a, Status.READY, note="Crème solaire en rupture")
    assert str(reservation_a.total) == "9.80"
    email = OutboxMessage.objects.get(event="reservation_ready", channel="email")
    assert "Format 50 ml" in email.body_text and "Crème solaire en rupture" in email.body_text
    assert "9.80" in email.body_text or "9,80" in email.body_text


def test_forbidden_moves_are_refused_in_french(reservation_a):
    services.change_status(reservation_a, Status.CANCELLED, note="Rupture")
    with pytest.raises(services.TransitionError, match="Impossible de passer"):
        services.change_status(reservation_a, Status.READY)
    line = reservation_a.lines.first()
    with pytest.raises(services.TransitionError, match="clôturée"):
        services.set_line_status(line, LineStatus.UNAVAILABLE)


def test_ready_needs_at_least_one_available_product(reservation_a):
    for line in reservation_a.lines.all():
        services.set_line_status(line, LineStatus.UNAVAILABLE)
    with pytest.raises(services.TransitionError, match="Aucun produit"):
        services.change_status(reservation_a, Status.READY)


def test_staff_moves_a_reservation_and_prints_the_slip(admin_client_a, reservation_a):
    inspect = admin_client_a.get(reverse("reservations:inspect", args=[reservation_a.pk]))
    assert inspect.status_code == 200 and "Dentifrice fraîcheur" in inspect.content.decode()
    line = reservation_a.lines.order_by("pk").last()
    admin_client_a.post(
        reverse("reservations:line", args=[line.pk]), {"status": "replaced", "note": "SPF 30"}
    )
    admin_client_a.post(
        reverse("reservations:status", args=[reservation_a.pk]), {"status": "ready"}
    )
    reservation_a.refresh_from_db()
    assert reservation_a.status == "ready"
    slip = admin_client_a.get(reverse("reservations:slip", args=[reservation_a.pk]))
    html = slip.content.decode()
    assert reservation_a.reference in html and "SPF 30" in html and "Bon de préparation" in html
    refused = admin_client_a.post(
        reverse("reservations:status", args=[reservation_a.pk]), {"status": "expired"}, follow=True
    )
    assert "Statut inconnu" in refused.content.decode()


def test_staff_of_a_get_404_on_every_url_of_b_reservation(admin_client_a, reservation_b):
    line = reservation_b.lines.get()
    for url, method in [
        (reverse("reservations:inspect", args=[reservation_b.pk]), "get"),
        (reverse("reservations:edit", args=[reservation_b.pk]), "get"),
        (reverse("reservations:slip", args=[reservation_b.pk]), "get"),
        (reverse("reservations:status", args=[reservation_b.pk]), "post"),
        (reverse("reservations:line", args=[line.pk]), "post"),
    ]:
        response = getattr(admin_client_a, method)(url, {"status": "cancelled"})
        assert response.status_code == 404, url
    listing = admin_client_a.get(reverse("reservations:index")).content.decode()
    assert "Secret-B" not in listing
    reservation_b.refresh_from_db()
    assert reservation_b.status == "received"


def test_reservations_to_prepare_are_counted_live_and_on_the_menu(
    admin_client_a, reservation_a, reservation_b
):
    """Like prescriptions: the menu badge, and a count the open dashboard polls and rings on."""
    url = reverse("officine_dashboard_counts")
    counts = {i["name"]: i for i in admin_client_a.get(url).json()["items"]}
    assert counts["reservations_to_prepare"]["count"] == 1  # B's is not A's
    assert counts["reservations_to_prepare"]["alert"] is True
    home = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert '"name": "click-collect", "label": "Click \\u0026 Collect (1)"' in home  # sidebar JSON
    services.change_status(reservation_a, Status.READY)
    counts = {i["name"]: i for i in admin_client_a.get(url).json()["items"]}
    assert counts["reservations_to_prepare"]["count"] == 0
    home = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert '"name": "click-collect", "label": "Click \\u0026 Collect"' in home


def test_dashboard_counts_waiting_reservations(admin_client_a, reservation_a, reservation_b):
    html = admin_client_a.get(reverse("wagtailadmin_home")).content.decode()
    assert "Réservations Click &amp; Collect" in html or "Réservations Click & Collect" in html
    assert 'class="waiting">1<' in html
    assert "Pharmacie B" not in html.split("collect-panel-title")[1].split("</section>")[0]


def test_bulk_edit_changes_prices_and_refuses_bad_ones(admin_client_a, offers):
    url = reverse("collect_offers:bulk")
    a_offer = offers["a_toothpaste"]
    page = admin_client_a.get(url).content.decode()
    assert "Dentifrice fraîcheur" in page and "19.99" not in page  # B's price
    bad = admin_client_a.post(
        url,
        {
            "offer": [a_offer.pk],
            f"price-{a_offer.pk}": "gratuit",
            f"availability-{a_offer.pk}": "in_stock",
        },
    )
    assert bad.status_code == 400 and "Prix invalide" in bad.content.decode()
    admin_client_a.post(
        url,
        {
            "offer": [a_offer.pk, offers["b_sunscreen"].pk],
            f"price-{a_offer.pk}": "5,50 €",
            f"availability-{a_offer.pk}": "within_24h",
            f"active-{a_offer.pk}": "1",
            f"price-{offers['b_sunscreen'].pk}": "0,01",
            f"availability-{offers['b_sunscreen'].pk}": "unavailable",
        },
    )
    a_offer.refresh_from_db()
    offers["b_sunscreen"].refresh_from_db()
    assert str(a_offer.price) == "5.50" and a_offer.availability == "within_24h"
    assert str(offers["b_sunscreen"].price) == "19.99"  # another pharmacy's offer: untouched


def test_patient_cannot_cancel_once_ready(reservation_a):
    services.change_status(reservation_a, Status.READY)
    with pytest.raises(services.TransitionError, match="appelez la pharmacie"):
        services.cancel_by_patient(reservation_a)
