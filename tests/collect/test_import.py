"""Catalogue import: a dry run lists every row's errors and writes nothing; clean files import in bulk."""

import csv
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collect import catalogue_io
from collect.models import Category, Product

from .conftest import code

HEADER = "code;nom;marque;categorie;conditionnement;description;medicament\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def test_dry_run_lists_every_row_error_and_writes_nothing(db):
    data = csv_bytes(
        f"{code(1)};Dentifrice;Elgydium;Hygiène > Dentaire;75 ml;;non",
        "3401560071228;Crème;Avène;;;;non",  # wrong check digit
        f"{code(2)};;Uriage;;;;",  # no name
        f"{code(3)};Paracétamol 1 g;;;;;oui",  # a medicine
        f"{code(1)};Doublon;;;;;",  # same code twice
        "12345;Court;;;;;peut-être",
    )
    report = catalogue_io.import_catalogue(data, "catalogue.csv", dry_run=True)
    assert not report.written
    errors = {error.line: " ".join(error.messages) for error in report.errors}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "clé de contrôle" in errors[3]
    assert "nom est obligatoire" in errors[4]
    assert "médicaments ne sont pas proposés" in errors[5]
    assert "déjà présent ligne 2" in errors[6]
    assert "13 chiffres" in errors[7] and "oui ou non" in errors[7]
    assert Product.objects.count() == 0 and Category.objects.count() == 0


def test_import_of_a_file_with_errors_writes_nothing(db):
    data = csv_bytes(f"{code(1)};Dentifrice;;;;;", "3401560071228;Crème;;;;;")
    report = catalogue_io.import_catalogue(data, "catalogue.csv", dry_run=False)
    assert not report.written and len(report.errors) == 1
    assert Product.objects.count() == 0


def test_clean_file_creates_then_updates_by_code(db):
    first = csv_bytes(
        f"{code(1)};Dentifrice;Elgydium;Hygiène > Dentaire;75 ml;Protège les gencives.;non",
        f"{code(2)};Crème solaire;Avène;Solaires;50 ml;;",
    )
    report = catalogue_io.import_catalogue(first, "catalogue.csv", dry_run=False)
    assert (report.created, report.updated, report.written) == (2, 0, True)
    toothpaste = Product.objects.get(code=code(1))
    assert str(toothpaste.category) == "Hygiène › Dentaire"
    assert toothpaste.pack_size == "75 ml"

    second = csv_bytes(
        f"{code(1)};Dentifrice gencives;Elgydium;Hygiène > Dentaire;75 ml;Protège les gencives.;",
        f"{code(2)};Crème solaire;Avène;Solaires;50 ml;;",
    )
    report = catalogue_io.import_catalogue(second, "catalogue.csv", dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Product.objects.get(code=code(1)).name == "Dentifrice gencives"
    assert Product.objects.count() == 2


def test_two_thousand_rows_import_correctly_in_a_few_queries(db):
    lines = [
        f"{code(n)};Produit {n};Marque {n % 7};Rayon {n % 5} > Étagère {n % 3};{n} ml;;non"
        for n in range(1, 2001)
    ]
    with CaptureQueriesContext(connection) as queries:
        report = catalogue_io.import_catalogue(csv_bytes(*lines), "c.csv", dry_run=False)
    assert report.ok and report.created == 2000
    assert Product.objects.count() == 2000
    assert Product.objects.get(code=code(1234)).name == "Produit 1234"
    assert str(Product.objects.get(code=code(1234)).category) == "Rayon 4 › Étagère 1"
    # Bulk: a handful per category and one INSERT per batch (SQLite caps one at 999 parameters,
    # about 120 rows), never one per row.
    assert len(queries) < 2000 / 10


def test_excel_export_imports_back_unchanged(products):
    exported = catalogue_io.export_xlsx()
    report = catalogue_io.import_catalogue(exported, "catalogue.xlsx", dry_run=True)
    assert report.ok
    assert (report.total, report.unchanged) == (3, 3)


def test_csv_export_is_readable_by_excel_and_lists_every_product(products):
    text = catalogue_io.export_csv().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["code", "nom"]
    assert {row[1] for row in rows[1:]} == {p.name for p in products.values()}


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "c.csv", "vide"),
        (b"a;b\n1;2\n", "c.csv", "Colonnes manquantes"),
        (b"not a zip", "c.xlsx", "Excel"),
        (b"code;nom\n", "c.pdf", "CSV ou Excel"),
    ],
)
def test_unreadable_files_get_a_french_message(db, data, name, message):
    with pytest.raises(catalogue_io.ImportFileError) as error:
        catalogue_io.import_catalogue(data, name, dry_run=True)
    assert message in str(error.value)


def damaged_workbook() -> bytes:
    """A real .xlsx whose sheet was cut in half: the workbook opens, its rows do not."""
    products = catalogue_io.export_xlsx()
    source, damaged = zipfile.ZipFile(io.BytesIO(products)), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return damaged.getvalue()


def test_a_damaged_excel_sheet_gets_a_french_message(products):
    with pytest.raises(catalogue_io.ImportFileError, match="Excel n'a pas pu être lu"):
        catalogue_io.import_catalogue(damaged_workbook(), "c.xlsx", dry_run=True)


def test_nul_bytes_in_a_csv_are_dropped_not_sent_to_the_database(db):
    data = csv_bytes(f"{code(1)};Denti\x00frice;Elgy\x00dium;;;Pour\x00 les dents;non")
    report = catalogue_io.import_catalogue(data, "c.csv", dry_run=False)
    assert report.written
    product = Product.objects.get()
    assert (product.name, product.brand, product.description) == (
        "Dentifrice",
        "Elgydium",
        "Pour les dents",
    )


def test_agency_checks_a_file_in_the_admin_then_imports_it(superuser, client):
    """The admin page: a dry run lists each wrong row and writes nothing; a clean file imports."""
    client.force_login(superuser)
    url = reverse("collect_catalogue:import")
    bad = csv_bytes(f"{code(1)};Dentifrice;;;;;", "3401560071228;Crème;;;;;", f"{code(3)};;;;;;")
    upload = io.BytesIO(bad)
    upload.name = "catalogue.csv"
    checked = client.post(url, {"file": upload, "action": "import"})
    html = checked.content.decode()
    assert checked.status_code == 200
    assert "rien n&#x27;a été enregistré" in html or "rien n'a été enregistré" in html
    assert "clé de contrôle" in html and "nom est obligatoire" in html
    assert Product.objects.count() == 0

    for name, broken in (("c.xlsx", damaged_workbook()), ("c.pdf", b"%PDF-1.4")):
        upload = io.BytesIO(broken)
        upload.name = name
        refused = client.post(url, {"file": upload, "action": "check"})
        assert refused.status_code == 200 and "error-message" in refused.content.decode()

    upload = io.BytesIO(csv_bytes(f"{code(1)};Dentifrice;Elgydium;Hygiène > Dentaire;;;non"))
    upload.name = "catalogue.csv"
    imported = client.post(url, {"file": upload, "action": "import"}, follow=True)
    assert "Catalogue importé : 1 créés, 0 modifiés, 0 inchangés." in imported.content.decode()
    assert str(Product.objects.get().category) == "Hygiène › Dentaire"


def test_a_file_with_too_many_wrong_rows_says_only_the_first_are_listed(superuser, client):
    client.force_login(superuser)
    wrong = [f"{code(n)[:-1]}{(int(code(n)[-1]) + 1) % 10};Produit {n};;;;;" for n in range(1, 502)]
    upload = io.BytesIO(csv_bytes(*wrong))
    upload.name = "catalogue.csv"
    html = client.post(reverse("collect_catalogue:import"), {"file": upload}).content.decode()
    assert html.count("clé de contrôle") == 500
    assert "501 en erreur" in html
    assert "Les 500 premières lignes en erreur sont listées sur 501" in html
