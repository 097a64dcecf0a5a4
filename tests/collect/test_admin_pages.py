"""The admin listings render for staff and show only their own pharmacy's rows."""

from django.urls import reverse

from collect import services
from collect.models import CollectSettings

from .test_workflow import reservation_a, reservation_b  # noqa: F401 - fixtures


def test_listings_render_and_are_scoped(admin_client_a, reservation_a, reservation_b):  # noqa: F811
    reservations = admin_client_a.get(reverse("reservations:index"))
    assert reservations.status_code == 200
    html = reservations.content.decode()
    assert reservation_a.reference in html and reservation_b.reference not in html
    offers = admin_client_a.get(reverse("collect_offers:index"))
    assert offers.status_code == 200
    assert "Dentifrice fraîcheur" in offers.content.decode()
    assert "19.99" not in offers.content.decode() and "19,99" not in offers.content.decode()
    searched = admin_client_a.get(reverse("reservations:index"), {"q": "Martin"})
    assert reservation_a.reference in searched.content.decode()


def test_catalogue_import_is_for_the_agency_only(admin_client_a, superuser, client):
    assert admin_client_a.get(reverse("collect_catalogue:import")).status_code in (302, 403)
    client.force_login(superuser)
    page = client.get(reverse("collect_catalogue:import"))
    assert page.status_code == 200 and "Vérifier" in page.content.decode()
    exported = client.get(reverse("collect_catalogue:export", args=["xlsx"]))
    assert exported.status_code == 200


def test_pharmacist_sets_how_long_reservations_are_kept(
    admin_client_a,
    reservation_a,  # noqa: F811
    pharmacy_a,
):
    assert services.hold_days(reservation_a) == 7  # the default, before any setting
    add = admin_client_a.get(reverse("collect_settings:add"))
    assert add.status_code == 200 and "Réservations gardées (jours)" in add.content.decode()
    created = admin_client_a.post(
        reverse("collect_settings:add"), {"pharmacy": pharmacy_a.pk, "hold_days": "3"}
    )
    assert created.status_code == 302
    settings = CollectSettings.objects.get(pharmacy=pharmacy_a)
    edit = reverse("collect_settings:edit", args=[settings.pk])
    assert admin_client_a.get(edit).status_code == 200
    refused = admin_client_a.post(edit, {"pharmacy": pharmacy_a.pk, "hold_days": "0"})
    assert refused.status_code == 200 and "supérieure ou égale à 1" in refused.content.decode()
    admin_client_a.post(edit, {"pharmacy": pharmacy_a.pk, "hold_days": "10"})
    assert services.hold_days(reservation_a) == 10
