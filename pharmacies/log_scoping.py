"""Wagtail's log entries (site history report, its filters) scoped to the user's pharmacies.

Wagtail shows a user every log entry of every model they have some permission on: staff of one
pharmacy would read, in the "site history" report, the labels of another pharmacy's bookings and
prescriptions (reference, patient name). Models administered through `PharmacyScopedViewSet`
register here with their path to the pharmacy, and their log entries are limited to the objects
of the user's pharmacies. Wagtail has no hook for this query, so the manager method is wrapped
once, at startup.
"""

from __future__ import annotations

from django.db.models import CharField, Q
from django.db.models.functions import Cast

SCOPED_MODELS: dict[type, str] = {}


def register(model, pharmacy_field: str) -> None:
    SCOPED_MODELS[model] = pharmacy_field


def scope_log_entries(queryset, user):
    from django.contrib.contenttypes.models import ContentType

    from . import tenancy

    if getattr(user, "is_superuser", False) and user.is_active:
        return queryset
    for model, field in SCOPED_MODELS.items():
        allowed = (
            tenancy.scope_queryset(model._default_manager.all(), user, field)
            .annotate(officine_pk_text=Cast("pk", CharField()))
            .values("officine_pk_text")
        )
        queryset = queryset.filter(
            ~Q(content_type=ContentType.objects.get_for_model(model)) | Q(object_id__in=allowed)
        )
    return queryset


def install() -> None:
    from wagtail.models.audit_log import ModelLogEntryManager

    if getattr(ModelLogEntryManager.viewable_by_user, "officine_scoped", False):
        return
    original = ModelLogEntryManager.viewable_by_user

    def viewable_by_user(self, user):
        return scope_log_entries(original(self, user), user)

    viewable_by_user.officine_scoped = True
    ModelLogEntryManager.viewable_by_user = viewable_by_user
