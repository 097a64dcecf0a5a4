"""The one place that decides which site a request is for and which pharmacies a user may act for.

Wagtail's snippets and viewsets are global and its edit views load objects by primary key, so every
admin list, lookup, chooser and export goes through these helpers. Another pharmacy's object is a
404, never a 403: staff must not even learn that it exists.

The site of a request is looked up by hostname in the cache (`site_for_request`): with thousands of
sites, Wagtail's own lookup runs a query whose `OR is_default_site` cannot use the hostname index
(a scan of every Site row on every request).
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import Http404
from django.http.request import split_domain_port
from wagtail.models import Site

from .models import Pharmacy

logger = logging.getLogger("officine.sites")

_CACHE_ATTR = "_officine_pharmacy_ids"


def pharmacy_ids_for_user(user) -> frozenset[int]:
    """Ids of the pharmacies this user works for; superusers (the agency) act for all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        qs = Pharmacy.objects.all()
        if not user.is_superuser:
            qs = qs.filter(staff_group__user=user)
        cached = frozenset(qs.values_list("pk", flat=True))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def pharmacies_for_user(user) -> QuerySet[Pharmacy]:
    if getattr(user, "is_superuser", False) and user.is_active:
        return Pharmacy.objects.all()
    return Pharmacy.objects.filter(pk__in=pharmacy_ids_for_user(user))


def user_can_act_for(user, pharmacy: Pharmacy | int | None) -> bool:
    if pharmacy is None:
        return False
    pk = pharmacy if isinstance(pharmacy, int) else pharmacy.pk
    return pk in pharmacy_ids_for_user(user)


def scope_queryset(queryset: QuerySet, user, field: str = "pharmacy") -> QuerySet:
    """Restrict any queryset to the user's pharmacies through `field` (a path to a Pharmacy)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return queryset
    if queryset.model is Pharmacy and field in ("pharmacy", "pk", ""):
        return queryset.filter(pk__in=pharmacy_ids_for_user(user))
    return queryset.filter(**{f"{field}__in": pharmacy_ids_for_user(user)})


def get_scoped_object_or_404(queryset: QuerySet, user, field: str = "pharmacy", **lookup) -> Model:
    try:
        return scope_queryset(queryset, user, field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found for this user's pharmacies") from exc


def pharmacy_of(obj, field: str = "pharmacy"):
    if isinstance(obj, Pharmacy):
        return obj
    target = obj
    for part in field.split("__"):
        target = getattr(target, part)
    return target


def check_object(user, obj, field: str = "pharmacy") -> Model:
    """404 unless the object belongs to one of the user's pharmacies."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return obj
    if not user_can_act_for(user, pharmacy_of(obj, field)):
        raise Http404("Not found for this user's pharmacies")
    return obj


def pharmacy_for_site(site) -> Pharmacy | None:
    if site is None:
        return None
    try:
        return site.pharmacy
    except Pharmacy.DoesNotExist:
        return None


# --------------------------------------------------------------------------- the request's site

SITE_FIELDS = ("id", "hostname", "port", "site_name", "root_page_id", "is_default_site")
SITE_CACHE_SECONDS = 24 * 3600
_HOST_KEY = "officine:site:host:"
_DEFAULT_KEY = "officine:site:default"
_CACHEABLE_HOST = re.compile(r"^[a-z0-9.-]{1,200}$")
# Wagtail's order of preference (wagtail.models.sites.get_site_for_hostname).
_HOST_AND_PORT, _HOST_AND_DEFAULT, _DEFAULT, _HOST_ONLY = range(4)


def _site_rows(queryset) -> list[tuple]:
    return [tuple(row) for row in queryset.values_list(*SITE_FIELDS)]


def _cached_rows(hostname: str) -> tuple[list[tuple], list[tuple]]:
    """(rows of the Sites with this hostname, rows of the default Site), from the cache or the DB.

    Only hostnames that exist are cached: an unknown Host header costs one indexed query, never an
    entry in the cache.
    """
    host_key = _HOST_KEY + hostname if _CACHEABLE_HOST.match(hostname) else None
    try:
        found = cache.get_many([k for k in (host_key, _DEFAULT_KEY) if k])
    except Exception:  # noqa: BLE001 - a cache outage degrades to the database, never to an error
        logger.exception("Site cache unavailable; looking %s up in the database", hostname)
        found, host_key = {}, None
    rows = found.get(host_key) if host_key else None
    default = found.get(_DEFAULT_KEY)
    to_store = {}
    if rows is None:
        rows = _site_rows(Site.objects.filter(hostname=hostname).order_by("port"))
        if rows and host_key:
            to_store[host_key] = rows
    if default is None:
        default = _site_rows(Site.objects.filter(is_default_site=True).order_by("pk"))
        to_store[_DEFAULT_KEY] = default
    if to_store:
        try:
            cache.set_many(to_store, SITE_CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.exception("Could not cache the sites of %s", hostname)
    return rows, default


def _best_site_row(hostname: str, port: int, rows, default) -> tuple | None:
    """Wagtail's choice between the hostname's sites and the default site, on cached rows."""
    ranked = {}
    for row in [*rows, *default]:
        same_host, is_default = row[1] == hostname, row[5]
        if same_host and row[2] == port:
            rank = _HOST_AND_PORT
        elif same_host and is_default:
            rank = _HOST_AND_DEFAULT
        elif is_default:
            rank = _DEFAULT
        else:
            rank = _HOST_ONLY
        ranked[row[0]] = (rank, row)
    candidates = [row for _, row in sorted(ranked.values(), key=lambda item: item[0])]
    if not candidates:
        return None
    best_rank = ranked[candidates[0][0]][0]
    if len(candidates) == 1 or best_rank in (_HOST_AND_PORT, _HOST_AND_DEFAULT):
        return candidates[0]
    if best_rank == _DEFAULT:
        # One other site on this hostname (another port) wins over the default; several do not.
        return candidates[1] if len(candidates) == 2 else candidates[0]
    return None


def find_site(hostname: str, port: int) -> Site | None:
    """The Site Wagtail would pick for this hostname and port, without scanning every Site row."""
    rows, default = _cached_rows(hostname)
    row = _best_site_row(hostname, port, rows, default)
    return Site.from_db("default", SITE_FIELDS, row) if row is not None else None


def site_for_request(request) -> Site | None:
    """The request's site, found once and handed to Wagtail, which keeps it on the request.

    `Site.find_for_request` reuses `request._wagtail_site` (its documented per-request cache), so
    setting it here makes every later lookup (Wagtail's serve view, menus, blocks) free.
    """
    if request is None:
        return None
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]
        try:
            port = int(request.get_port())
        except ValueError:
            port = 80
        request._wagtail_site = find_site(hostname, port)
    return request._wagtail_site


def forget_sites(*hostnames: str, default: bool = False) -> None:
    """Drop the cached lookups of these hostnames (and of the default site)."""
    keys = [_HOST_KEY + h for h in hostnames if h and _CACHEABLE_HOST.match(h)]
    if default:
        keys.append(_DEFAULT_KEY)
    if keys:
        cache.delete_many(keys)


class PreviousSite(NamedTuple):
    hostname: str = ""
    is_default_site: bool = False
    root_page_id: int | None = None


@receiver(pre_save, sender=Site, dispatch_uid="officine-site-lookup-before")
def _remember_previous_site(sender, instance, **kwargs):
    row = (
        Site.objects.filter(pk=instance.pk)
        .values_list("hostname", "is_default_site", "root_page_id")
        .first()
        if instance.pk
        else None
    )
    instance._officine_previous = PreviousSite(*row) if row else PreviousSite()


def previous_site(instance) -> PreviousSite:
    """What a Site being saved was before (hostname, default flag, root page), for caches to drop."""
    return getattr(instance, "_officine_previous", None) or PreviousSite()


@receiver(post_save, sender=Site, dispatch_uid="officine-site-lookup-saved")
@receiver(post_delete, sender=Site, dispatch_uid="officine-site-lookup-deleted")
def _forget_changed_site(sender, instance, **kwargs):
    previous = previous_site(instance)
    forget_sites(
        instance.hostname,
        previous.hostname,
        default=previous.is_default_site or instance.is_default_site,
    )
