"""Wagtail's log entries (site history report, its filters) scoped to the user's pharmacies.

Wagtail shows a user every log entry of every model they have some permission on: staff of one
pharmacy would read, in the "site history" report, the labels of another pharmacy's bookings,
prescriptions, images or documents (reference, patient name, file title). The entries of every
model that `admin_scoping` knows how to attribute to a pharmacy are limited to the objects the
user may list.

Why a patch: Wagtail 8 has no hook on this query. Its supported way to filter log entries per
user is a log model of one's own (a `BaseLogEntry` subclass given to `register_model` in a
`register_log_actions` hook, as pages have `PageLogEntry`), whose manager answers
`viewable_by_user`. Taking it means a new table and moving the existing entries of these models
out of `wagtailcore_modellogentry` (a migration per app). Until then, `ModelLogEntryManager`'s
method is wrapped once, at startup, here and nowhere else; `tests/pharmacies/test_log_scoping.py`
fails as soon as Wagtail changes the method wrapped or stops calling it from the report.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.models import Page
from wagtail.models.audit_log import BaseLogEntryManager, ModelLogEntryManager

from . import admin_scoping

# The method wrapped, as read when this module was last checked (Wagtail 8.0.1).
WRAPPED = BaseLogEntryManager.viewable_by_user
WRAPPED_SOURCE_SHA256 = "975ce3fc7006eea74a1d98a37d57685b22fac77782c508173036ac440112a398"


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


def viewable_by_user(self, user):
    """Wagtail's answer (entries of the models the user has a permission on), then scoped."""
    return scope_log_entries(WRAPPED(self, user), user)


viewable_by_user.__wrapped__ = WRAPPED


def install() -> None:
    """Called once by `PharmaciesConfig.ready()`; a second call changes nothing."""
    ModelLogEntryManager.viewable_by_user = viewable_by_user
