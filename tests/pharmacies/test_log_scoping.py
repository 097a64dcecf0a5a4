"""Site history scoped to the user's pharmacies, by a wrapper around a Wagtail manager method.

Wagtail 8 offers no hook on that query (see `pharmacies/log_scoping.py`), so these tests pin the
method wrapped and its callers: when one fails after a Wagtail upgrade, read the new
`BaseLogEntryManager.viewable_by_user` and the site history report, check the wrapper still
narrows what they show (or move to a supported API if one came), then record the new hash.
"""

from __future__ import annotations

import hashlib
import inspect

from django.urls import reverse
from wagtail.admin.views.reports import audit_logging
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry
from wagtail.models.audit_log import BaseLogEntryManager, ModelLogEntryManager

from pharmacies import log_scoping
from tests.rdv.conftest import make_service

RECHECK = (
    "Wagtail changed {what}: re-read it, check pharmacies/log_scoping.py still scopes the site "
    "history to the user's pharmacies (tests/security/test_isolation_matrix.py), then update "
    "WRAPPED_SOURCE_SHA256."
)


def test_the_wrapped_method_is_the_one_checked():
    source = inspect.getsource(BaseLogEntryManager.viewable_by_user)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == log_scoping.WRAPPED_SOURCE_SHA256, RECHECK.format(
        what="BaseLogEntryManager.viewable_by_user"
    )
    assert log_scoping.WRAPPED is BaseLogEntryManager.viewable_by_user
    # Wagtail's ModelLogEntryManager inherits the method: the wrapper replaces no code of its own.
    assert "def viewable_by_user" not in inspect.getsource(ModelLogEntryManager), RECHECK.format(
        what="ModelLogEntryManager (it defines viewable_by_user now)"
    )


def test_the_wrapper_is_installed_at_startup():
    assert ModelLogEntryManager.viewable_by_user is log_scoping.viewable_by_user
    assert ModelLogEntry.objects.viewable_by_user.__func__ is log_scoping.viewable_by_user


def test_the_site_history_still_asks_the_wrapped_method():
    assert ModelLogEntry in log_registry.get_log_entry_models()
    for caller in (
        audit_logging.get_users_for_filter,
        audit_logging.get_content_types_for_filter,
        audit_logging.get_actions_for_filter,
        audit_logging.LogEntriesView.get_filtered_queryset,
    ):
        assert "viewable_by_user" in inspect.getsource(caller), RECHECK.format(
            what=f"{caller.__qualname__} (the site history report)"
        )


def test_staff_see_the_history_of_their_own_pharmacy_only(
    pharmacy_a, pharmacy_b, staff_a, superuser, admin_client_a
):
    service_a = make_service(pharmacy_a, name="Vaccination A", slug="vaccination-a")
    service_b = make_service(pharmacy_b, name="Vaccination B", slug="vaccination-b")
    log(service_a, "wagtail.edit", user=superuser)
    log(service_b, "wagtail.edit", user=superuser)

    labels = set(ModelLogEntry.objects.viewable_by_user(staff_a).values_list("label", flat=True))
    assert "Vaccination A" in labels and "Vaccination B" not in labels
    every = set(ModelLogEntry.objects.viewable_by_user(superuser).values_list("label", flat=True))
    assert {"Vaccination A", "Vaccination B"} <= every

    page = admin_client_a.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Vaccination A" in page and "Vaccination B" not in page
