"""Page URLs whose cost does not grow with the number of sites.

Wagtail builds a page's URL from `Site.get_site_root_paths()`: one cache entry listing every site
(315 KiB at 5,000 sites), read on every request, scanned once per URL built, and rebuilt by every
worker after any Site is saved. With thousands of pharmacy sites that list is the main per-request
cost (docs/performance.md). Here the same answer is computed from the page's own ancestors: a small
cache entry per URL path prefix says which sites are rooted there, so a URL costs a few dictionary
lookups (one cache read for the first URL of a request) whatever the number of sites.

Semantics are Wagtail's (`Page.get_url_parts`, `get_url`): the most specific root first, then the
default site, then the hostname; a page on the current site gets a local URL, any other a full one.
`SiteUrlsMixin` puts it on our page types through the methods Wagtail documents for overriding;
with `WAGTAIL_I18N_ENABLED` (root-page translations) Wagtail's own code is used instead.

Entries are dropped when what they describe changes: a Site saved or deleted (its root's path and
the paths above it), a page moved or renamed (the roots inside it, before and after).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from wagtail.models import Page, Site
from wagtail.models.sites import SiteRootPath
from wagtail.signals import page_slug_changed, post_page_move

from pharmacies import tenancy

logger = logging.getLogger("officine.sites")

ROOTS_CACHE_SECONDS = 24 * 3600
_ROOTS_KEY = "officine:site:roots:"
_COUNT_KEY = "officine:site:count"
_MEMO = "_officine_site_roots"
_COUNT_MEMO = "_officine_site_count"


def _i18n() -> bool:
    return getattr(settings, "WAGTAIL_I18N_ENABLED", False)


def _key(url_path: str) -> str:
    return _ROOTS_KEY + hashlib.blake2b(url_path.encode(), digest_size=16).hexdigest()


def url_path_prefixes(url_path: str) -> list[str]:
    """ "/a/b/" -> ["/", "/a/", "/a/b/"]: the URL paths of the page's ancestors and of itself."""
    prefixes, current = ["/"], "/"
    for segment in [s for s in url_path.split("/") if s]:
        current += segment + "/"
        prefixes.append(current)
    return prefixes


def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(Page.steplen, len(path) + 1, Page.steplen)]


def _load(page, wanted: list[str]) -> dict[str, tuple]:
    """Entries for these URL path prefixes of `page`, from the database.

    An entry is (roots, nested): the sites rooted at that prefix, as (site id, root URL, language code)
    in Wagtail's order, and whether other site roots lie below it. The query goes by the ancestors'
    tree paths (a unique index), so it does not grow with the number of sites either.
    """
    by_url_path = {prefix: [] for prefix in wanted}
    roots = (
        Site.objects.filter(root_page__path__in=_ancestor_paths(page.path))
        .order_by("-root_page__url_path", "-is_default_site", "hostname")
        .values_list(
            "id",
            "hostname",
            "port",
            "root_page__url_path",
            "root_page__path",
            "root_page__locale__language_code",
        )
    )
    root_paths = {}
    for site_id, hostname, port, root_url_path, root_path, language_code in roots:
        if root_url_path in by_url_path:
            root_url = Site(hostname=hostname, port=port).root_url
            by_url_path[root_url_path].append((site_id, root_url, language_code))
            root_paths[root_url_path] = root_path
    entries = {}
    for prefix, found in by_url_path.items():
        nested = (
            Site.objects.filter(root_page__path__startswith=root_paths[prefix])
            .exclude(root_page__path=root_paths[prefix])
            .exists()
            if found
            else True
        )
        entries[prefix] = (tuple(found), nested)
    return entries


def _entries(page, cache_object) -> dict[str, tuple]:
    """The entries of the page's URL path prefixes that matter, memoised on `cache_object`.

    Walking from the tree's root down, once the closest site root is known to hold no other site
    below it, the deeper prefixes cannot be roots: nothing more is read. So every page of the
    current site after the first costs no cache read at all.
    """
    memo = getattr(cache_object, _MEMO, None)
    if memo is None:
        memo = {}
        try:
            setattr(cache_object, _MEMO, memo)
        except AttributeError:
            pass
    prefixes = url_path_prefixes(page.url_path)
    needed = []
    for prefix in prefixes:
        entry = memo.get(prefix)
        if entry is None:
            needed.append(prefix)
        elif entry[0] and not entry[1] and not needed:
            break  # a site root with no site below it: the deeper prefixes are plain pages
    if needed:
        keys = {prefix: _key(prefix) for prefix in needed}
        try:
            found = cache.get_many(list(keys.values()))
        except Exception:  # noqa: BLE001 - a cache outage degrades to the database
            logger.exception("Site roots cache unavailable; reading the database")
            found, keys = {}, {}
        missing = [prefix for prefix in needed if keys.get(prefix) not in found]
        for prefix in needed:
            if prefix not in missing:
                memo[prefix] = found[keys[prefix]]
        if missing:
            loaded = _load(page, missing)
            memo.update(loaded)
            if keys:
                try:
                    cache.set_many(
                        {keys[prefix]: entry for prefix, entry in loaded.items()},
                        ROOTS_CACHE_SECONDS,
                    )
                except Exception:  # noqa: BLE001
                    logger.exception("Could not cache site roots")
    return memo


def site_root_paths(page, cache_object=None) -> tuple[SiteRootPath, ...]:
    """What Wagtail's `page._get_relevant_site_root_paths()` returns, without the all-sites list."""
    entries = _entries(page, cache_object if cache_object is not None else page)
    result = []
    for prefix in reversed(url_path_prefixes(page.url_path)):  # the most specific root first
        entry = entries.get(prefix)
        if entry is None:
            continue
        for site_id, root_url, language_code in entry[0]:
            result.append(SiteRootPath(site_id, prefix, root_url, language_code))
    return tuple(result)


def url_parts(page, request=None):
    """`Page.get_url_parts` with the page's own site roots (same answers, same tie-breaks)."""
    if _i18n():
        return Page.get_url_parts(page, request=request)
    possible_sites = site_root_paths(page, request)
    if not possible_sites:
        return None
    site_id, root_path, root_url, _language_code = possible_sites[0]
    if len({values[0] for values in possible_sites}) > 1 and isinstance(request, HttpRequest):
        site = Site.find_for_request(request)
        if site:
            for values in possible_sites:
                if values[0] == site.pk:
                    site_id, root_path, root_url, _language_code = values
                    break
    try:
        page_path = reverse("wagtail_serve", args=(page.url_path[len(root_path) :],))
    except NoReverseMatch:
        return (site_id, None, None)
    if not getattr(settings, "WAGTAIL_APPEND_SLASH", True) and page_path != "/":
        page_path = page_path.rstrip("/")
    return (site_id, root_url, page_path)


def site_id(page, cache_object=None) -> int | None:
    """The id of the site `page.get_site()` returns (its first site root, as `get_url_parts`
    without a request picks it), without loading the Site: a request's URLs have read the
    entries already when `cache_object` is that request."""
    if _i18n():
        parts = Page.get_url_parts(page)
        return parts[0] if parts else None
    possible_sites = site_root_paths(page, cache_object)
    return possible_sites[0][0] if possible_sites else None


def site_count(cache_object=None) -> int:
    """Number of sites: a local URL is enough when there is only one."""
    count = getattr(cache_object, _COUNT_MEMO, None)
    if count is None:
        count = cache.get(_COUNT_KEY)
        if count is None:
            count = Site.objects.count()
            cache.set(_COUNT_KEY, count, ROOTS_CACHE_SECONDS)
        if cache_object is not None:
            setattr(cache_object, _COUNT_MEMO, count)
    return count


def page_url(page, request=None, current_site=None):
    """`Page.get_url`: local on the current site (or when there is one site), full otherwise."""
    if _i18n():
        return Page.get_url(page, request=request, current_site=current_site)
    if current_site is None and request is not None:
        current_site = Site.find_for_request(request)
    parts = page.get_url_parts(request=request)
    if parts is None or parts[1] is None and parts[2] is None:
        return None
    site_id, root_url, page_path = parts
    if current_site is not None and site_id == current_site.id:
        return page_path
    if site_count(request) == 1:
        return page_path
    return root_url + page_path


class SiteUrlsMixin:
    """Our page types build their URLs with `cms.sites` (put it before `Page` in the bases).

    `get_url_parts` is the override point Wagtail documents; `get_url` is replaced too because
    Wagtail's counts every site's root path to choose a local or a full URL. `url` is re-declared
    because Wagtail's property is bound to `Page.get_url` itself.
    """

    def get_url_parts(self, request=None):
        return url_parts(self, request)

    def get_url(self, request=None, current_site=None):
        return page_url(self, request=request, current_site=current_site)

    url = property(get_url)


# --------------------------------------------------------------------------- invalidation


def forget_url_paths(url_paths) -> None:
    """Drop the entries of these URL paths and of every prefix above them."""
    keys = {
        _key(prefix) for url_path in url_paths if url_path for prefix in url_path_prefixes(url_path)
    }
    if keys:
        cache.delete_many([*keys, _COUNT_KEY])


def forget_all() -> None:
    """Drop every entry for the current sites (after rows were written without signals)."""
    forget_url_paths(Site.objects.values_list("root_page__url_path", flat=True))


def _root_url_paths(page_ids) -> list[str]:
    return list(
        Page.objects.filter(pk__in=[p for p in page_ids if p]).values_list("url_path", flat=True)
    )


@receiver(post_save, sender=Site, dispatch_uid="officine-site-roots-saved")
def _site_saved(sender, instance, **kwargs):
    previous = tenancy.previous_site(instance)
    forget_url_paths(_root_url_paths([instance.root_page_id, previous.root_page_id]))


@receiver(pre_delete, sender=Site, dispatch_uid="officine-site-roots-deleting")
def _site_deleting(sender, instance, **kwargs):
    forget_url_paths(_root_url_paths([instance.root_page_id]))


@receiver(post_delete, sender=Site, dispatch_uid="officine-site-roots-deleted")
def _site_deleted(sender, instance, **kwargs):
    cache.delete(_COUNT_KEY)


def _subtree_moved(instance, url_path_before: str, url_path_after: str) -> None:
    """Roots inside a moved or renamed page changed URL path: forget their old and new entries."""
    inside = Site.objects.filter(root_page__path__startswith=instance.path).values_list(
        "root_page__url_path", flat=True
    )
    old = [
        url_path_before + p[len(url_path_after) :] for p in inside if p.startswith(url_path_after)
    ]
    forget_url_paths([url_path_before, url_path_after, *inside, *old])


@receiver(post_page_move, dispatch_uid="officine-site-roots-moved")
def _page_moved(sender, instance, url_path_before, url_path_after, **kwargs):
    _subtree_moved(instance, url_path_before, url_path_after)


@receiver(page_slug_changed, dispatch_uid="officine-site-roots-renamed")
def _page_renamed(sender, instance, instance_before, **kwargs):
    _subtree_moved(instance, instance_before.url_path, instance.url_path)
