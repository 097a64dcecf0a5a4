"""Wagtail's log entries (site history report, its filters) scoped to the user's pharmacies.

Wagtail shows a user every log entry of every model they have some permission on: staff of one
pharmacy would read, in the "site history" report, the labels of another pharmacy's bookings,
prescriptions, images or documents (reference, patient name, file title). The entries of every
model that `admin_scoping` knows how to attribute to a pharmacy are limited to the objects the
user may list. Wagtail has no hook for this query, so the manager method is wrapped once, at
startup.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.models import Page

from . import admin_scoping


def logged_models():
    """Models whose (non-page) log entries are scoped: ours and Wagtail's own pharmacy objects."""
    return [
        model
        for model in [*admin_scoping.SCOPED_MODELS, *admin_scoping.wagtail_models()]
        if not issubclass(model, Page)
    ]


def scope_log_entries(queryset, user):
    if getattr(user, "is_superuser", False) and user.is_active:
        return queryset
    for model in logged_models():
        allowed = (
            admin_scoping.listable(user, model._default_manager.all())
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
