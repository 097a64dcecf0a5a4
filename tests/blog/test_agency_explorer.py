"""Agency editors find, fix and unpublish anything on the agency site; pharmacists their own tree."""

from wagtail.models import Page

from .conftest import make_post, news_index


def listing(client, page) -> str:
    response = client.get(f"/admin/pages/{page.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_agency_editor_explorer_opens_on_the_agency_site(agency_blog, agency_editor_client):
    response = agency_editor_client.get("/admin/pages/")
    home = agency_blog.get_parent()
    assert response.status_code == 302 and response["Location"] == f"/admin/pages/{home.pk}/"
    html = listing(agency_editor_client, home)
    assert "Blog" in html or agency_blog.title in html


def test_agency_editor_sees_every_post_published_or_not(agency_blog, agency_editor_client):
    make_post(agency_blog, "Campagne grippe")
    make_post(agency_blog, "Brouillon canicule", publish=False)
    html = listing(agency_editor_client, agency_blog)
    assert "Campagne grippe" in html and "Brouillon canicule" in html
    found = agency_editor_client.get("/admin/pages/search/", {"q": "canicule"}).content.decode()
    assert "Brouillon canicule" in found


def test_agency_editor_edits_the_home_and_unpublishes_a_post(agency_blog, agency_editor_client):
    post = make_post(agency_blog, "Article à retirer")
    home = agency_blog.get_parent()
    assert agency_editor_client.get(f"/admin/pages/{home.pk}/edit/").status_code == 200
    assert agency_editor_client.get(f"/admin/pages/{post.pk}/edit/").status_code == 200
    response = agency_editor_client.post(f"/admin/pages/{post.pk}/unpublish/")
    assert response.status_code == 302
    assert not Page.objects.get(pk=post.pk).live


def test_agency_editor_sees_no_pharmacy_page(agency_blog, agency_editor_client, pharmacy_a):
    own = make_post(news_index(pharmacy_a), "Garde de la pharmacie A")
    found = agency_editor_client.get("/admin/pages/search/", {"q": "Garde"}).content.decode()
    assert "Garde de la pharmacie A" not in found
    assert agency_editor_client.get(f"/admin/pages/{own.pk}/edit/").status_code == 404


def test_pharmacist_still_sees_only_their_own_tree(agency_blog, admin_client_a, pharmacy_a):
    make_post(agency_blog, "Actualité du réseau")
    mine = make_post(news_index(pharmacy_a), "Horaires estivaux")
    response = admin_client_a.get("/admin/pages/")
    assert response["Location"] == f"/admin/pages/{pharmacy_a.site.root_page.pk}/"
    found = admin_client_a.get("/admin/pages/search/", {"q": "Actualité"}).content.decode()
    assert "Actualité du réseau" not in found
    agency = admin_client_a.get(f"/admin/pages/{agency_blog.pk}/", follow=True).content.decode()
    assert "Actualité du réseau" not in agency
    assert "Horaires estivaux" in listing(admin_client_a, news_index(pharmacy_a))
    assert admin_client_a.get(f"/admin/pages/{mine.pk}/edit/").status_code == 200
