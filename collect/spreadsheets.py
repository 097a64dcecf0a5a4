"""Spreadsheet cells that cannot run as formulas when a pharmacist opens an export (OWASP).

A patient types their name on a public form, and an agency file may carry anything: a cell that
starts with = + - @, a tab or a carriage return is read by Excel or LibreOffice as a formula
("CSV injection": =HYPERLINK(...) sending data away, DDE commands). Such a text gets a leading
apostrophe, the OWASP recommendation, in CSV and XLSX alike; the catalogue import takes that
apostrophe off again, so an exported catalogue imports back unchanged.
"""

from __future__ import annotations

from pharmacies.phones import national

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` as a cell: a text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def restore(text: str) -> str:
    """Undo `neutralise` on a cell read back from one of our exports."""
    if text.startswith("'") and text[1:].startswith(TRIGGERS):
        return text[1:]
    return text


class SafeSpreadsheetMixin:
    """For a Wagtail index view's CSV/XLSX export: every cell through `neutralise`, and phone
    numbers in the national format a pharmacist dials ("06 12 34 56 78", not "+33612345678")."""

    phone_fields = ("phone",)

    def preprocess_field_value(self, field, value, export_format):
        if field in self.phone_fields:
            value = national(value)
        return neutralise(super().preprocess_field_value(field, value, export_format))
