"""The contact form's POST (the platform's guarded pipeline) and its thank-you page."""

from django.db import transaction

from cms import public_forms
from notifications.api import notify_pharmacy

from .forms import ContactForm
from .models import ContactMessage

BLOCK_TYPE = "contact_form"


def sent_url(page, request, block_id: str) -> str:
    return public_forms.page_route_url(page, request, "message", "sent", block_id=block_id)


class ContactMessageView(public_forms.PublicFormView):
    """Store the message and queue its e-mail to the pharmacy in one transaction, then 303."""

    block_type = BLOCK_TYPE
    form_class = ContactForm

    def process_form_submission(self, form):
        data = form.cleaned_data
        with transaction.atomic():
            message = ContactMessage.objects.create(
                pharmacy=self.pharmacy,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                subject=data["subject"],
                message=data["message"],
            )
            notify_pharmacy(pharmacy=self.pharmacy, event="contact_message", obj=message)
        return message

    def get_landing_url(self, submission):
        return sent_url(self.page, self.request, self.block_id)

    def get_decoy_landing_url(self):
        return sent_url(self.page, self.request, self.block_id)


submit = ContactMessageView.as_view()


def sent(request, page, block_id):
    """The page again, the block saying the message left (nothing about any stored message)."""
    page.find_block(block_id, BLOCK_TYPE)
    return public_forms.render_page(request, page, {"contact_sent": block_id})
