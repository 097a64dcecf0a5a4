"""The appointment booking form as a block a pharmacist can drop on any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

SERVICE_CATEGORIES = [
    ("vaccination", _("Vaccination")),
    ("depistage", _("Dépistage (TROD)")),
    ("entretien", _("Entretien et bilan")),
    ("atelier", _("Atelier")),
    ("autre", _("Autre")),
]


class AppointmentBookingBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Prendre rendez-vous"))
    intro = blocks.RichTextBlock(label=_("introduction"), required=False)
    categories = blocks.MultipleChoiceBlock(
        label=_("limiter aux prestations"),
        choices=SERVICE_CATEGORIES,
        required=False,
        help_text=_("Vide : toutes les prestations actives de la pharmacie."),
    )

    def get_context(self, value, parent_context=None):
        """Adds the step the patient is at (service, day, time, details) and the form to show."""
        from .steps import block_context

        context = super().get_context(value, parent_context=parent_context)
        context.update(block_context(value, parent_context or {}))
        return context

    class Meta:
        icon = "date"
        label = _("Prise de rendez-vous")
        template = "blocks/appointment_booking.html"
