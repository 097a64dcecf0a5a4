"""Generic StreamField blocks every page can use, plus the feature blocks of the other apps."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("titre"), max_length=150)
    level = blocks.ChoiceBlock(
        label=_("niveau"), choices=[("h2", _("Titre")), ("h3", _("Sous-titre"))], default="h2"
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "blocks/heading.html"


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("texte alternatif"),
        required=False,
        help_text=_("Décrit l'image pour les personnes qui ne la voient pas. Vide si décorative."),
    )
    caption = blocks.CharBlock(label=_("légende"), required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), max_length=120)
    text = blocks.TextBlock(label=_("texte"), required=False)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("ou adresse"), required=False)
    button_label = blocks.CharBlock(label=_("libellé du bouton"), max_length=60)

    class Meta:
        icon = "link"
        label = _("Appel à l'action")
        template = "blocks/call_to_action.html"


class OpeningHoursBlock(blocks.StructBlock):
    """Shows the pharmacy's own hours, so there is one place to change them."""

    title = blocks.CharBlock(label=_("titre"), default=_("Horaires d'ouverture"))

    class Meta:
        icon = "time"
        label = _("Horaires d'ouverture")
        template = "blocks/opening_hours.html"


class ContactBlock(blocks.StructBlock):
    """Address with a map link (no embedded third-party map: no tracker), phone and email links."""

    title = blocks.CharBlock(label=_("titre"), default=_("Nous trouver"))
    show_map_link = blocks.BooleanBlock(label=_("lien vers la carte"), required=False, default=True)

    class Meta:
        icon = "site"
        label = _("Contact et plan")
        template = "blocks/contact.html"


def body_blocks():
    """The blocks of every page body; feature blocks come from their own apps."""
    from cms.blog.blocks import LatestNewsBlock
    from ordonnances.blocks import PrescriptionUploadBlock
    from rdv.blocks import AppointmentBookingBlock

    return [
        ("heading", HeadingBlock()),
        ("paragraph", blocks.RichTextBlock(label=_("Texte"), template="blocks/paragraph.html")),
        ("image", ImageWithCaptionBlock()),
        ("call_to_action", CallToActionBlock()),
        ("opening_hours", OpeningHoursBlock()),
        ("contact", ContactBlock()),
        ("prescription_upload", PrescriptionUploadBlock()),
        ("appointment_booking", AppointmentBookingBlock()),
        ("latest_news", LatestNewsBlock()),
    ]


FORM_BLOCK_TYPES = {"prescription_upload", "appointment_booking"}
