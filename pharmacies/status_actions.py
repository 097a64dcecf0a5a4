"""The status buttons of an admin detail page: one workflow step, the same way for every feature.

A prescription, a renewal's dispensing and a Click & Collect reservation each move along their
own workflow, but the pharmacist's click is handled alike: the object is looked up within the
user's pharmacies (another pharmacy's is a 404, before any permission answer could confirm it
exists), the change permission is checked, the chosen step and its note are validated, the
feature's service applies it (history, audit row and patient message are the service's), and
the pharmacist is sent back to the detail page with a message saying what happened. Written once
here, a fix to that sequence reaches every feature.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from . import tenancy


class StatusActionView(View):
    """POST `status` (and `note`) for the object `pk`; subclasses say which objects and how.

    A subclass sets `permission`, `form_class`, `transition_error` (the feature's refusal, whose
    French message is shown as it is) and `get_queryset`; for a record with a reference and an
    inspect view, `change_status` (the feature's service), `success_text` (with `%(ref)s` and
    `%(status)s`) and `inspect_route` do the rest. Other objects override `apply`,
    `success_message` and `get_back_url`.
    """

    http_method_names = ["post"]
    pharmacy_field = "pharmacy"
    permission = ""
    form_class = None
    transition_error: type[Exception] = ValueError
    change_status = None
    success_text = ""
    inspect_route = ""

    def get_queryset(self):
        raise NotImplementedError

    def get_form(self, obj):
        return self.form_class(self.request.POST)

    def form_invalid(self, form) -> None:
        messages.error(self.request, _("Statut inconnu."))

    def apply(self, obj, status: str, note: str) -> None:
        """Move `obj` to `status` through the feature's service, or raise `transition_error`."""
        self.change_status(obj, status, user=self.request.user, note=note, request=self.request)

    def success_message(self, obj) -> str:
        return self.success_text % {"ref": obj.reference, "status": obj.get_status_display()}

    def get_back_url(self, obj) -> str:
        return reverse(self.inspect_route, args=[obj.pk])

    def post(self, request, pk):
        obj = tenancy.get_scoped_object_or_404(
            self.get_queryset(), request.user, self.pharmacy_field, pk=pk
        )
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        form = self.get_form(obj)
        back = self.get_back_url(obj)
        if not form.is_valid():
            self.form_invalid(form)
            return redirect(back)
        try:
            self.apply(obj, form.cleaned_data["status"], form.cleaned_data["note"])
        except self.transition_error as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.success_message(obj))
        return redirect(back)
