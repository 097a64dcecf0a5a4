"""Thousands of pharmacy sites in seconds, through the real models' tables, for `bench.run_all`.

Provisioning a pharmacy with the real code takes about half a second (its page tree, revisions,
collection, group and permissions), so 10,000 of them would take more than an hour. The site-count
benchmarks only need what a request touches: a home page (a `cms.HomePage` with a body copied from
the page under test), its news index (`blog.NewsIndexPage`, so the news block has something to
list), the `Site` and the `Pharmacy`. They are written with one `INSERT … SELECT generate_series`
statement (data-modifying CTEs), with treebeard paths and URL paths computed in SQL the way
treebeard and Wagtail compute them, so Wagtail reads them like any other page.
"""

from __future__ import annotations

import json
import time

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node.alphabet
BULK_SLUG = "bench-site-"


def _base36(expr: str) -> str:
    """SQL for treebeard's 4-character base-36 step of the integer `expr`."""
    return " || ".join(
        f"substr('{ALPHABET}', (({expr}) / {36**power}) %% 36 + 1, 1)" for power in (3, 2, 1, 0)
    )


_PHARMACY_COLUMNS = """name, slug, legal_name, street, postal_code, city, phone, email, licence_number,
    siret, ars, health_data_host, web_host, closed_on_public_holidays, holiday_subdivision,
    notification_email, email_enabled, sms_enabled, sms_sender, prescription_retention_days,
    created_at, site_id"""


def bulk_site_host(number: int) -> str:
    return f"site-{number}.bench.test"


def bulk_sites(count: int, body) -> float:
    """Add `count` pharmacy sites under the tree's root; returns the seconds it took.

    Numbers continue after the bulk sites already there, so it can be called again to grow.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connection, transaction
    from wagtail.models import Locale, Page

    from blog.models import NewsIndexPage
    from cms.models import HomePage
    from pharmacies.models import Pharmacy

    started = time.perf_counter()
    root = Page.get_first_root_node()
    last = Page.objects.filter(depth=2).order_by("-path").values_list("path", flat=True).first()
    first_step = int(last[-4:], 36) + 1 if last else 1
    already = Page.objects.filter(depth=2, slug__startswith=BULK_SLUG).count()
    if first_step + count >= 36**4:
        raise ValueError("treebeard steps exhausted under the root")
    page_columns = """
        (path, depth, numchild, title, draft_title, slug, url_path, live, has_unpublished_changes,
         seo_title, show_in_menus, search_description, expired, locked, content_type_id,
         translation_key, locale_id, first_published_at, last_published_at)
    """
    params = {
        "root": root.path,
        "first_step": first_step,
        "first": already,
        "count": count,
        "home_ct": ContentType.objects.get_for_model(HomePage).pk,
        "news_ct": ContentType.objects.get_for_model(NewsIndexPage).pk,
        "locale": Locale.get_default().pk,
        "body": json.dumps(body, cls=DjangoJSONEncoder),
    }
    # Every other non-null column of the Pharmacy (branding, options added since) takes its model
    # default, so a new field does not break the seeding.
    written = set(_PHARMACY_COLUMNS.replace(",", " ").split()) | {"id"}
    defaults = [f for f in Pharmacy._meta.concrete_fields if f.column not in written and not f.null]
    for field in defaults:
        params[f"d_{field.column}"] = field.get_db_prep_save(field.get_default(), connection)
    default_columns = "".join(f", {f.column}" for f in defaults)
    default_values = "".join(f", %(d_{f.column})s" for f in defaults)
    sql = f"""
    WITH numbers AS (
        SELECT i, %(first)s + i AS n FROM generate_series(0, %(count)s - 1) AS i
    ), homes AS (
        INSERT INTO wagtailcore_page {page_columns}
        SELECT %(root)s || {_base36("%(first_step)s + i")}, 2, 1,
               'Pharmacie ' || n, 'Pharmacie ' || n, '{BULK_SLUG}' || n,
               '/{BULK_SLUG}' || n || '/', true, false, '', false, '', false, false,
               %(home_ct)s, gen_random_uuid(), %(locale)s, now(), now()
        FROM numbers
        RETURNING id, path, url_path, title, slug
    ), home_rows AS (
        INSERT INTO cms_homepage (page_ptr_id, body, intro)
        SELECT id, %(body)s::jsonb, '' FROM homes
    ), news AS (
        INSERT INTO wagtailcore_page {page_columns}
        SELECT path || '0001', 3, 0, 'Actualités', 'Actualités', 'actualites',
               url_path || 'actualites/', true, false, '', true, '', false, false,
               %(news_ct)s, gen_random_uuid(), %(locale)s, now(), now()
        FROM homes
        RETURNING id
    ), news_rows AS (
        INSERT INTO blog_newsindexpage (page_ptr_id, intro, hide_agency_posts, hidden_agency_tags)
        SELECT id, '', false, '' FROM news
    ), sites AS (
        INSERT INTO wagtailcore_site (hostname, port, is_default_site, root_page_id, site_name)
        SELECT 'site-' || substr(slug, {len(BULK_SLUG) + 1}) || '.bench.test', 80, false, id, title
        FROM homes
        RETURNING id, site_name, hostname
    )
    INSERT INTO pharmacies_pharmacy ({_PHARMACY_COLUMNS}{default_columns})
    SELECT site_name, 'bench-' || id, '', '1 rue du Banc', '75002', 'Paris', '01 23 45 67 89',
           'contact@' || hostname, '75#' || id, '', 'idf', 'Hébergeur HDS', '', false, '',
           'contact@' || hostname, true, true, 'Pharmacie', 90, now(), id{default_values}
    FROM sites
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(
            "UPDATE wagtailcore_page SET numchild = numchild + %s WHERE id = %s", [count, root.pk]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wagtailcore_page")
        cursor.execute("ANALYZE wagtailcore_site")
        cursor.execute("ANALYZE pharmacies_pharmacy")
    return time.perf_counter() - started


def body_of(page) -> list:
    """A page's StreamField as stored (JSON), to give the bulk homes the same blocks."""
    return page.specific.body.get_prep_value()


def forget_caches() -> None:
    """After rows written without signals: Wagtail's list and our per-site entries start over."""
    from django.core.cache import cache
    from wagtail.models import Site

    from cms import sites

    Site.clear_site_root_paths_cache()
    sites.forget_all()
    cache.delete_many([sites._COUNT_KEY])


def wagtail_root_paths_cost() -> tuple[float, int]:
    """(seconds to rebuild, pickled bytes) of Wagtail's all-sites list, for the record."""
    import pickle

    from wagtail.models import Site

    Site.clear_site_root_paths_cache()
    started = time.perf_counter()
    paths = Site.get_site_root_paths()
    took = time.perf_counter() - started
    return took, len(pickle.dumps([tuple(p) for p in paths]))
