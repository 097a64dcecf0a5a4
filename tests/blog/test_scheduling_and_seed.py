"""Scheduled posts go live with the periodic task; demo content and default pages are idempotent."""

import datetime as dt

import time_machine
from django.utils import timezone

from blog.demo import seed_agency_blog, seed_pharmacy_news
from blog.models import BlogIndexPage, BlogPostPage, NewsIndexPage
from blog.provisioning import default_pages
from blog.tasks import publish_scheduled
from config.celery import app as celery_app

from .conftest import make_post


def test_scheduled_post_goes_live_when_the_periodic_task_runs(agency_blog, client_a):
    go_live = timezone.now() + dt.timedelta(hours=2)
    post = make_post(agency_blog, "Semaine de la vaccination", publish=False)
    post.go_live_at = go_live
    post.save_revision().publish()
    post.refresh_from_db()
    assert not post.live
    assert "Semaine de la vaccination" not in client_a.get("/actualites/").content.decode()

    publish_scheduled.delay()
    assert not BlogPostPage.objects.get(pk=post.pk).live

    with time_machine.travel(go_live + dt.timedelta(minutes=1), tick=False):
        publish_scheduled.delay()
    assert BlogPostPage.objects.get(pk=post.pk).live
    first = client_a.get("/actualites/")
    assert first["X-Officine-Cache"] == "stale", "the first visitor does not wait for the render"
    assert "Semaine de la vaccination" in client_a.get("/actualites/").content.decode()


def test_periodic_task_is_in_the_beat_schedule():
    entry = celery_app.conf.beat_schedule["blog-publish-scheduled"]
    assert entry["task"] == publish_scheduled.name
    assert entry["schedule"] <= 300


def test_seed_demo_agency_creates_three_french_posts_once(agency_home, pharmacy_a, client_a):
    seed_agency_blog(agency_home)
    seed_agency_blog(agency_home)
    blog = BlogIndexPage.objects.child_of(agency_home).get()
    titles = sorted(BlogPostPage.objects.child_of(blog).live().values_list("title", flat=True))
    assert len(titles) == 3
    assert any("vaccination antigrippale 2026" in t.lower() for t in titles)
    assert any("ordonnance en ligne" in t.lower() for t in titles)
    assert any("canicule" in t.lower() for t in titles)
    html = client_a.get("/actualites/").content.decode()
    assert all(title in html for title in titles)


def test_pharmacy_default_pages_are_idempotent(pharmacy_a):
    home = pharmacy_a.site.root_page.specific
    assert default_pages(home) == []
    seed_pharmacy_news(pharmacy_a)
    assert NewsIndexPage.objects.child_of(home).count() == 1
