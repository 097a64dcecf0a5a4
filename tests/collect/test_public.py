"""What a patient sees and sends: the catalogue of their pharmacy, search, the reservation form."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from collect.models import Reservation, ReservationLine
from notifications.models import OutboxMessage

from .conftest import catalogue_page_of, catalogue_url, next_closed_day


def test_block_page_shows_notices_and_own_offers(client_a, offers):
    html = client_a.get(catalogue_page_of(offers["a_toothpaste"].pharmacy).url).content.decode()
    assert "Paiement au comptoir, pas de paiement en ligne" in html
    assert "Médicaments non proposés à la réservation en ligne" in html
    assert "Dentifrice fraîcheur" in html and "4,90" in html or "4.90" in html


def test_catalogue_shows_this_pharmacy_prices_only(
    client_a, client_b, offers, pharmacy_a, pharmacy_b
):
    html_a = client_a.get(catalogue_url(pharmacy_a)).content.decode()
    html_b = client_b.get(catalogue_url(pharmacy_b)).content.decode()
    assert "17,50" in html_a or "17.50" in html_a
    assert "19,99" not in html_a and "19.99" not in html_a
    assert "Dentifrice fraîcheur" in html_a and "Dentifrice fraîcheur" not in html_b
    assert "Paiement au comptoir" in html_a


def test_search_finds_by_word_brand_and_code_on_sqlite(client_a, offers, pharmacy_a, products):
    url = catalogue_url(pharmacy_a)
    by_word = client_a.get(url, {"q": "solaire"}).content.decode()
    assert "Crème solaire SPF 50" in by_word and "Dentifrice" not in by_word
    by_brand = client_a.get(url, {"q": "elgydium"}).content.decode()
    assert "Dentifrice fraîcheur" in by_brand and "Crème solaire" not in by_brand
    by_description = client_a.get(url, {"q": "peaux sensibles"}).content.decode()
    assert "Crème solaire SPF 50" in by_description
    by_code = client_a.get(url, {"q": products["toothpaste"].code}).content.decode()
    assert "Dentifrice fraîcheur" in by_code
    nothing = client_a.get(url, {"q": "introuvable"}).content.decode()
    assert "Aucun produit ne correspond" in nothing


def test_category_filter_includes_sub_categories(client_a, offers, pharmacy_a):
    html = client_a.get(catalogue_url(pharmacy_a), {"categorie": "hygiene"}).content.decode()
    assert "Dentifrice fraîcheur" in html and "Crème solaire" not in html


def test_product_page_and_other_pharmacy_offer_is_404(client_a, offers, pharmacy_a):
    url = catalogue_url(pharmacy_a) + "produit/"
    page = client_a.get(f"{url}{offers['a_sunscreen'].pk}/")
    assert page.status_code == 200
    assert "Disponible sous 24 h" in page.content.decode()
    assert client_a.get(f"{url}{offers['b_sunscreen'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"q": "' OR 1=1 --"},
        {"q": "x" * 5000},
        {"q": "\x00"},
        {"page": "-1"},
        {"page": "9999999999999999999999"},
        {"categorie": "../../etc"},
        {"p": ["abc", "1:x", "99999999999999999999999:1", "-4:2", ":", "1:-1"]},
    ],
)
def test_hostile_parameters_never_cause_a_500(client_a, offers, pharmacy_a, params):
    url = catalogue_url(pharmacy_a)
    for path in ("", "reserver/"):
        assert client_a.get(url + path, params).status_code in (200, 400, 404)


def test_reservation_page_lists_the_selection_from_the_address(patient_a, offers):
    html = patient_a.open([f"{offers['a_toothpaste'].pk}:2", f"{offers['a_sunscreen'].pk}:1"])
    assert "Dentifrice fraîcheur" in html and "Crème solaire SPF 50" in html
    assert "27,30" in html or "27.30" in html  # 2 × 4.90 + 17.50
    assert "Paiement au comptoir" in html


def test_reservation_is_stored_with_its_lines_and_messages(
    patient_a, offers, pharmacy_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_a.send(
            [f"{offers['a_toothpaste'].pk}:2", f"{offers['a_sunscreen'].pk}:1"]
        )
    assert response.status_code == 303
    reservation = Reservation.objects.get()
    assert reservation.pharmacy == pharmacy_a
    assert reservation.reference.startswith("RES-")
    lines = {line.product_name: line for line in reservation.lines.all()}
    assert lines["Dentifrice fraîcheur (Elgydium)"].quantity == 2
    assert str(lines["Crème solaire SPF 50 (Avène)"].unit_price) == "17.50"
    events = set(OutboxMessage.objects.values_list("event", "channel"))
    assert ("reservation_received", "email") in events and ("reservation_received", "sms") in events
    confirmation = patient_a.client.get(response["Location"])
    html = confirmation.content.decode()
    assert reservation.reference in html and "Suivre ma réservation" in html
    assert any(reservation.reference in m.subject for m in mail.outbox)


def test_other_pharmacy_offer_in_the_selection_is_refused(patient_a, offers):
    response = patient_a.send(
        [f"{offers['b_sunscreen'].pk}:1"], open_with=[f"{offers['a_toothpaste'].pk}:1"]
    )
    assert response.status_code == 200
    assert "ne sont plus disponibles" in response.content.decode()
    assert not Reservation.objects.exists()


def test_unavailable_product_and_empty_selection_are_refused(patient_a, offers):
    unavailable = patient_a.send(
        [f"{offers['a_shampoo'].pk}:1"], open_with=[f"{offers['a_toothpaste'].pk}:1"]
    )
    assert "Shampooing doux" in unavailable.content.decode()
    assert "ne sont plus disponibles" in unavailable.content.decode()
    empty = patient_a.client.post(
        patient_a.reserve_url, {"first_name": "Jeanne", "form_token": "x"}
    )
    assert empty.status_code == 302 or empty.status_code == 200
    assert not Reservation.objects.exists()


def test_pickup_on_a_closed_day_or_in_the_past_gets_a_french_error(patient_a, offers, pharmacy_a):
    selection = [f"{offers['a_toothpaste'].pk}:1"]
    closed = patient_a.send(selection, pickup_date=next_closed_day(pharmacy_a).isoformat())
    assert "La pharmacie est fermée ce jour-là" in closed.content.decode()
    past = patient_a.send(
        selection, pickup_date=(timezone.localdate() - timedelta(days=1)).isoformat()
    )
    assert "Cette date est passée" in past.content.decode()
    garbage = patient_a.send(selection, pickup_date="31/02/2026", consent="")
    html = garbage.content.decode()
    assert garbage.status_code == 200
    assert "date valide" in html and "Votre accord est nécessaire" in html
    assert 'value="Jeanne"' in html
    assert not Reservation.objects.exists()


def test_cross_origin_post_is_403_and_honeypot_looks_like_success(patient_a, offers):
    selection = [f"{offers['a_toothpaste'].pk}:1"]
    foreign = patient_a.send(selection, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    bot = patient_a.send(selection, website="http://spam.example")
    assert bot.status_code == 303
    assert "RES-" in patient_a.client.get(bot["Location"]).content.decode()
    assert not Reservation.objects.exists()


@override_settings(OFFICINE_RATE_LIMIT_PER_IP="1/h")
def test_rate_limit_answers_429_in_french_keeping_the_form(patient_a, offers):
    cache.clear()
    selection = [f"{offers['a_toothpaste'].pk}:1"]
    assert patient_a.send(selection).status_code == 303
    refused = patient_a.send(selection, first_name="Paulette")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Trop de demandes" in html and 'value="Paulette"' in html
    assert Reservation.objects.count() == 1


def test_get_on_the_form_address_without_selection_says_it_is_empty(client_a, offers, pharmacy_a):
    html = client_a.get(catalogue_url(pharmacy_a) + "reserver/").content.decode()
    assert "Votre sélection est vide" in html


def test_tracking_link_shows_lines_and_lets_the_patient_cancel(patient_a, client_b, offers):
    response = patient_a.send([f"{offers['a_toothpaste'].pk}:1"])
    confirmation = patient_a.client.get(response["Location"]).content.decode()
    tracking = confirmation.split('class="tracking-link" href="')[1].split('"')[0]
    path = tracking.split("://", 1)[1].split("/", 1)[1]
    page = patient_a.client.get("/" + path)
    assert page.status_code == 200 and "Dentifrice fraîcheur" in page.content.decode()
    assert (
        '<li class="step-current" aria-current="step"><span class="step-mark" aria-hidden="true">1'
        in (page.content.decode())
    )
    assert client_b.get("/" + path).status_code == 404  # another pharmacy's site
    cancelled = patient_a.client.post("/" + path + "annuler/")
    assert cancelled.status_code == 303
    assert Reservation.objects.get().status == "cancelled"
    assert ReservationLine.objects.count() == 1
    assert "status-steps" not in patient_a.client.get("/" + path).content.decode()
