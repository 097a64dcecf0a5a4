"""Per-site page cache: anonymous GETs of publicly cacheable pages answered from Django's cache.

Thousands of pharmacy sites share a few gunicorn workers; most of their traffic is anonymous visitors
reading the same home page. A page already tells shared caches whether it may be kept: `BasePage`
marks pages without form blocks `Cache-Control: public` and every form page, feature route and
logged-in response `no-cache`. This middleware keeps exactly the `public` ones, in Redis in
production, so a hit costs one cache round trip and no database query.

An entry is found by host, path, query string and language, and remembers the version tokens of
what it was rendered from: its host's token, a global one, and the tags it showed (`depends_on`:
the agency's news, shown on every pharmacy site, is the tag `AGENCY`). Publishing, unpublishing,
moving or deleting a page replaces its site's token; a page of the agency's site replaces the
`AGENCY` tag's, so only the pages and blocks that show agency news go stale, not every site's
whole pages and forms. So does any change to the Pharmacy record shown in every header and footer
(name, hours, closures, pharmacists) and what apps declare (`page_cache_models`, e.g. services).

A stale entry (a token replaced, or older than `OFFICINE_PAGE_CACHE_SECONDS`) is not thrown away:
the first request to see it takes a short lock in the cache (`claim`) and renders the page again,
while every other request meanwhile is answered with the stale copy (stale-while-revalidate). So a
publish never makes all of a site's visitors render at once. `cms.fragments` does the same for
blocks. A token the cache evicted is re-created, which only makes entries under it stale.

When only a tag went stale (an agency post: every site's news at once) or the entry is just old,
even the first visitor is answered with the stale copy and the entry is rendered again after that response is sent
(`after_response`: gunicorn's sync worker has sent the body when it calls `response.close()`), so a
publish costs no visitor a render. A change of the site itself (its own publish, its pharmacy's
hours) is still rendered at once for the first visitor: the pharmacist expects to see it.

Never cached: requests carrying a session cookie (logged-in staff), responses that set a cookie, that
use a CSP nonce, that are not 200, or that are not explicitly `public`.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import secrets
import time
from functools import partial

from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import get_max_age
from django.utils.translation import get_language_from_request
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from pharmacies import tenancy
from pharmacies.extensions import declared_lists
from pharmacies.models import Closure, DutyPeriod, OpeningHours, Pharmacy, TitularPharmacist

from . import sites

logger = logging.getLogger("officine.caching")

GLOBAL = "*"
# Tag of what the agency's site publishes for every pharmacy site (its news).
AGENCY = "#agency"
TAGS = (AGENCY,)
HIT_HEADER = "X-Officine-Cache"
_PREFIX = "pagecache"
_VERSIONS_ATTR = "_officine_cache_versions"
_TAGS_ATTR = "_officine_cache_tags"
_AFTER_ATTR = "_officine_after_response"
_BACKGROUND_ATTR = "_officine_cache_background"
_SERVED_STALE_ATTR = "_officine_served_stale"


def enabled() -> bool:
    return getattr(settings, "OFFICINE_PAGE_CACHE", True)


def _cache():
    return caches[getattr(settings, "OFFICINE_PAGE_CACHE_ALIAS", "default")]


def _max_seconds() -> int:
    return int(getattr(settings, "OFFICINE_PAGE_CACHE_SECONDS", 300))


def _stale_seconds() -> int:
    """How long a stale entry is kept to answer while one request renders it again."""
    return int(getattr(settings, "OFFICINE_PAGE_CACHE_STALE_SECONDS", 3600))


def _lock_seconds() -> int:
    return int(getattr(settings, "OFFICINE_CACHE_LOCK_SECONDS", 15))


def _version_key(name: str) -> str:
    return f"{_PREFIX}:v:{name}"


def normalise_host(host: str) -> str:
    """The host's name, what a Wagtail Site's purge reaches on every port at once.

    The port is part of each entry's key (`request_key`): two Wagtail sites may share a hostname
    on different ports, and one must never be answered with the other's page.
    """
    return host.split(":", 1)[0].strip().lower()


class CacheUnavailable(Exception):
    """The version tokens cannot be read: nothing may be served from, or stored in, the cache."""


def read_versions(cache, host: str, *extra_keys: str) -> tuple[dict[str, str], dict]:
    """Current tokens of the host, the platform and the tags, and `extra_keys`, in one round trip.

    A missing token is created (so everything rendered under the old one is stale). A cache that
    answers nothing (Redis down, see `cms.cache`) yields no token: `CacheUnavailable`, so that no
    entry is stored under a key that a purge made meanwhile could not reach.
    """
    names = [host, GLOBAL, *TAGS]
    found = cache.get_many([_version_key(n) for n in names] + list(extra_keys))
    versions = {}
    for name in names:
        token = found.get(_version_key(name))
        if token is None:
            cache.add(_version_key(name), secrets.token_hex(8), timeout=None)
            token = cache.get(_version_key(name))
        if token is None:
            raise CacheUnavailable(name)
        versions[name] = token
    return versions, found


def request_versions(request) -> dict[str, str]:
    """The tokens a request renders under, read once (the page cache reads them with its entry)."""
    versions = getattr(request, _VERSIONS_ATTR, None)
    if versions is None:
        host = normalise_host(request.get_host())
        versions, _ = read_versions(_cache(), host)
        setattr(request, _VERSIONS_ATTR, versions)
    return versions


def depends_on(request, *tags: str) -> None:
    """Say that what this request renders shows these tags' content (e.g. `AGENCY` news)."""
    unknown = set(tags) - set(TAGS)
    if unknown:
        raise ValueError(f"Unknown cache tags {unknown}")
    setattr(request, _TAGS_ATTR, getattr(request, _TAGS_ATTR, frozenset()) | set(tags))


# --------------------------------------------------------------------------- stale-while-revalidate

FRESH, STALE, MISSING = "fresh", "stale", "missing"


def entry_state(entry, versions: dict[str, str]) -> str:
    """An entry is (tokens it was rendered under, fresh until, payload)."""
    if entry is None:
        return MISSING
    tokens, fresh_until, _ = entry
    if time.time() < fresh_until and all(versions.get(k) == v for k, v in tokens.items()):
        return FRESH
    return STALE


def claim(cache, key: str) -> bool:
    """Take the short lock to render a stale entry again; False if another request has it."""
    return cache.add(f"{key}:lock", 1, timeout=_lock_seconds())


def release(cache, key: str) -> None:
    try:
        cache.delete(f"{key}:lock")
    except Exception:  # noqa: BLE001 - the lock expires on its own
        logger.exception("Could not release the cache lock of %s", key)


def site_unchanged(entry, versions: dict[str, str]) -> bool:
    """The entry is stale only because a tag (the agency's news) changed or it grew old.

    Its own site and the platform are as they were. That is the case of every site at once after
    an agency publish, where a render by each site's first visitor would be a storm, and where a
    stale copy for one more visitor is harmless (the news appears a request later); an entry past
    its lifetime is refreshed the same way, since sites with few visitors have mostly old entries.
    """
    tokens = entry[0]
    return all(
        versions.get(name) == token for name, token in tokens.items() if not name.startswith("#")
    )


def may_refresh_later(request, entry, versions) -> bool:
    """Whether this stale entry can be served now and rendered again once the response is sent."""
    return (
        hasattr(request, _AFTER_ATTR)
        and not getattr(request, _BACKGROUND_ATTR, False)
        and site_unchanged(entry, versions)
    )


def after_response(request, task) -> None:
    """Run `task` once the response to `request` has been sent, in the same scope and language.

    The page cache middleware hands the tasks to `response.close()`, which the WSGI server calls
    after the body is written (and Django's test client on return). A failing task is logged; its
    entry stays stale and its lock expires, so a later visitor renders it.
    """
    getattr(request, _AFTER_ATTR).append(partial(contextvars.copy_context().run, task))


def served_stale(request) -> None:
    """A block was given from a stale entry: the page around it must not be stored as fresh."""
    setattr(request, _SERVED_STALE_ATTR, True)


def _run_after(tasks) -> None:
    for task in tasks:
        try:
            task()
        except Exception:  # noqa: BLE001 - the response is already sent; the entry stays stale
            logger.exception("Could not refresh a cache entry after the response")


def store(cache, key: str, versions, depends, payload, fresh_seconds: int) -> None:
    tokens = {name: versions[name] for name in depends}
    entry = (tokens, time.time() + fresh_seconds, payload)
    cache.set(key, entry, fresh_seconds + _stale_seconds())


# --------------------------------------------------------------------------- purges


def purge_host(host: str) -> None:
    """Make every cached page and block of one hostname (or tag, or GLOBAL) stale."""
    if not host:
        return
    name = host if host == GLOBAL or host.startswith("#") else normalise_host(host)
    _cache().set(_version_key(name), secrets.token_hex(8), None)
    logger.debug("Page cache purged for %s", name)


def purge_tag(tag: str) -> None:
    purge_host(tag)


def purge_all() -> None:
    purge_host(GLOBAL)


def purge_site(site) -> None:
    """Purge a Wagtail Site's pages; the agency's site (the default one) is shown everywhere.

    The default site also answers unknown hostnames: those pages depend on the `AGENCY` tag.
    """
    if site is None:
        return
    purge_host(site.hostname)
    if site.is_default_site:
        purge_tag(AGENCY)


def _site_of(page):
    try:
        parts = sites.url_parts(page)
    except Exception:  # noqa: BLE001 - a page being deleted may have lost its tree position
        logger.exception("No site for page %s", getattr(page, "pk", None))
        return None
    return Site.objects.filter(pk=parts[0]).first() if parts else None


def purge_for_page(page) -> None:
    """A page changed: its own site's pages show it in menus, lists and news blocks.

    Pages of the agency's site (its blog) appear on every pharmacy site through the `AGENCY` tag.
    A page outside every site is shown nowhere (Wagtail neither serves nor links it): nothing to
    purge. That is the case of a new pharmacy's home until its Site exists.
    """
    purge_site(_site_of(page))


def request_key(request, host: str) -> str:
    language = get_language_from_request(request, check_path=False) or settings.LANGUAGE_CODE
    raw = "\n".join(
        [
            host,
            request.get_port(),  # with the hostname, what Wagtail picks the site by
            request.path,
            request.META.get("QUERY_STRING", ""),
            language,
        ]
    )
    return f"{_PREFIX}:p:{host}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _request_is_cacheable(request) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(("/admin/", settings.STATIC_URL, settings.MEDIA_URL))
    )


def _response_is_cacheable(response) -> bool:
    if response.status_code != 200 or response.cookies or response.streaming:
        return False
    control = response.get("Cache-Control", "")
    if "public" not in control or any(
        word in control for word in ("private", "no-cache", "no-store")
    ):
        return False
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        if "'nonce-" in response.get(header, ""):
            return False
    return True


def _freeze(response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.items()), response.content


def _thaw(frozen, state: str) -> HttpResponse:
    status, headers, content = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HIT_HEADER] = state
    return response


def _depends(request, host: str) -> tuple[str, ...]:
    tags = set(getattr(request, _TAGS_ATTR, ()))
    site = getattr(request, "_wagtail_site", None)
    if site is not None and site.is_default_site:
        tags.add(AGENCY)  # the agency's site, also answering unknown hostnames
    return (host, GLOBAL, *sorted(tags))


class PageCacheMiddleware:
    """Serve and store whole anonymous page responses; put it right after WhiteNoise.

    It sits outside the session, CSRF and message middlewares so it sees every cookie they set,
    and answers hits before any of them (or the site lookup) touch the database. `X-Officine-Cache`
    says `hit`, `stale` (served while another request renders it again) or `miss` (rendered).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tasks = []
        setattr(request, _AFTER_ATTR, tasks)
        response = self._serve(request)
        if tasks:
            response._resource_closers.append(partial(_run_after, tasks))
        if getattr(request, _SERVED_STALE_ATTR, False) and HIT_HEADER not in response:
            response[HIT_HEADER] = "stale"  # a block of it was, e.g. the news after an agency post
        return response

    def _serve(self, request):
        if not enabled() or not _request_is_cacheable(request):
            return self.get_response(request)
        cache = _cache()
        host = normalise_host(request.get_host())
        key = request_key(request, host)
        try:
            versions, found = read_versions(cache, host, key)
            entry = found.get(key)
            state = entry_state(entry, versions)
            claimed = state == STALE and claim(cache, key)
        except CacheUnavailable:
            return self.get_response(request)
        except Exception:  # noqa: BLE001 - a cache outage must not take the sites down
            logger.exception("Page cache unavailable; serving without it")
            return self.get_response(request)
        if state == FRESH:
            return _thaw(entry[2], "hit")
        if state == STALE and not claimed:
            return _thaw(entry[2], "stale")
        if state == STALE and may_refresh_later(request, entry, versions):
            after_response(request, partial(self._refresh, cache, key, request, host, versions))
            return _thaw(entry[2], "stale")
        setattr(request, _VERSIONS_ATTR, versions)
        try:
            response = self.get_response(request)
            self._keep(cache, key, request, host, versions, response, entry)
        finally:
            if claimed:
                release(cache, key)
        return response

    def _refresh(self, cache, key, request, host, versions):
        """Render the page again once the stale copy was sent; its blocks render in place."""
        setattr(request, _BACKGROUND_ATTR, True)
        setattr(request, _VERSIONS_ATTR, versions)
        try:
            response = self.get_response(request)
            self._keep(cache, key, request, host, versions, response, None)
            response.close()
        finally:
            release(cache, key)

    def _keep(self, cache, key, request, host, versions, response, entry):
        if getattr(request, _SERVED_STALE_ATTR, False):
            return  # a block in it was stale: the next visitor gets the page with it refreshed
        try:
            if _response_is_cacheable(response):
                timeout = min(get_max_age(response) or _max_seconds(), _max_seconds())
                if timeout > 0:
                    depends = _depends(request, host)
                    store(cache, key, versions, depends, _freeze(response), timeout)
                    response[HIT_HEADER] = "miss"
            elif entry is not None:
                cache.delete(key)  # gone, or no longer public: never answer with the old copy
        except Exception:  # noqa: BLE001
            logger.exception("Could not store a page in the cache")


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    purge_for_page(instance)


@receiver(post_page_move)
def _page_moved(sender, instance, parent_page_before=None, **kwargs):
    purge_for_page(instance)
    if parent_page_before is not None:
        purge_for_page(parent_page_before)


def service_names_key(pharmacy_id) -> str:
    """The bookable services' names every page head shows (description, JSON-LD)."""
    return f"public-service-names:{pharmacy_id}"


def connect_model_purges():
    """The Pharmacy record, its inline rows and what apps declare (`page_cache_models`) appear on
    pages of its site: saving or deleting one purges that site's pages."""

    def pharmacy_changed(sender, instance, **kwargs):
        pharmacy = instance if isinstance(instance, Pharmacy) else None
        if pharmacy is None:
            pharmacy = (
                Pharmacy.objects.filter(pk=instance.pharmacy_id).select_related("site").first()
            )
        if pharmacy is not None:
            caches["default"].delete(service_names_key(pharmacy.pk))
        if pharmacy is not None and pharmacy.site_id:
            purge_site(Site.objects.filter(pk=pharmacy.site_id).first())

    def site_changed(sender, instance, **kwargs):
        purge_site(instance)
        purge_host(tenancy.previous_site(instance).hostname)

    def page_deleted(sender, instance, **kwargs):
        purge_for_page(instance)

    declared = [django_apps.get_model(label) for label in declared_lists("page_cache_models")]
    for model in (Pharmacy, OpeningHours, Closure, DutyPeriod, TitularPharmacist, *declared):
        for signal in (post_save, post_delete):
            signal.connect(
                pharmacy_changed, sender=model, weak=False, dispatch_uid=f"pagecache-{model}"
            )
    for signal in (post_save, post_delete):
        signal.connect(site_changed, sender=Site, weak=False, dispatch_uid="pagecache-site")
    pre_delete.connect(page_deleted, sender=Page, weak=False, dispatch_uid="pagecache-page")
