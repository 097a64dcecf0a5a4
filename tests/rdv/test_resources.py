"""Resources as the pharmacist sees them: one pharmacist or room is never booked twice at once
across services, its presence hours narrow the calendar, and the admin keeps it per pharmacy."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from pharmacies.models import TitularPharmacist
from rdv import availability
from rdv import booking as operations
from rdv.models import Resource, ResourceHours, ResourceKind, Service

from .conftest import PARIS, make_service

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2026, 3, 10).date()


def at(hour, minute=0):
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS)


def book(service, start, name="Dupont"):
    made, _ = operations.create_booking(
        service=service, start=start, first_name="Jeanne", last_name=name, phone="+33612345678"
    )
    return made


def walls(service):
    return [f"{s.start:%H:%M}" for s in availability.free_slots(service, TUESDAY, TUESDAY)]


@pytest.fixture
def pharmacist(pharmacy_a):
    return Resource.objects.create(pharmacy=pharmacy_a, name="Mme Lefèvre")


@pytest.fixture
def vaccination(pharmacy_a, pharmacist):
    return make_service(pharmacy_a, resource=pharmacist, buffer_after_minutes=5)


@pytest.fixture
def trod(pharmacy_a, pharmacist):
    return make_service(
        pharmacy_a, name="TROD angine", slug="trod", duration_minutes=15, resource=pharmacist
    )


def test_a_vaccination_at_ten_hides_the_trod_at_ten_and_refuses_it(vaccination, trod, frozen_now):
    book(vaccination, at(10))

    assert "10:00" not in walls(trod)
    assert "09:45" in walls(trod) and "10:15" in walls(trod)
    with pytest.raises(operations.SlotTaken) as taken:
        book(trod, at(10), name="Martin")
    assert [f"{s.start.astimezone(PARIS):%H:%M}" for s in taken.value.next_slots] == [
        "10:15",
        "10:30",
        "10:45",
    ]


def test_a_service_with_its_own_pharmacist_is_not_blocked(pharmacy_a, vaccination, frozen_now):
    other = Resource.objects.create(pharmacy=pharmacy_a, name="M. Garnier")
    interview = make_service(pharmacy_a, name="Entretien", slug="entretien", resource=other)
    book(vaccination, at(10))

    assert book(interview, at(10), name="Martin").start == at(10)


def test_cancelling_frees_the_pharmacist_for_the_other_service(vaccination, trod, frozen_now):
    made = book(vaccination, at(10))
    operations.cancel_booking(made, by_patient=False)

    assert "10:00" in walls(trod)
    assert book(trod, at(10), name="Martin").start == at(10)


def test_moving_onto_a_time_the_pharmacist_is_busy_is_refused(vaccination, trod, frozen_now):
    book(trod, at(11))
    made = book(vaccination, at(10))

    with pytest.raises(operations.SlotTaken):
        operations.move_booking(made, at(11), by_patient=False)
    moved = operations.move_booking(made, at(11, 15), by_patient=False)
    assert moved.start == at(11, 15)


def test_pharmacist_present_only_in_the_morning(vaccination, pharmacist, frozen_now):
    ResourceHours.objects.create(resource=pharmacist, weekday=1, opens="09:00", closes="12:00")
    vaccination = Service.objects.get(pk=vaccination.pk)

    offered = walls(vaccination)
    assert offered[0] == "09:00" and offered[-1] == "11:45"
    with pytest.raises(operations.SlotNotOffered):
        book(vaccination, at(15))


def test_a_day_the_pharmacist_is_absent_is_closed_and_a_day_they_are_busy_is_full(
    vaccination, trod, pharmacist, frozen_now
):
    """Present on Tuesdays 9h-10h only: other weekdays say "fermé"; on Tuesday, a TROD holding
    the whole hour makes the vaccination's day "complet", not "fermé"."""
    ResourceHours.objects.create(resource=pharmacist, weekday=1, opens="09:00", closes="10:00")
    for minute in (0, 15, 30, 45):
        book(trod, at(9, minute), name=f"Martin{minute}")
    vaccination = Service.objects.get(pk=vaccination.pk)
    wednesday = TUESDAY + timedelta(days=1)
    days = {d.day: d for d in availability.calendar_days(vaccination, TUESDAY, wednesday)}

    assert days[TUESDAY].state == "full" and days[TUESDAY].reason == "complet"
    assert days[wednesday].state == "closed" and days[wednesday].reason == "fermé"


def test_provisioned_pharmacy_has_its_titular_as_a_resource(pharmacy_a):
    resources = list(Resource.objects.filter(pharmacy=pharmacy_a))
    titular = pharmacy_a.pharmacists.get()
    assert [(r.name, r.kind, r.pharmacist) for r in resources] == [
        (titular.full_name, ResourceKind.PHARMACIST, titular)
    ]


def test_demo_vaccinations_share_the_room_and_interviews_the_pharmacist(pharmacy_a):
    from rdv.provisioning import VACCINATION_ROOM, seed_demo

    seed_demo(pharmacy_a)
    seed_demo(pharmacy_a)
    rooms = Resource.objects.filter(pharmacy=pharmacy_a, kind=ResourceKind.ROOM)
    assert [room.name for room in rooms] == [VACCINATION_ROOM]
    by_slug = {s.slug: s.resource for s in pharmacy_a.services.select_related("resource")}
    assert by_slug["vaccination-antigrippale"] == by_slug["trod-angine"] == rooms.get()
    assert by_slug["entretien-pharmaceutique"].kind == ResourceKind.PHARMACIST


def test_data_migration_gives_existing_services_one_pharmacist_per_pharmacy(pharmacy_a, pharmacy_b):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("rdv.migrations.0006_resources_and_agenda_feed")
    first = make_service(pharmacy_a)
    second = make_service(pharmacy_a, slug="trod", name="TROD")
    third = make_service(pharmacy_b)

    migration.default_resources(apps, None)

    first, second, third = (Service.objects.get(pk=s.pk) for s in (first, second, third))
    assert first.resource == second.resource and first.resource.name == "Pharmacien(ne)"
    assert third.resource.pharmacy == pharmacy_b


# --- admin -------------------------------------------------------------------------------


def resource_form(pharmacy, **fields):
    return nested_form_data(
        {"pharmacy": pharmacy.pk, "kind": "salle", "name": "Box de vaccination"}
        | {"pharmacist": "", "active": "on", "sort_order": 0}
        | {"hours": inline_formset([])}
        | fields
    )


def test_staff_add_a_room_in_french_and_only_their_titulars_are_offered(
    admin_client_a, pharmacy_a, pharmacy_b
):
    index = admin_client_a.get(reverse("rdv_resources:index")).content.decode()
    assert "Ajouter une ressource" in index
    page = admin_client_a.get(reverse("rdv_resources:add")).content.decode()
    assert "Présence" in page and "Box de vaccination" not in page
    assert pharmacy_a.pharmacists.get().full_name in page
    assert pharmacy_b.pharmacists.get().full_name not in page

    response = admin_client_a.post(reverse("rdv_resources:add"), resource_form(pharmacy_a))

    assert response.status_code == 302
    room = Resource.objects.get(name="Box de vaccination")
    assert room.pharmacy == pharmacy_a and room.kind == ResourceKind.ROOM
    listing = admin_client_a.get(reverse("rdv_resources:index")).content.decode()
    assert "Box de vaccination" in listing and "Salle" in listing


def test_another_pharmacy_titular_is_refused(superuser, pharmacy_a, pharmacy_b, client):
    client.force_login(superuser)
    other = TitularPharmacist.objects.get(pharmacy=pharmacy_b)

    response = client.post(
        reverse("rdv_resources:add"), resource_form(pharmacy_a, pharmacist=other.pk)
    )

    assert response.status_code == 200
    assert "n&#x27;appartient pas à cette pharmacie" in response.content.decode()
    assert not Resource.objects.filter(name="Box de vaccination").exists()


def test_staff_of_b_cannot_see_or_pick_a_resources(admin_client_b, pharmacist, pharmacy_b):
    for name in ("rdv_resources:edit", "rdv_resources:delete"):
        assert admin_client_b.get(reverse(name, args=[pharmacist.pk])).status_code == 404
    listing = admin_client_b.get(reverse("rdv_resources:index")).content.decode()
    assert "Mme Lefèvre" not in listing
    service_page = admin_client_b.get(reverse("rdv_services:add")).content.decode()
    assert "Mme Lefèvre" not in service_page


def test_a_service_saved_without_a_resource_gets_the_pharmacist(
    superuser, client, pharmacy_a, pharmacy_b, pharmacist
):
    from .test_service_hours import service_form

    client.force_login(superuser)
    service = make_service(pharmacy_a)
    response = client.post(
        reverse("rdv_services:edit", args=[service.pk]), service_form(service, [])
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.resource.kind == ResourceKind.PHARMACIST
    assert service.resource.pharmacy == pharmacy_a

    foreign = Resource.objects.create(pharmacy=pharmacy_b, name="Salle B", kind="salle")
    form = service_form(service, []) | {"resource": foreign.pk}
    refused = client.post(reverse("rdv_services:edit", args=[service.pk]), form)
    assert "Cette ressource appartient à une autre pharmacie" in refused.content.decode()
