"""Per-site page cache: anonymous GETs of publicly cacheable pages answered from Django's cache.

Hundreds of pharmacy sites share a few gunicorn workers; most of their traffic is anonymous visitors
reading the same home page. A page already tells shared caches whether it may be kept: `BasePage`
marks pages without form blocks `Cache-Control: public` and every form page, feature route and
logged-in response `no-cache`. This middleware keeps exactly the `public` ones, in Redis in
production, so a hit costs two cache round trips and no database query.

Keys hold the host, path, query string and language, plus two version tokens: one per hostname and
one global. Publishing, unpublishing, moving or deleting a page replaces its site's token (the agency
site's pages, whose news is syndicated everywhere, replace the global one); so does any change to the
Pharmacy record shown in every header and footer (name, hours, closures, pharmacists) and of its
services (the booking block's first step, cached by `cms.fragments`). Old entries
are never read again and expire on their own. A token that the cache evicted is simply re-created,
which also invalidates everything under it: stale pages are never served.

Never cached: requests carrying a session cookie (logged-in staff), responses that set a cookie, that
use a CSP nonce, that are not 200, or that are not explicitly `public`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.utils.cache import get_max_age
from django.utils.translation import get_language_from_request
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from pharmacies.extensions import declared_lists
from pharmacies.models import Closure, OpeningHours, Pharmacy, TitularPharmacist

logger = logging.getLogger("officine.caching")

GLOBAL = "*"
HIT_HEADER = "X-Officine-Cache"
_PREFIX = "pagecache"


def enabled() -> bool:
    return getattr(settings, "OFFICINE_PAGE_CACHE", True)


def _cache():
    return caches[getattr(settings, "OFFICINE_PAGE_CACHE_ALIAS", "default")]


def _max_seconds() -> int:
    return int(getattr(settings, "OFFICINE_PAGE_CACHE_SECONDS", 300))


def _version_key(host: str) -> str:
    return f"{_PREFIX}:v:{host}"


def normalise_host(host: str) -> str:
    """The Host header as one key: `Pharmacie-A.test:8443` is `pharmacie-a.test:8443`.

    The port stays: pages hold links built from it, and two Wagtail sites may share a hostname
    on different ports; one must never be answered with the other's page.
    """
    return host.strip().lower()


def hostname_of(host: str) -> str:
    """The name without the port: what a Wagtail Site's purge reaches, on every port at once."""
    domain, _port = split_domain_port(host.strip())
    return domain or host.strip().lower()


class CacheUnavailable(Exception):
    """The version tokens cannot be read: nothing may be served from, or stored in, the cache."""


def _versions(cache, host: str) -> tuple[str, str]:
    """Current tokens of this host's name and of the whole platform, created when missing.

    A cache that answers nothing (Redis down, see `cms.cache`) yields no token: then a page must
    not be stored under a key that a purge made meanwhile could not reach.
    """
    keys = [_version_key(hostname_of(host)), _version_key(GLOBAL)]
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            cache.add(key, secrets.token_hex(8), timeout=None)
            token = cache.get(key)
        if token is None:
            raise CacheUnavailable(key)
        tokens.append(token)
    return tokens[0], tokens[1]


def purge_host(host: str) -> None:
    """Forget every cached page of one hostname (or of every site, with GLOBAL)."""
    if not host:
        return
    _cache().set(
        _version_key(hostname_of(host) if host != GLOBAL else GLOBAL), secrets.token_hex(8), None
    )
    logger.debug("Page cache purged for %s", host)


def purge_all() -> None:
    purge_host(GLOBAL)


def purge_site(site) -> None:
    """Purge a Wagtail Site; the default (agency) site also answers unknown hosts: purge all."""
    if site is None or getattr(site, "is_default_site", False):
        purge_all()
        return
    purge_host(site.hostname)


def purge_for_page(page) -> None:
    """A page changed: its own site's pages show it in menus, lists and news blocks.

    Pages of the agency's site (its blog) appear on every pharmacy site, so they purge everything;
    so does a page that belongs to no site at all (we cannot tell who shows it).
    """
    from pharmacies.models import Pharmacy

    try:
        site = page.get_site()
    except Exception:  # noqa: BLE001 - a page being deleted may have lost its tree position
        site = None
    if site is None or not Pharmacy.objects.filter(site=site).exists():
        purge_all()
    else:
        purge_site(site)


def request_key(request, host: str, versions: tuple[str, str]) -> str:
    language = get_language_from_request(request, check_path=False) or settings.LANGUAGE_CODE
    raw = "\n".join(
        [
            host,
            request.get_port(),  # with the hostname, what Wagtail picks the site by
            request.path,
            request.META.get("QUERY_STRING", ""),
            language,
            *versions,
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


def _thaw(frozen) -> HttpResponse:
    status, headers, content = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HIT_HEADER] = "hit"
    return response


class PageCacheMiddleware:
    """Serve and store whole anonymous page responses; put it right after WhiteNoise.

    It sits outside the session, CSRF and message middlewares so it sees every cookie they set,
    and answers hits before any of them (or Wagtail's site lookup) touch the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled() or not _request_is_cacheable(request):
            return self.get_response(request)
        cache = _cache()
        host = normalise_host(request.get_host())
        try:
            key = request_key(request, host, _versions(cache, host))
            frozen = cache.get(key)
        except CacheUnavailable:
            return self.get_response(request)
        except Exception:  # noqa: BLE001 - a cache outage must not take the sites down
            logger.exception("Page cache unavailable; serving without it")
            return self.get_response(request)
        if frozen is not None:
            return _thaw(frozen)
        response = self.get_response(request)
        if _response_is_cacheable(response):
            timeout = min(get_max_age(response) or _max_seconds(), _max_seconds())
            if timeout > 0:
                try:
                    cache.set(key, _freeze(response), timeout)
                except Exception:  # noqa: BLE001
                    logger.exception("Could not store a page in the cache")
                response[HIT_HEADER] = "miss"
        return response


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    purge_for_page(instance)


@receiver(post_page_move)
def _page_moved(sender, instance, **kwargs):
    purge_for_page(instance)


def connect_model_purges():
    """The Pharmacy record, its inline rows and what apps declare (`page_cache_models`) appear on
    pages of its site: saving or deleting one purges that site's pages."""

    def pharmacy_changed(sender, instance, **kwargs):
        pharmacy = instance if isinstance(instance, Pharmacy) else None
        if pharmacy is None:
            pharmacy = (
                Pharmacy.objects.filter(pk=instance.pharmacy_id).select_related("site").first()
            )
        if pharmacy is not None and pharmacy.site_id:
            purge_site(Site.objects.filter(pk=pharmacy.site_id).first())

    def site_changed(sender, instance, **kwargs):
        purge_site(instance)

    def page_deleted(sender, instance, **kwargs):
        purge_all()

    declared = [django_apps.get_model(label) for label in declared_lists("page_cache_models")]
    for model in (Pharmacy, OpeningHours, Closure, TitularPharmacist, *declared):
        for signal in (post_save, post_delete):
            signal.connect(
                pharmacy_changed, sender=model, weak=False, dispatch_uid=f"pagecache-{model}"
            )
    for signal in (post_save, post_delete):
        signal.connect(site_changed, sender=Site, weak=False, dispatch_uid="pagecache-site")
    post_delete.connect(page_deleted, sender=Page, weak=False, dispatch_uid="pagecache-page")
