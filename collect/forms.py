"""The patient's reservation form: the selection, the pickup day and the contact, in French."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.forms_guard import GuardedFormMixin
from notifications.forms import DateInput, PatientContactFormMixin
from pharmacies.forms import clean_pickup_day

from .models import MAX_QUANTITY, PharmacyProduct
from .services import Wanted

PICKUP_MAX_DAYS = 30
MAX_LINES = 30


def parse_selection(values) -> dict[int, int]:
    """{offer id: quantity} from "id:quantity" strings (query string or POST); junk is dropped.

    The same product twice adds up; each quantity is kept between 1 and MAX_QUANTITY.
    """
    selection: dict[int, int] = {}
    for value in list(values)[: MAX_LINES * 2]:
        head, _sep, tail = str(value).partition(":")
        try:
            offer_id, quantity = int(head), int(tail or 1)
        except ValueError:
            continue
        if offer_id <= 0 or offer_id > 2**62 or quantity <= 0:
            continue
        selection[offer_id] = min(selection.get(offer_id, 0) + quantity, MAX_QUANTITY)
    return dict(list(selection.items())[:MAX_LINES])


def selection_offers(pharmacy, selection: dict[int, int]) -> list[PharmacyProduct]:
    """The pharmacy's active offers named in the selection, in the selection's order."""
    offers = {
        offer.pk: offer
        for offer in PharmacyProduct.objects.filter(
            pharmacy=pharmacy, pk__in=list(selection), active=True
        ).select_related("product")
    }
    return [offers[pk] for pk in selection if pk in offers]


class ReservationForm(GuardedFormMixin, PatientContactFormMixin):
    """Everything the patient sends; `items` holds the checked selection after validation."""

    birth_date = None  # not needed to set products aside

    selection = forms.CharField(required=False, widget=forms.MultipleHiddenInput)
    pickup_date = forms.DateField(
        label=_("Jour de retrait"),
        widget=DateInput(),
        error_messages={
            "required": _("Choisissez le jour où vous passerez à la pharmacie."),
            "invalid": _("Indiquez une date valide (jj/mm/aaaa)."),
        },
        help_text=_("Un jour d'ouverture de la pharmacie, dans les 30 prochains jours."),
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que la pharmacie utilise mes coordonnées pour préparer ma réservation et "
            "me prévenir."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour réserver.")},
    )

    field_order = [
        "first_name",
        "last_name",
        "phone",
        "email",
        "pickup_date",
        "comment",
        "notify_by",
        "consent",
    ]

    def __init__(self, *args, pharmacy, **kwargs):
        super().__init__(*args, pharmacy=pharmacy, **kwargs)
        self.items: list[Wanted] = []

    def clean_selection(self):
        values = self.data.getlist("selection") if hasattr(self.data, "getlist") else []
        selection = parse_selection(values)
        if not selection:
            raise forms.ValidationError(
                _("Votre sélection est vide : ajoutez au moins un produit du catalogue.")
            )
        offers = selection_offers(self.pharmacy, selection)
        gone = [str(offer.product) for offer in offers if not offer.reservable]
        if len(offers) < len(selection) or gone:
            raise forms.ValidationError(
                _(
                    "Certains produits de votre sélection ne sont plus disponibles à la "
                    "réservation%(names)s : retirez-les pour continuer."
                )
                % {"names": (" (" + ", ".join(gone) + ")") if gone else ""}
            )
        self.items = [Wanted(offer, selection[offer.pk]) for offer in offers]
        return [f"{pk}:{quantity}" for pk, quantity in selection.items()]

    def clean_pickup_date(self):
        return clean_pickup_day(
            self.pharmacy,
            self.cleaned_data.get("pickup_date"),
            max_days=PICKUP_MAX_DAYS,
            too_far=_("Choisissez un jour dans les %(days)d prochains jours."),
        )

    @property
    def visible_text_fields(self):
        return [self[name] for name in ("first_name", "last_name", "phone", "email")]

    def reservation_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **self.contact_fields(),
            "pickup_date": data["pickup_date"],
            "comment": data.get("comment", "").strip(),
        }
