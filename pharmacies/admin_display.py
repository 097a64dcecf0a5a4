"""How the admin shows values and speaks of objects: French words, never Python's.

Wagtail's generic views print a boolean as "True", an empty value as "None", a stored phone number
as "+33671234589", and build their messages from the model's name ("Ajouter un(e) prestation",
"Le(la) pharmacie n'a pas pu être enregistré(e)"). A pharmacist reads none of that as French. The
columns and the inspect mixin below show values as a person would write them, and `Wording` lets
each viewset say its own messages with the right gender.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column

from . import phones

EMPTY = "—"


def yes_no(value) -> str:
    if value is None:
        return EMPTY
    return str(_("Oui")) if value else str(_("Non"))


def display_value(value):
    """A field's value as the admin shows it: Oui/Non, a dash for nothing, phones nationally."""
    if isinstance(value, bool):
        return yes_no(value)
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        return phones.national(value)
    return value


class YesNoColumn(BooleanColumn):
    """Wagtail's tick and cross, titled "Oui" / "Non" rather than "True" / "False"."""

    cell_template_name = "pharmacies/admin/yes_no_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["label"] = yes_no(context["value"])
        return context


class PhoneColumn(Column):
    """A stored E.164 number shown in the national format (06 71 23 45 89)."""

    def get_value(self, instance):
        return phones.national(super().get_value(instance))


class FrenchInspectMixin:
    """Inspect views: booleans, empty values and phone numbers shown as a person would write them."""

    def get_field_display_value(self, field_name, field):
        if getattr(self.object, field_name, None) is None:  # an empty image or link, not "None"
            return EMPTY
        value = super().get_field_display_value(field_name, field)
        if isinstance(field, models.BooleanField) or isinstance(value, bool):
            return yes_no(value)
        return display_value(value)


@dataclass(frozen=True)
class Wording:
    """What the admin says about one kind of object, agreeing in gender and number.

    `created`, `updated` and `deleted` receive `%(object)s`, the object's name.
    """

    add: str
    created: str
    updated: str
    deleted: str
    not_created: str
    not_saved: str

    def index_kwargs(self) -> dict:
        return {"add_item_label": self.add}

    def add_kwargs(self) -> dict:
        return {"success_message": self.created, "error_message": self.not_created}

    def edit_kwargs(self) -> dict:
        return {"success_message": self.updated, "error_message": self.not_saved}

    def delete_kwargs(self) -> dict:
        return {"success_message": self.deleted}
