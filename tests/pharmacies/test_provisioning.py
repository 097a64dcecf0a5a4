"""create_pharmacy: the whole tenant in one go, idempotent, clear errors."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import GroupPagePermission, Site

from cms.models import HomePage, LegalNoticePage
from pharmacies.models import Pharmacy

ARGS = [
    "--name",
    "Pharmacie du Port",
    "--hostname",
    "pharmacie-du-port.test",
    "--street",
    "1 quai Est",
    "--postal-code",
    "13002",
    "--city",
    "Marseille",
    "--phone",
    "04 91 00 00 00",
    "--email",
    "contact@port.test",
    "--licence",
    "13#000111",
    "--ars",
    "pac",
    "--health-data-host",
    "HDS Test",
    "--pharmacist",
    "Jeanne Roux:10100000099",
    "--user",
    "jeanne",
    "--user-email",
    "jeanne@port.test",
    "--user-password",
    "Port-2026-pw",
]


@pytest.mark.django_db
def test_create_pharmacy_builds_the_tenant_and_is_idempotent(capsys):
    call_command("create_pharmacy", *ARGS)
    pharmacy = Pharmacy.objects.get(slug="pharmacie-du-port")
    site = pharmacy.site
    assert site.hostname == "pharmacie-du-port.test"
    assert isinstance(site.root_page.specific, HomePage)
    assert LegalNoticePage.objects.child_of(site.root_page).live().exists()
    assert pharmacy.collection.name == "Pharmacie du Port"
    assert pharmacy.pharmacists.get().rpps == "10100000099"
    assert GroupPagePermission.objects.filter(
        group=pharmacy.staff_group, page=site.root_page, permission__codename="change_page"
    ).exists()
    user = pharmacy.staff_group.user_set.get()
    assert user.username == "jeanne" and user.check_password("Port-2026-pw")
    assert user.has_perm("wagtailadmin.access_admin")
    counts = (Pharmacy.objects.count(), Site.objects.count(), HomePage.objects.count())

    call_command("create_pharmacy", *ARGS)
    assert (Pharmacy.objects.count(), Site.objects.count(), HomePage.objects.count()) == counts
    assert "Already exists" in capsys.readouterr().out


@pytest.mark.django_db
def test_duplicate_hostname_is_refused_with_a_clear_message(pharmacy_a):
    args = list(ARGS)
    args[args.index("pharmacie-du-port.test")] = pharmacy_a.site.hostname
    with pytest.raises(CommandError, match="already used by 'Pharmacie A'"):
        call_command("create_pharmacy", *args)
    assert not Pharmacy.objects.filter(slug="pharmacie-du-port").exists()


@pytest.mark.django_db
def test_bad_input_is_refused():
    args = list(ARGS)
    args[args.index("contact@port.test")] = "not-an-email"
    with pytest.raises(CommandError, match="invalid email"):
        call_command("create_pharmacy", *args)
    args = list(ARGS)
    args[args.index("Jeanne Roux:10100000099")] = "Jeanne Roux:123"
    with pytest.raises(CommandError, match="11 digits"):
        call_command("create_pharmacy", *args)


def test_superuser_admin_form_provisions(superuser, client):
    client.force_login(superuser)
    data = {
        "name": "Pharmacie Neuve",
        "hostname": "neuve.test",
        "street": "2 rue Neuve",
        "postal_code": "35000",
        "city": "Rennes",
        "phone": "02 99 00 00 00",
        "email": "contact@neuve.test",
        "licence_number": "35#1",
        "ars": "bre",
        "health_data_host": "HDS",
        "pharmacist_name": "Paul Neuf",
        "pharmacist_rpps": "10100000111",
    }
    response = client.post("/admin/pharmacies/nouvelle/", data)
    assert response.status_code == 302
    assert Pharmacy.objects.get(site__hostname="neuve.test").name == "Pharmacie Neuve"
    again = client.post("/admin/pharmacies/nouvelle/", {**data, "name": "Autre"})
    assert again.status_code == 200
    assert "already used" in again.content.decode()


@pytest.mark.django_db
def test_seed_demo_is_repeatable():
    call_command("seed_demo")
    counts = (Pharmacy.objects.count(), Site.objects.count(), HomePage.objects.count())
    call_command("seed_demo")
    assert (Pharmacy.objects.count(), Site.objects.count(), HomePage.objects.count()) == counts
    hosts = set(Site.objects.values_list("hostname", flat=True))
    assert {"localhost", "pharmacie-du-centre.localhost", "pharmacie-des-halles.localhost"} <= hosts
