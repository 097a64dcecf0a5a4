"""Journey 4: an agency editor writes and publishes a post in the Wagtail admin; every pharmacy shows it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from blog.models import BlogPostPage
from blog.roles import AGENCY_EDITORS_GROUP

from .conftest import admin_login, run_axe, screenshot, site_url

pytestmark = pytest.mark.e2e

TITLE = "Vaccination contre la grippe : c'est le moment"


def test_agency_editor_publishes_a_post_that_appears_on_every_pharmacy_site(
    live_server, e2e_pharmacies, e2e_agency, desktop_page, phone_page, django_user_model
):
    editor = django_user_model.objects.create_user(
        "redaction", "redaction@agence.test", "pw-Test-2026"
    )
    editor.groups.add(Group.objects.get(name=AGENCY_EDITORS_GROUP))
    blog = e2e_agency
    port = live_server.url.rsplit(":", 1)[1]
    agency = f"http://agence.localhost:{port}"

    admin = desktop_page
    admin_login(admin, f"{agency}/admin/login/", editor.username)
    admin.goto(f"{agency}/admin/pages/add/blog/blogpostpage/{blog.pk}/")
    admin.fill("#id_title", TITLE)
    admin.fill("#id_date", dt.date.today().isoformat())
    admin.fill("#id_intro", "Les pharmacies du réseau vaccinent sans rendez-vous jusqu'en janvier.")
    admin.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    admin.get_by_role("button", name="Publier").click()
    admin.wait_for_url(f"**/admin/pages/{blog.pk}/**")

    post = BlogPostPage.objects.get(title=TITLE)
    assert post.live
    for pharmacy, page in zip(e2e_pharmacies, [phone_page, desktop_page], strict=True):
        page.goto(site_url(live_server, pharmacy, "/actualites/"))
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_selector("h1")
        assert TITLE in page.locator("h1").inner_text()
        assert pharmacy.name in page.title()
        assert page.url.startswith(site_url(live_server, pharmacy, "/actualites/"))
        assert run_axe(page) == []
    screenshot(phone_page, "actualite-phone")
