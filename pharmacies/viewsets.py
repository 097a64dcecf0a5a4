"""Admin viewsets whose every view (list, inspect, edit, delete, copy, history, usage, export) is
scoped to the user's pharmacies through `pharmacies.tenancy`; other pharmacies' objects are 404."""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import unquote
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_scoping, audit, tenancy
from .admin_display import FrenchInspectMixin, Wording
from .models import Pharmacy


class ScopedObjectMixin:
    """404 unless the view's object belongs to one of the user's pharmacies."""

    pharmacy_field = "pharmacy"

    def dispatch(self, request, *args, **kwargs):
        # Before Wagtail's permission check: a user without e.g. the change permission would
        # otherwise get a permission redirect for another pharmacy's object, confirming it exists.
        pk = kwargs.get("pk")
        model = getattr(self, "model", None)
        if pk is not None and model is not None:
            tenancy.get_scoped_object_or_404(
                model._default_manager.all(), request.user, self.pharmacy_field, pk=unquote(str(pk))
            )
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        return tenancy.check_object(self.request.user, obj, self.pharmacy_field)


class ScopedViewMixin(ScopedObjectMixin):
    """Also filters the model querysets (listings, lookups); `pharmacy_field` leads to the Pharmacy."""

    def get_base_queryset(self):
        return tenancy.scope_queryset(
            super().get_base_queryset(), self.request.user, self.pharmacy_field
        )

    def get_queryset(self):
        return tenancy.scope_queryset(
            super().get_queryset(), self.request.user, self.pharmacy_field
        )

    def as_spreadsheet(self, queryset, spreadsheet_format):
        """Exports leave with patients' data: one audit row per pharmacy exported, with the count."""
        field = "pk" if self.pharmacy_field in ("pk", "") else self.pharmacy_field
        counts = queryset.order_by().values_list(field).annotate(rows=Count("pk"))
        for pharmacy_id, rows in counts:
            audit.record(
                audit.AuditAction.EXPORT,
                pharmacy=Pharmacy(pk=pharmacy_id),
                request=self.request,
                object_type=queryset.model._meta.label_lower,
                detail={"format": spreadsheet_format, "rows": rows},
            )
        return super().as_spreadsheet(queryset, spreadsheet_format)


def _scoped(view_class, mixin, field):
    return type(f"Scoped{view_class.__name__}", (mixin, view_class), {"pharmacy_field": field})


class PharmacyScopedForm(WagtailAdminModelForm):
    """Offers only the user's own pharmacies, preselected when there is just one.

    Its inline rows (opening hours, pharmacists...) are the record's own: a posted row id that is
    not one of this record's rows (another pharmacy's, or none) is refused, where the formset
    would otherwise quietly save it as a new row of this record.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("pharmacy")
        if field is not None and self.for_user is not None:
            field.queryset = tenancy.pharmacies_for_user(self.for_user)
            if field.queryset.count() == 1 and not self.instance.pk:
                field.initial = field.queryset.first().pk
                field.widget = forms.HiddenInput()

    def is_valid(self):
        valid = super().is_valid()
        return self._rows_are_own() and valid

    def _rows_are_own(self) -> bool:
        own = True
        for formset in getattr(self, "formsets", {}).values():
            pk_name = formset.model._meta.pk.name
            known = {str(row.pk) for row in formset.get_queryset() if row.pk is not None}
            formset.errors  # noqa: B018 - validates the rows not validated yet, before adding to them
            for form in formset.forms:
                posted = form.data.get(form.add_prefix(pk_name)) if form.is_bound else None
                if posted and str(posted) not in known:
                    form.add_error(None, _("Cette ligne n'appartient pas à cette fiche."))
                    own = False
        if not own:
            self.add_error(None, _("Une ligne envoyée n'appartient pas à cette fiche."))
        return own


class PharmacyScopedViewSet(ModelViewSet):
    """A ModelViewSet whose views all go through the tenancy helper and speak French.

    `wording` gives the viewset's own messages ("Ajouter une prestation", "Prestation « X »
    créée."): Wagtail's generic ones cannot agree with the model's gender.
    """

    pharmacy_field = "pharmacy"
    wording: Wording | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.pharmacy_field
        admin_scoping.register(self.model, field)
        # History and usage views list log entries and references, not the model: only their
        # object is checked.
        for attr, base, mixin in [
            ("index_view_class", generic.IndexView, ScopedViewMixin),
            ("add_view_class", generic.CreateView, ScopedViewMixin),
            ("edit_view_class", generic.EditView, ScopedViewMixin),
            ("delete_view_class", generic.DeleteView, ScopedViewMixin),
            ("copy_view_class", generic.CopyView, ScopedViewMixin),
            ("inspect_view_class", generic.InspectView, ScopedViewMixin),
            ("history_view_class", history.HistoryView, ScopedObjectMixin),
            ("usage_view_class", usage.UsageView, ScopedObjectMixin),
        ]:
            current = getattr(self, attr, base)
            if not issubclass(current, ScopedObjectMixin):
                setattr(self, attr, _scoped(current, mixin, field))
        if not issubclass(self.inspect_view_class, FrenchInspectMixin):
            self.inspect_view_class = type(
                self.inspect_view_class.__name__, (FrenchInspectMixin, self.inspect_view_class), {}
            )

    #: Relations the listing shows on every row, fetched with the page instead of once per row.
    list_select_related: list[str] = []

    def _worded(self, part: str, kwargs: dict) -> dict:
        if self.wording is None:
            return kwargs
        return {**getattr(self.wording, f"{part}_kwargs")(), **kwargs}

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(**self._worded("add", kwargs))

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(**self._worded("edit", kwargs))

    def get_delete_view_kwargs(self, **kwargs):
        return super().get_delete_view_kwargs(**self._worded("delete", kwargs))

    def get_index_view_kwargs(self, **kwargs):
        kwargs = super().get_index_view_kwargs(**self._worded("index", kwargs))
        if self.list_select_related:
            kwargs["queryset"] = self.model._default_manager.select_related(
                *self.list_select_related
            )
        return kwargs

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        if not issubclass(form_class, PharmacyScopedForm):
            # Meta named again: from a plain ModelForm (`form_fields`, no panels) the Meta found
            # first would be WagtailAdminModelForm's, which has no model (the form then fails).
            form_class = type(
                form_class.__name__, (PharmacyScopedForm, form_class), {"Meta": form_class.Meta}
            )
        return form_class


__all__ = [
    "PharmacyScopedViewSet",
    "PharmacyScopedForm",
    "ScopedObjectMixin",
    "ScopedViewMixin",
    "Pharmacy",
]
