"""Admin: "Envois", the outbox listing of the user's pharmacies, with a resend action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from pharmacies import tenancy
from pharmacies.viewsets import PharmacyScopedViewSet

from .models import OutboxMessage, Status
from .tasks import dispatch_on_commit


class OutboxPermissionPolicy(ModelPermissionPolicy):
    """Messages are written by the code only: nobody adds, edits or deletes them in the admin."""

    read_only_actions = {"add", "change", "delete"}

    def user_has_permission(self, user, action):
        if action in self.read_only_actions:
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


outbox_permission_policy = OutboxPermissionPolicy(OutboxMessage)
register_permission_policy(OutboxMessage, outbox_permission_policy, exact_class=True)


class OutboxIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status == Status.FAILED and outbox_permission_policy.user_has_permission(
            self.request.user, "resend"
        ):
            buttons.append(
                MenuItem(
                    _("Renvoyer"),
                    url=reverse("outbox:resend", args=[instance.pk]),
                    icon_name="redirect",
                    priority=5,
                )
            )
        return buttons


def resend_view(request, pk):
    """Confirm (GET) then put a failed message back in the queue (POST)."""
    if not outbox_permission_policy.user_has_permission(request.user, "resend"):
        raise PermissionDenied
    message = tenancy.get_scoped_object_or_404(OutboxMessage.objects.all(), request.user, pk=pk)
    index_url = reverse("outbox:index")
    if message.status != Status.FAILED:
        messages.warning(request, _("Ce message n'est pas en échec : rien à renvoyer."))
        return redirect(index_url)
    if request.method == "POST":
        with transaction.atomic():
            changed = OutboxMessage.objects.filter(pk=message.pk, status=Status.FAILED).update(
                status=Status.PENDING, attempts=0, claimed_at=None
            )
            if changed:
                dispatch_on_commit(message.pk)
        messages.success(request, _("Le message à %s va être renvoyé.") % message.recipient)
        return redirect(index_url)
    return TemplateResponse(
        request,
        "notifications/admin/resend_confirm.html",
        {
            "message": message,
            "index_url": index_url,
            "page_title": _("Renvoyer un message"),
            "header_icon": "mail",
        },
    )


class OutboxViewSet(PharmacyScopedViewSet):
    model = OutboxMessage
    icon = "mail"
    menu_label = _("Envois")
    menu_order = 310
    add_to_admin_menu = True
    index_view_class = OutboxIndexView
    list_display = [
        "created_at",
        Column("event", label=_("Événement"), accessor="get_event_display", sort_key="event"),
        Column("channel", label=_("Canal"), accessor="get_channel_display", sort_key="channel"),
        Column("recipient", label=_("Destinataire"), accessor="get_recipient_display"),
        Column("status", label=_("Statut"), accessor="get_status_display", sort_key="status"),
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["recipient"]
    form_fields = ["status"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "pharmacy",
        "event",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "subject",
        "body_text",
        "created_at",
        "sent_at",
        "delivered_at",
    ]
    copy_view_enabled = False

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("resend/<int:pk>/", resend_view, name="resend"),
        ]


outbox_viewset = OutboxViewSet("outbox")


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return outbox_viewset
