"""Bad input never books and always says why, in French; the JSON endpoint validates its params."""

from datetime import datetime, time

import pytest

from cms.public_forms import feature_url
from rdv.models import Booking, ServiceHours

from .conftest import PARIS, block_id_of, book_url, booking_form_data, make_service

pytestmark = pytest.mark.django_db

GOOD = datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)


def slots_url(page):
    return feature_url(page, "rdv", "slots")


def steps_url(page):
    return feature_url(page, "rdv", "steps")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"service": "999999"}, "Cette prestation n&#x27;existe pas"),
        ({"service": "abc"}, "Cette prestation n&#x27;existe pas"),
        ({"start": "2026-03-15T10:00:00+01:00"}, "ne propose pas ce rendez-vous ce jour-là"),
        ({"start": "2026-03-09T09:00:00+01:00"}, "trop proche"),
        ({"start": "2026-03-06T09:00:00+01:00"}, "déjà passé"),
        ({"start": "2026-05-04T09:00:00+02:00"}, "plus de 30 jours"),
        ({"start": "2026-03-09T14:05:00+01:00"}, "ne correspond pas à un créneau"),
        ({"start": "2026-03-09T14:00:00"}, "Ce créneau n&#x27;est pas valide"),
        ({"start": "demain"}, "Ce créneau n&#x27;est pas valide"),
        ({"phone": "12345"}, "Ce numéro de téléphone n&#x27;est pas valide"),
        ({"email": "jeanne@"}, "Cette adresse e-mail n&#x27;est pas valide"),
        ({"email": ""}, "Indiquez votre adresse e-mail"),
        ({"notify_by": "sms", "phone": "01 23 45 67 89"}, "portable"),
        ({"consent": ""}, "Votre accord est nécessaire"),
        ({"first_name": ""}, "Indiquez votre prénom"),
        ({"notify_by": "pigeon"}, "Choisissez comment être prévenu(e)"),
    ],
)
def test_bad_input_is_refused_with_a_french_message(
    client_a, page_a, service_a, frozen_now, overrides, message
):
    data = {**booking_form_data(client_a, page_a, service_a, GOOD), **overrides}
    if overrides.get("consent") == "":
        del data["consent"]
    response = client_a.post(book_url(page_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "error-summary" in html
    assert 'value="Dupont"' in html  # the patient does not type it again
    assert Booking.objects.count() == 0


def test_sunday_closed_and_public_holiday(client_a, page_a, service_a, frozen_now):
    easter_monday = "2026-04-06T09:00:00+02:00"
    response = client_a.post(
        book_url(page_a),
        {**booking_form_data(client_a, page_a, service_a, GOOD), "start": easter_monday},
    )
    assert "jour férié" in response.content.decode()
    assert Booking.objects.count() == 0


def test_unknown_block_and_missing_token(client_a, page_a, service_a, frozen_now):
    data = booking_form_data(client_a, page_a, service_a, GOOD)
    assert client_a.post(book_url(page_a), {**data, "block": "nope"}).status_code == 404
    response = client_a.post(book_url(page_a), {**data, "form_token": "forged"})
    assert response.status_code == 200
    assert "Le formulaire a expiré" in response.content.decode()
    assert Booking.objects.count() == 0


def test_honeypot_pretends_success_and_saves_nothing(client_a, page_a, service_a, frozen_now):
    data = booking_form_data(client_a, page_a, service_a, GOOD, website="http://spam.example")
    response = client_a.post(book_url(page_a), data)
    assert response.status_code == 303
    assert Booking.objects.count() == 0


def test_cross_origin_post_refused(client_a, page_a, service_a, frozen_now):
    data = booking_form_data(client_a, page_a, service_a, GOOD)
    response = client_a.post(book_url(page_a), data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:50:00-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:50:00+01:00"]
)
def test_a_slot_at_the_ends_of_the_calendar_is_not_valid(
    client_a, page_a, service_a, frozen_now, start
):
    """Such an instant in Paris time is outside Python's calendar: it used to be a 500."""
    block = block_id_of(page_a)
    step = client_a.get(
        steps_url(page_a), {"block": block, "service": service_a.pk, "start": start}
    )
    assert step.status_code == 200
    assert "Ce créneau n&#x27;est pas valide" in step.content.decode()
    data = {**booking_form_data(client_a, page_a, service_a, GOOD), "start": start}
    response = client_a.post(book_url(page_a), data)
    assert response.status_code == 200
    assert "Ce créneau n&#x27;est pas valide" in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    ("jour", "shown"),
    [
        ("9999-12-31", "mercredi 8 avril"),  # the last day of the 30-day horizon
        ("0001-01-01", "lundi 9 mars"),  # the first bookable day
        ("2026-02-30", None),
    ],
)
def test_a_day_out_of_reach_in_the_steps_shows_the_nearest_bookable_one(
    client_a, page_a, service_a, frozen_now, jour, shown
):
    block = block_id_of(page_a)
    response = client_a.get(
        steps_url(page_a), {"block": block, "service": service_a.pk, "jour": jour}
    )
    assert response.status_code == 200
    html = response.content.decode()
    if shown is None:
        assert "Cette date n&#x27;est pas valide" in html
    else:
        assert ": choisissez un horaire" in html and shown in html


def test_slots_json_shape_with_offsets(client_a, page_a, service_a, frozen_now):
    response = client_a.get(
        slots_url(page_a), {"service": service_a.pk, "from": "2026-03-09", "to": "2026-03-10"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    slots = response.json()
    assert slots[0] == {
        "start": "2026-03-09T10:00:00+01:00",  # 2 h notice from 8:00
        "end": "2026-03-09T10:10:00+01:00",
        "remaining": 1,
    }
    assert "2026-03-09T12:30:00+01:00" not in [s["start"] for s in slots]
    assert slots[-1]["start"] == "2026-03-10T19:20:00+01:00"
    assert all(datetime.fromisoformat(s["start"]).utcoffset() is not None for s in slots)


def test_slots_json_on_the_spring_daylight_saving_day(client_a, page_a, pharmacy_a, frozen_now):
    night = make_service(
        pharmacy_a, name="Garde de nuit", slug="nuit", duration_minutes=30, use_own_schedule=True
    )
    ServiceHours.objects.create(service=night, weekday=6, opens=time(1), closes=time(4))
    response = client_a.get(
        slots_url(page_a), {"service": night.pk, "from": "2026-03-29", "to": "2026-03-29"}
    )
    starts = [s["start"] for s in response.json()]
    assert starts == [
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"service": "x", "from": "2026-03-09", "to": "2026-03-10"},
        {"service": "1", "from": "09/03/2026", "to": "2026-03-10"},
        {"service": "1", "from": "2026-03-10", "to": "2026-03-09"},
        {"service": "1", "from": "2026-03-01", "to": "2026-12-31"},
    ],
)
def test_slots_json_bad_params(client_a, page_a, service_a, frozen_now, params):
    if params.get("service") == "1":
        params = {**params, "service": service_a.pk}
    response = client_a.get(slots_url(page_a), params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_slots_json_of_another_pharmacy_is_404(client_a, page_a, service_b, frozen_now):
    response = client_a.get(
        slots_url(page_a), {"service": service_b.pk, "from": "2026-03-09", "to": "2026-03-10"}
    )
    assert response.status_code == 404
    assert "error" in response.json()


def test_no_javascript_steps(client_a, page_a, service_a, frozen_now):
    block = block_id_of(page_a)
    days = client_a.get(steps_url(page_a), {"block": block, "service": service_a.pk})
    html = days.content.decode()
    assert "2. Choisissez un jour" in html and "lundi 9 mars" in html
    assert "dimanche 15 mars : fermé" in html
    times = client_a.get(
        steps_url(page_a), {"block": block, "service": service_a.pk, "jour": "2026-03-09"}
    ).content.decode()
    assert "3. lundi 9 mars : choisissez un horaire" in times and "14h10" in times
    details = client_a.get(
        steps_url(page_a),
        {"block": block, "service": service_a.pk, "start": "2026-03-09T14:10:00+01:00"},
    ).content.decode()
    assert "Vos coordonnées" in details and 'value="2026-03-09T14:10:00+01:00"' in details
    unknown = client_a.get(steps_url(page_a), {"block": block, "service": "999"})
    assert "Cette prestation n&#x27;existe pas" in unknown.content.decode()


def test_booking_page_loads_the_calendar_script_without_inline_script(client_a, page_a, service_a):
    html = client_a.get(page_a.url).content.decode()
    assert '<script src="/static/js/rdv.js" defer></script>' in html
    assert "<script>" not in html
    assert "data-rdv-calendar" in html and "data-slots-url" in html
    assert "Set-Cookie" not in str(client_a.get(page_a.url).headers)


@pytest.mark.parametrize(
    ("first", "last"),
    [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-20"), ("2026-01-01", "2026-01-10")],
)
def test_slots_json_outside_the_booking_window_is_empty(
    client_a, page_a, service_a, frozen_now, first, last
):
    """Far past or far future (even the calendar's last year) is no slot, not a server error."""
    url = feature_url(page_a, "rdv", "slots")
    response = client_a.get(url, {"service": service_a.pk, "from": first, "to": last})
    assert response.status_code == 200 and response.json() == []
