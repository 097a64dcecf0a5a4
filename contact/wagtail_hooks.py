"""Admin: the pharmacy's received messages, scoped to its own."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from pharmacies.viewsets import PharmacyScopedViewSet

from .models import ContactMessage


class ContactMessageViewSet(PharmacyScopedViewSet):
    model = ContactMessage
    pharmacy_field = "pharmacy"
    url_prefix = "messages"
    icon = "mail"
    menu_label = _("Messages reçus")
    menu_order = 150
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["subject", "name", "created_at", "answered_label"]
    list_filter = ["answered"]
    form_fields = ["answered"]


contact_message_viewset = ContactMessageViewSet("contact_messages")


@hooks.register("register_admin_viewset")
def register_contact_message_viewset():
    return contact_message_viewset
