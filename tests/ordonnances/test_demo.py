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


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    for pharmacy in Pharmacy.objects.all():
        pages = ContentPage.objects.child_of(pharmacy.site.root_page).filter(slug="ordonnance")
        assert pages.count() == 1
