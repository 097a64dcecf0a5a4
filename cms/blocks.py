"""Generic StreamField blocks every page can use; the feature apps declare theirs (`body_blocks`)."""

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from pharmacies.extensions import declared_mappings, declared_objects


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
    """Address, phone and email links, an "Itinéraire" link for the phone's maps app, and a map
    loaded only when the visitor asks for it (no third-party request before the click)."""

    title = blocks.CharBlock(label=_("titre"), default=_("Nous trouver"))
    show_map_link = blocks.BooleanBlock(
        label=_("carte et itinéraire"), required=False, default=True
    )

    class Meta:
        icon = "site"
        label = _("Contact et plan")
        template = "blocks/contact.html"


SERVICE_ICONS = [
    ("croix", _("Croix de pharmacie")),
    ("orthopedie", _("Orthopédie")),
    ("materiel", _("Matériel médical")),
    ("preparation", _("Préparations")),
    ("vaccin", _("Vaccination")),
    ("depistage", _("Dépistage")),
    ("conseil", _("Conseil")),
    ("livraison", _("Livraison")),
]


class FreeServiceBlock(blocks.StructBlock):
    """A service the pharmacy offers without an appointment (orthopédie, matériel médical…)."""

    name = blocks.CharBlock(label=_("service"), max_length=100)
    text = blocks.TextBlock(label=_("description"), required=False)
    icon = blocks.ChoiceBlock(label=_("icône"), choices=SERVICE_ICONS, default="croix")
    page = blocks.PageChooserBlock(label=_("page liée"), required=False)

    class Meta:
        icon = "pick"
        label = _("Service")


class ServicesBlock(blocks.StructBlock):
    """ "Nos services": the bookable services (from the apps, `public_services`) and free text ones."""

    title = blocks.CharBlock(label=_("titre"), default=_("Nos services"))
    show_bookable = blocks.BooleanBlock(
        label=_("montrer les prestations sur rendez-vous"), required=False, default=True
    )
    services = blocks.ListBlock(FreeServiceBlock(), label=_("autres services"))

    class Meta:
        icon = "list-ul"
        label = _("Nos services")
        template = "blocks/services.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        pharmacy = getattr(page, "pharmacy", None) if page is not None else None
        context["bookable"] = (
            declared_services(pharmacy, context.get("request"))
            if value.get("show_bookable") and pharmacy is not None
            else []
        )
        return context


class TeamMemberBlock(blocks.StructBlock):
    photo = ImageChooserBlock(label=_("photo"), required=False)
    name = blocks.CharBlock(label=_("nom"), max_length=100)
    role = blocks.CharBlock(label=_("rôle"), max_length=100, help_text=_("Ex. Pharmacienne"))
    text = blocks.TextBlock(label=_("présentation"), required=False)

    class Meta:
        icon = "user"
        label = _("Membre de l'équipe")


class TeamBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"), default=_("L'équipe"))
    members = blocks.ListBlock(TeamMemberBlock(), label=_("membres"))

    class Meta:
        icon = "group"
        label = _("L'équipe")
        template = "blocks/team.html"


def declared_services(pharmacy, request=None) -> list[dict]:
    """Every app's services a patient can book (`public_services`), with their links."""
    memo = getattr(request, "_officine_public_services", None) if request is not None else None
    if memo is not None and memo[0] == pharmacy.pk:
        return memo[1]
    rows = []
    for provider in declared_objects("public_services"):
        rows.extend(provider(pharmacy, request))
    if request is not None:
        # The services page, the description and the JSON-LD of one page ask the same question.
        request._officine_public_services = (pharmacy.pk, rows)
    return rows


def body_blocks():
    """The blocks of every page body: the generic ones, then those the apps declare (`body_blocks`)."""
    generic = [
        ("heading", HeadingBlock()),
        ("paragraph", blocks.RichTextBlock(label=_("Texte"), template="blocks/paragraph.html")),
        ("image", ImageWithCaptionBlock()),
        ("call_to_action", CallToActionBlock()),
        ("opening_hours", OpeningHoursBlock()),
        ("contact", ContactBlock()),
        ("services", ServicesBlock()),
        ("team", TeamBlock()),
    ]
    declared = [
        (name, import_string(path)()) for name, path in declared_mappings("body_blocks").items()
    ]
    return generic + declared


class PublicFormBlock(blocks.StructBlock):
    """Marks a block holding a public form: its page is never cached whole (`BasePage.serve`)."""

    is_public_form = True
