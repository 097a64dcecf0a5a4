"""The one place that decides which pharmacies a user may act for, and scopes everything to them.

Wagtail's snippets and viewsets are global and its edit views load objects by primary key, so every
admin list, lookup, chooser and export goes through these helpers. Another pharmacy's object is a
404, never a 403: staff must not even learn that it exists.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Pharmacy

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
