"""Agency editors write and publish agency news only; pharmacists cannot touch agency posts."""

import datetime as dt

from django.utils.text import slugify
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from blog.models import BlogPostPage

from .conftest import make_post, news_index


def assert_denied(response):
    """Wagtail answers a page action without permission by sending the user back to the dashboard."""
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def _post_form(title, action):
    return nested_form_data(
        {
            "title": title,
            "slug": slugify(title),
            "author": "Rédaction agence",
            "date": "2026-10-13",
            "tags": "vaccination, grippe",
            "header_image": "",
            "header_image_alt": "",
            "header_caption": "",
            "intro": "La campagne commence le 13 octobre.",
            "body": streamfield(
                [("paragraph", rich_text("<p>Faites-vous vacciner en pharmacie.</p>"))]
            ),
            "comments": inline_formset([]),
            "go_live_at": "",
            "expire_at": "",
            action: "x",
        }
    )


def test_agency_editor_publishes_an_agency_post(agency_blog, agency_editor_client, client_a):
    response = agency_editor_client.post(
        f"/admin/pages/add/blog/blogpostpage/{agency_blog.pk}/",
        _post_form("Vaccination antigrippale 2026", "action-publish"),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    post = BlogPostPage.objects.get(title="Vaccination antigrippale 2026")
    assert post.live and post.get_parent().pk == agency_blog.pk
    assert sorted(t.name for t in post.tags.all()) == ["grippe", "vaccination"]
    assert "Vaccination antigrippale 2026" in client_a.get("/actualites/").content.decode()
    assert agency_editor_client.get(f"/admin/pages/{post.pk}/edit/").status_code == 200


def test_agency_editor_submits_for_moderation(agency_blog, agency_editor_client):
    response = agency_editor_client.post(
        f"/admin/pages/add/blog/blogpostpage/{agency_blog.pk}/",
        _post_form("Conseils canicule", "action-submit"),
    )
    assert response.status_code == 302
    post = BlogPostPage.objects.get(title="Conseils canicule")
    assert not post.live
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(post.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Validation par la rédaction"


def test_agency_editor_cannot_edit_pharmacy_pages(
    agency_blog, agency_editor_client, pharmacy_a, staff_a
):
    """A pharmacy's pages are another pharmacy's for the agency editors too: as if they did not exist."""
    index_a = news_index(pharmacy_a)
    own = make_post(index_a, "Garde du dimanche")
    for page in (pharmacy_a.site.root_page, index_a, own):
        assert agency_editor_client.get(f"/admin/pages/{page.pk}/edit/").status_code == 404
    response = agency_editor_client.post(
        f"/admin/pages/add/blog/blogpostpage/{index_a.pk}/",
        _post_form("Intrusion", "action-publish"),
    )
    assert response.status_code == 404
    assert not BlogPostPage.objects.filter(title="Intrusion").exists()


def test_pharmacist_cannot_edit_agency_posts(agency_blog, pharmacy_a, admin_client_a):
    post = make_post(agency_blog, "Conseils canicule", date=dt.date(2026, 7, 1))
    assert_denied(admin_client_a.get(f"/admin/pages/{post.pk}/edit/"))
    response = admin_client_a.post(
        f"/admin/pages/{post.pk}/edit/", _post_form("Titre modifié", "action-publish")
    )
    assert_denied(response)
    post.refresh_from_db()
    assert post.title == "Conseils canicule"
    assert_denied(admin_client_a.post(f"/admin/pages/{post.pk}/unpublish/"))
    assert Page.objects.get(pk=post.pk).live


def test_pharmacist_writes_own_post(agency_blog, pharmacy_a, admin_client_a, client_a, client_b):
    index_a = news_index(pharmacy_a)
    response = admin_client_a.post(
        f"/admin/pages/add/blog/blogpostpage/{index_a.pk}/",
        _post_form("Nouveaux horaires", "action-publish"),
    )
    assert response.status_code == 302
    assert "Nouveaux horaires" in client_a.get("/actualites/").content.decode()
    assert "Nouveaux horaires" not in client_b.get("/actualites/").content.decode()


def test_agency_editor_previews_a_new_post(agency_blog, agency_editor_client):
    url = f"/admin/pages/add/blog/blogpostpage/{agency_blog.pk}/preview/"
    posted = agency_editor_client.post(url, _post_form("Aperçu canicule", "action-publish"))
    assert posted.status_code == 200 and posted.json()["is_valid"]
    preview = agency_editor_client.get(url)
    assert preview.status_code == 200
    assert "<h1>Aperçu canicule</h1>" in preview.content.decode()


def test_pharmacy_pages_are_not_sent_to_agency_moderators(agency_blog, pharmacy_a):
    """Only the agency blog is moderated; a pharmacy's own pages have no workflow."""
    home = pharmacy_a.site.root_page.specific
    assert home.get_workflow() is None
    assert agency_blog.get_workflow() is not None
