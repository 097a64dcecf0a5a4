"""The agency site (the default site) with its blog, and a builder for posts."""

import datetime as dt

import pytest
from django.test import Client
from django.utils.text import slugify
from wagtail.models import Page, Site

from blog.demo import ensure_agency_blog
from blog.models import BlogPostPage, NewsIndexPage
from blog.roles import setup_agency_editors
from cms.models import HomePage
from tests.factories import make_pharmacy

AGENCY_HOST = "agence.test"


def make_post(parent, title, *, date=None, tags=(), intro="", body="", publish=True, **fields):
    post = BlogPostPage(
        title=title,
        slug=slugify(title),
        date=date or dt.date(2026, 9, 1),
        author=fields.pop("author", "Rédaction"),
        intro=intro or f"Chapeau de l’article « {title} ».",
        body=[("paragraph", f"<p>{body or 'Texte de l’article.'}</p>")],
        live=False,
        **fields,
    )
    post.tags.set(list(tags))
    parent.add_child(instance=post)
    revision = post.save_revision()
    if publish:
        revision.publish()
        post.refresh_from_db()
    return post


def news_index(pharmacy) -> NewsIndexPage:
    return NewsIndexPage.objects.child_of(pharmacy.site.root_page).get()


@pytest.fixture
def agency_home(db):
    home = HomePage(title="Officine — le réseau", slug="agence")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = AGENCY_HOST, 80, home, "Agence"
    site.save()
    return home


@pytest.fixture
def agency_blog(agency_home):
    blog = ensure_agency_blog(agency_home)
    setup_agency_editors(blog)
    return blog


@pytest.fixture
def agency_client(agency_home):
    return Client(HTTP_HOST=AGENCY_HOST)


@pytest.fixture
def agency_editor(agency_blog, django_user_model):
    from blog.roles import AGENCY_EDITORS_GROUP

    user = django_user_model.objects.create_user("redaction", "redaction@agence.test", "pw-T-2026")
    user.groups.add(user.groups.model.objects.get(name=AGENCY_EDITORS_GROUP))
    return user


@pytest.fixture
def agency_editor_client(agency_editor):
    client = Client()
    client.force_login(agency_editor)
    return client


@pytest.fixture
def pharmacy_c(db):
    return make_pharmacy("Pharmacie C", "pharmacie-c.test")
