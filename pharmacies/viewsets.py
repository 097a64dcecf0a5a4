"""Admin viewsets whose every view (list, inspect, edit, delete, copy, history, usage, export) is
scoped to the user's pharmacies through `pharmacies.tenancy`; other pharmacies' objects are 404."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from . import tenancy
from .models import Pharmacy


class ScopedViewMixin:
    """Filters querysets and checks single objects; `pharmacy_field` is the path to the Pharmacy."""

    pharmacy_field = "pharmacy"

    def get_base_queryset(self):
        return tenancy.scope_queryset(
            super().get_base_queryset(), self.request.user, self.pharmacy_field
        )

    def get_queryset(self):
        return tenancy.scope_queryset(
            super().get_queryset(), self.request.user, self.pharmacy_field
        )

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        return tenancy.check_object(self.request.user, obj, self.pharmacy_field)


def _scoped(view_class, field):
    return type(
        f"Scoped{view_class.__name__}", (ScopedViewMixin, view_class), {"pharmacy_field": field}
    )


class PharmacyScopedForm(WagtailAdminModelForm):
    """Offers only the user's own pharmacies, preselected when there is just one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("pharmacy")
        if field is not None and self.for_user is not None:
            field.queryset = tenancy.pharmacies_for_user(self.for_user)
            if field.queryset.count() == 1 and not self.instance.pk:
                field.initial = field.queryset.first().pk
                field.widget = forms.HiddenInput()


class PharmacyScopedViewSet(ModelViewSet):
    """A ModelViewSet whose views all go through the tenancy helper."""

    pharmacy_field = "pharmacy"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.pharmacy_field
        for attr, base in [
            ("index_view_class", generic.IndexView),
            ("add_view_class", generic.CreateView),
            ("edit_view_class", generic.EditView),
            ("delete_view_class", generic.DeleteView),
            ("copy_view_class", generic.CopyView),
            ("inspect_view_class", generic.InspectView),
            ("history_view_class", history.HistoryView),
            ("usage_view_class", usage.UsageView),
        ]:
            current = getattr(self, attr, base)
            if not issubclass(current, ScopedViewMixin):
                setattr(self, attr, _scoped(current, field))

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        if not issubclass(form_class, PharmacyScopedForm):
            form_class = type(form_class.__name__, (PharmacyScopedForm, form_class), {})
        return form_class


__all__ = ["PharmacyScopedViewSet", "PharmacyScopedForm", "ScopedViewMixin", "Pharmacy"]
