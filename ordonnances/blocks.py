"""The prescription upload form as a block a pharmacist can drop on any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class PrescriptionUploadBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("Envoyer mon ordonnance"))
    intro = blocks.RichTextBlock(label=_("introduction"), required=False)
    confirmation_text = blocks.RichTextBlock(
        label=_("texte de confirmation"),
        required=False,
        help_text=_("Affiché au patient après l'envoi, avec la référence."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Envoi d'ordonnance")
        template = "blocks/prescription_upload.html"
