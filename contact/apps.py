from django.utils.translation import gettext_lazy as _

from pharmacies import extensions


class ContactConfig(extensions.PluggableAppConfig):
    """The "Contact" page: a message form stored for the pharmacy and sent to it by e-mail."""

    name = "contact"
    verbose_name = _("Messages")

    body_blocks = {"contact_form": "contact.blocks.ContactFormBlock"}
    page_routes = {"message": "contact.page_urls"}
    staff_permissions = ["contact.view_contactmessage", "contact.change_contactmessage"]
    default_pages = "contact.provisioning.default_pages"
    patient_data = "contact.gdpr.ContactMessageData"
