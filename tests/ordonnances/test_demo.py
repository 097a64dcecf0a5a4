"""Every pharmacy starts with an upload page; the demo seed is idempotent."""

from django.core.management import call_command

from cms.models import ContentPage
from pharmacies.models import Pharmacy


def test_new_pharmacy_has_upload_page(pharmacy_a, client_a):
    page = ContentPage.objects.child_of(pharmacy_a.site.root_page).get(slug="ordonnance")
    assert page.live and page.show_in_menus
    assert [b.block_type for b in page.body] == ["prescription_upload"]
    html = client_a.get("/").content.decode()
    assert 'href="/ordonnance/"' in html  # in the site menu


def upload_pages_by_host():
    """Each pharmacy's hostname with the ids and blocks of the upload pages under its home."""
    return {
        pharmacy.site.hostname: [
            (page.pk, page.live, [block.block_type for block in page.body])
            for page in ContentPage.objects.child_of(pharmacy.site.root_page).filter(
                slug="ordonnance"
            )
        ]
        for pharmacy in Pharmacy.objects.select_related("site")
    }


def test_seed_demo_gives_each_demo_pharmacy_its_upload_page_once(db):
    call_command("seed_demo", verbosity=0)
    seeded = upload_pages_by_host()

    assert set(seeded) == {"pharmacie-du-centre.localhost", "pharmacie-des-halles.localhost"}
    for pages in seeded.values():
        [(_pk, live, blocks)] = pages
        assert live and blocks == ["prescription_upload"]

    call_command("seed_demo", verbosity=0)
    assert upload_pages_by_host() == seeded


def test_seed_demo_gives_each_demo_pharmacy_a_renewable_prescription(db):
    from ordonnances.models import Dispensing, RenewalSchedule, Status
    from ordonnances.renewals import due_dispensings

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    schedules = list(RenewalSchedule.objects.select_related("prescription"))
    assert len(schedules) == 2 == Pharmacy.objects.count()
    for schedule in schedules:
        assert schedule.prescription.status == Status.COLLECTED  # dispensing 1 done
        assert schedule.prescription.files.count() == 1
        [due] = Dispensing.objects.filter(schedule=schedule)
        assert (due.number, due.status, due.label) == (2, Status.RECEIVED, "2/3")
        assert schedule.remaining == 2
    assert len(due_dispensings()) == 2  # both in their pharmacy's "à préparer" list
