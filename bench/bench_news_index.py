"""A pharmacy's news index with 1,000 agency posts and 100 own posts, against a plain index of 10.

Run with ``.venv/bin/python -m bench.bench_news_index`` (DATABASE_URL picks the database; a
throwaway test database is created and dropped). Both indexes are rendered through the full
request stack (site lookup, page routing, template) in the same run, interleaved so machine noise
hits both alike. Targets: the same query count on both, median render time within 1.5x.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

AGENCY_POSTS = 1000
OWN_POSTS = 100
PLAIN_POSTS = 10
RUNS = 15
TARGET_RATIO = 1.5
TAGS = ["vaccination", "prévention", "été", "services", "conseils", "ordonnance"]


def add_posts(parent, count, prefix):
    from blog.models import BlogPostPage

    now = timezone.now()
    first = dt.date(2024, 1, 1)
    for n in range(count):
        post = BlogPostPage(
            title=f"{prefix} {n}",
            slug=f"{prefix.lower()}-{n}",
            author="Rédaction",
            date=first + dt.timedelta(days=n % 900),
            intro="Les conseils de votre pharmacien pour passer l’hiver en bonne santé.",
            body=[("paragraph", "<p>Texte de l’article.</p>")],
            live=True,
            first_published_at=now,
            last_published_at=now,
        )
        post.tags.set([TAGS[n % len(TAGS)], TAGS[(n + 2) % len(TAGS)]])
        parent.add_child(instance=post)


def build():
    from wagtail.models import Page, Site

    from blog.demo import ensure_agency_blog
    from blog.models import NewsIndexPage
    from cms.models import HomePage
    from tests.factories import make_pharmacy

    home = HomePage(title="Agence", slug="agence")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(hostname="agence.bench", root_page=home)
    blog = ensure_agency_blog(home)
    big = make_pharmacy("Pharmacie Grande", "grande.bench")
    plain = make_pharmacy("Pharmacie Simple", "simple.bench")
    big_index = NewsIndexPage.objects.child_of(big.site.root_page).get()
    plain_index = NewsIndexPage.objects.child_of(plain.site.root_page).get()
    plain_index.hide_agency_posts = True
    plain_index.save_revision().publish()
    add_posts(blog, AGENCY_POSTS, "Agence")
    add_posts(big_index, OWN_POSTS, "Grande")
    add_posts(plain_index, PLAIN_POSTS, "Simple")


def measure(client) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.get("/actualites/")
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return elapsed, len(ctx.captured_queries)


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        build()
        print(
            f"built {AGENCY_POSTS + OWN_POSTS + PLAIN_POSTS} posts in "
            f"{time.perf_counter() - started:.1f}s ({connection.vendor})"
        )
        clients = {
            "plain (10 own)": Client(HTTP_HOST="simple.bench"),
            "large (1000 agency + 100 own)": Client(HTTP_HOST="grande.bench"),
        }
        for client in clients.values():
            measure(client)  # warm-up
        times = {name: [] for name in clients}
        queries = {}
        for _ in range(RUNS):
            for name, client in clients.items():
                elapsed, count = measure(client)
                times[name].append(elapsed)
                queries[name] = count
        medians = {name: statistics.median(values) for name, values in times.items()}
        for name in clients:
            print(f"{name:32} median {medians[name] * 1000:7.1f} ms   {queries[name]} queries")
        plain, large = medians.values()
        ratio = large / plain
        same_queries = len(set(queries.values())) == 1
        print(
            f"ratio {ratio:.2f}x (target ≤ {TARGET_RATIO}x); "
            f"query count {'constant' if same_queries else 'NOT constant'}"
        )
        return 0 if ratio <= TARGET_RATIO and same_queries else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
