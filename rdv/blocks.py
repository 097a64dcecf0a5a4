"""The appointment booking form as a block a pharmacist can drop on any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.blocks import PublicFormBlock
from cms.forms_guard import TOKEN_HOLE, token_for_block
from cms.fragments import CachedFragmentMixin

from .forms import NONCE_HOLE, fresh_nonce
from .models import SERVICE_CATEGORIES
from .steps import block_context


class AppointmentBookingBlock(CachedFragmentMixin, PublicFormBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Prendre rendez-vous"))
    intro = blocks.RichTextBlock(label=_("introduction"), required=False)
    categories = blocks.MultipleChoiceBlock(
        label=_("limiter aux prestations"),
        choices=SERVICE_CATEGORIES,
        required=False,
        help_text=_("Vide : toutes les prestations actives de la pharmacie."),
    )

    fragment_holes = {TOKEN_HOLE: token_for_block, NONCE_HOLE: fresh_nonce}

    def fragment_cacheable(self, value, context) -> bool:
        """Only the first step, before the patient picked anything or posted the form."""
        block_id = context.get("block_id")
        step = context.get("rdv_step") or {}
        return step.get("block_id") != block_id and block_id not in (
            context.get("bound_forms") or {}
        )

    def get_context(self, value, parent_context=None):
        """Adds the step the patient is at (service, day, time, details) and the form to show."""
        context = super().get_context(value, parent_context=parent_context)
        context.update(block_context(value, parent_context or {}))
        return context

    class Meta:
        icon = "date"
        label = _("Prise de rendez-vous")
        template = "blocks/appointment_booking.html"
