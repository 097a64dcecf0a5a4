"""The one place that decides which site a request is for and which pharmacies a user may act for.

Wagtail's snippets and viewsets are global and its edit views load objects by primary key, so every
admin list, lookup, chooser and export goes through these helpers. Another pharmacy's object is a
404, never a 403: staff must not even learn that it exists.

The site of a request is looked up by hostname in the cache (`site_for_request`): with thousands of
sites, Wagtail's own lookup runs a query whose `OR is_default_site` cannot use the hostname index
(a scan of every Site row on every request). The same cached row carries the site's pharmacy id, so
`request.pharmacy_id` costs nothing and `request.pharmacy` is loaded once, when first used.

Tenancy fails closed (django-scopes, as pretix does): the managers of pharmacy-owned models
(`PharmacyScopedManager`) raise `ScopeError` on any query made outside a scope. Requests get theirs
from `TenantScopeMiddleware` (the site's pharmacy on public pages, the user's pharmacies in the
admin), Celery tasks start with an empty one and say which pharmacy they work for, and code that
legitimately spans pharmacies (beat jobs, commands, webhooks) says so with `all_pharmacies()`.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import NamedTuple

from django.core.cache import cache
from django.db import models
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import Http404
from django.http.request import split_domain_port
from django.utils.functional import SimpleLazyObject
from django_scopes import ScopedManager, scope
from django_scopes.state import state as _scope_state
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


# --------------------------------------------------------------------------- fail-closed scopes


def PharmacyScopedManager(field: str = "pharmacy", manager_class=models.Manager):  # noqa: N802
    """Manager of a pharmacy-owned model: every query needs an active scope, else `ScopeError`.

    `field` is the path from the model to its Pharmacy (`prescription__pharmacy` for a file).
    Related managers and the admin's querysets are built from it, so they are scoped too; Django's
    own cascades and foreign-key accesses use the plain base manager.
    """
    return ScopedManager(_manager_class=manager_class, pharmacy=field)


def _pk(pharmacy) -> int | None:
    return pharmacy if pharmacy is None or isinstance(pharmacy, int) else pharmacy.pk


def pharmacy_scope(pharmacy: Pharmacy | int):
    """Queries on pharmacy-owned models see this pharmacy's rows only."""
    if pharmacy is None:
        raise ValueError("pharmacy_scope() needs a pharmacy; use all_pharmacies() on purpose")
    return scope(pharmacy=_pk(pharmacy))


def all_pharmacies():
    """An explicit cross-pharmacy scope, for system jobs (beat tasks, commands, webhooks)."""
    return scope(pharmacy=None)


@contextmanager
def no_pharmacy():
    """A fresh scope with no pharmacy: any query on a pharmacy-owned model raises.

    Unlike `scope()`, it keeps nothing of an enclosing scope: a Celery task run in-process from a
    request must not inherit the request's pharmacy, since a worker would not have it.
    """
    token = _scope_state.set({"_enabled": True})
    try:
        yield
    finally:
        _scope_state.reset(token)


def scope_for_user(user):
    """The admin's scope: all pharmacies for the agency, the user's own ones for staff."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return all_pharmacies()
    return scope(pharmacy=sorted(pharmacy_ids_for_user(user)))


def scope_for_request(request, admin_prefix: str = "/admin/"):
    """The scope a request runs in: the user's pharmacies in the admin, else the site's pharmacy."""
    if request.path.startswith(admin_prefix):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return scope_for_user(user)
        return no_pharmacy()
    pharmacy_id = getattr(request, "pharmacy_id", None)
    return pharmacy_scope(pharmacy_id) if pharmacy_id else no_pharmacy()


# --------------------------------------------------------------------------- the request's site

SITE_FIELDS = ("id", "hostname", "port", "site_name", "root_page_id", "is_default_site")
_ROW_FIELDS = (*SITE_FIELDS, "pharmacy__id")
SITE_CACHE_SECONDS = 24 * 3600
_HOST_KEY = "officine:site2:host:"
_DEFAULT_KEY = "officine:site2:default"
_CACHEABLE_HOST = re.compile(r"^[a-z0-9.-]{1,200}$")
# Wagtail's order of preference (wagtail.models.sites.get_site_for_hostname).
_HOST_AND_PORT, _HOST_AND_DEFAULT, _DEFAULT, _HOST_ONLY = range(4)


def _site_rows(queryset) -> list[tuple]:
    return [tuple(row) for row in queryset.values_list(*_ROW_FIELDS)]


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


def find_site_and_pharmacy(hostname: str, port: int) -> tuple[Site | None, int | None]:
    """The Site Wagtail would pick for this hostname and port and its pharmacy's id.

    No scan of every Site row: the hostname's rows come from the cache or an indexed query.
    """
    rows, default = _cached_rows(hostname)
    row = _best_site_row(hostname, port, rows, default)
    if row is None:
        return None, None
    return Site.from_db("default", SITE_FIELDS, row[: len(SITE_FIELDS)]), row[len(SITE_FIELDS)]


def find_site(hostname: str, port: int) -> Site | None:
    return find_site_and_pharmacy(hostname, port)[0]


def _load_pharmacy(pharmacy_id: int | None) -> Pharmacy | None:
    if not pharmacy_id:
        return None
    return (
        Pharmacy.objects.filter(pk=pharmacy_id)
        .select_related("site__root_page", "logo", "home_photo")
        .prefetch_related("pharmacists", "opening_hours", "closures", "duty_periods")
        .first()
    )


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
        request._wagtail_site, request.pharmacy_id = find_site_and_pharmacy(hostname, port)
    if not hasattr(request, "pharmacy"):
        if not hasattr(request, "pharmacy_id"):
            request.pharmacy_id = getattr(pharmacy_for_site(request._wagtail_site), "pk", None)
        pharmacy_id = request.pharmacy_id
        request.pharmacy = SimpleLazyObject(lambda: _load_pharmacy(pharmacy_id))
    return request._wagtail_site


def pharmacy_for_request(request) -> Pharmacy | None:
    """The requested site's pharmacy (with what the header and footer show), loaded once."""
    if request is None:
        return None
    site_for_request(request)
    pharmacy = request.pharmacy
    return pharmacy if pharmacy else None


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


@receiver(post_save, sender=Pharmacy, dispatch_uid="officine-site-lookup-pharmacy-saved")
@receiver(post_delete, sender=Pharmacy, dispatch_uid="officine-site-lookup-pharmacy-deleted")
def _forget_site_of_pharmacy(sender, instance, **kwargs):
    hostname = (
        Site.objects.filter(pk=instance.site_id).values_list("hostname", flat=True).first()
        if instance.site_id
        else None
    )
    if hostname:
        forget_sites(hostname, default=True)


@receiver(post_save, sender=Site, dispatch_uid="officine-site-lookup-saved")
@receiver(post_delete, sender=Site, dispatch_uid="officine-site-lookup-deleted")
def _forget_changed_site(sender, instance, **kwargs):
    previous = previous_site(instance)
    forget_sites(
        instance.hostname,
        previous.hostname,
        default=previous.is_default_site or instance.is_default_site,
    )
