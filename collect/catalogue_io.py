"""The agency catalogue in and out of a spreadsheet (CSV or XLSX), with a dry run first.

An import reads every row, checks every row and lists every row's errors before anything is
written; it writes only a file without errors, all in one transaction. Rows are matched on their
code: a known code updates the product, a new one creates it. Writes are bulk (a few queries per
thousand rows), so the 20,000 products of a full catalogue import in seconds, not minutes.

Kept free of django-import-export on purpose: its per-row instance pipeline (one query or more
per row) is what makes large imports slow, and our rows have five plain columns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from .catalogue import bump as bump_catalogue
from .codes import code_error, normalise
from .models import Category, Product
from .spreadsheets import neutralise, restore

# Column headings, in the French the agency's spreadsheet uses; first one the key.
COLUMNS = ("code", "nom", "marque", "categorie", "conditionnement", "description", "medicament")
REQUIRED = ("code", "nom")
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
BATCH = 1000
YES = {"oui", "o", "yes", "y", "1", "true", "vrai", "x"}
NO = {"", "non", "n", "no", "0", "false", "faux"}
FIELD_LIMITS = {"nom": 200, "marque": 120, "conditionnement": 60, "categorie": 170}
CATEGORY_SEPARATOR = ">"
UPDATED_FIELDS = ["name", "brand", "category", "pack_size", "description"]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, size, headings); the message is French."""


@dataclass
class RowError:
    line: int
    code: str
    messages: list[str]


@dataclass
class ImportReport:
    """What an import found (dry run) or did: counts and every row's errors."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Row:
    line: int
    code: str
    name: str
    brand: str
    category_path: tuple[str, ...]
    pack_size: str
    description: str


# --- Reading ----------------------------------------------------------------------------


def _rows_from_csv(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on French Windows
    # NUL bytes (a binary file renamed .csv) mean nothing in a catalogue, and PostgreSQL refuses
    # them in text: dropped here rather than a server error when the rows are written.
    text = text.replace("\x00", "")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _rows_from_xlsx(data: bytes) -> Iterator[list[str]]:
    # openpyxl is imported here only: reading a CSV should not pay for loading it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        SyntaxError,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
    ) as exc:
        raise ImportFileError("Ce fichier Excel n'a pas pu être lu.") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except (SyntaxError, zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError) as exc:
        # Damaged XML is a ParseError (a SyntaxError), found on opening or, as the rows are read
        # lazily, only here.
        raise ImportFileError("Ce fichier Excel n'a pas pu être lu.") from exc
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number in Excel
    return str(value)


def read_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    if len(data) > MAX_BYTES:
        raise ImportFileError("Ce fichier est trop volumineux (20 Mo au plus).")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _rows_from_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _rows_from_csv(data)
    raise ImportFileError("Choisissez un fichier CSV ou Excel (.xlsx).")


def _headings(first: list[str]) -> dict[str, int]:
    found = {}
    for index, heading in enumerate(first):
        key = slugify(str(heading or "")).replace("-", "")
        key = {"ean": "code", "cip": "code", "name": "nom", "brand": "marque"}.get(key, key)
        if key in COLUMNS and key not in found:
            found[key] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ImportFileError(
            "Colonnes manquantes : "
            + ", ".join(missing)
            + ". La première ligne doit nommer les colonnes : "
            + ", ".join(COLUMNS)
            + "."
        )
    return found


def parse(data: bytes, filename: str) -> tuple[list[Row], list[RowError]]:
    """Every row of the file, checked; (good rows, errors of the others)."""
    rows_iter = read_rows(data, filename)
    try:
        first = next(rows_iter)
    except StopIteration as exc:
        raise ImportFileError("Ce fichier est vide.") from exc
    except csv.Error as exc:
        raise ImportFileError("Ce fichier CSV n'a pas pu être lu.") from exc
    columns = _headings(first)
    good: list[Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        for line, values in enumerate(rows_iter, start=2):
            if not any(str(v).strip() for v in values):
                continue
            if len(good) + len(errors) >= MAX_ROWS:
                raise ImportFileError(f"Ce fichier dépasse {MAX_ROWS} lignes : découpez-le.")
            row, messages = _check(line, values, columns)
            if row is not None and row.code in seen:
                messages.append(f"Code déjà présent ligne {seen[row.code]}.")
            if messages:
                errors.append(RowError(line, row.code if row else "", messages))
            else:
                seen[row.code] = line
                good.append(row)
    except csv.Error as exc:
        raise ImportFileError("Ce fichier CSV n'a pas pu être lu.") from exc
    return good, errors


def _check(line: int, values: list[str], columns: dict[str, int]) -> tuple[Row | None, list[str]]:
    def value(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(values):
            return ""
        return restore(" ".join(str(values[index]).split()))

    messages = []
    code = normalise(value("code"))
    error = code_error(code)
    if error:
        messages.append(error)
    name = value("nom")
    if not name:
        messages.append("Le nom est obligatoire.")
    for column, limit in FIELD_LIMITS.items():
        if len(value(column)) > limit:
            messages.append(f"« {column} » dépasse {limit} caractères.")
    medicine = value("medicament").lower()
    if medicine in YES:
        messages.append(
            "Les médicaments ne sont pas proposés à la réservation en ligne : ligne refusée."
        )
    elif medicine not in NO:
        messages.append("« medicament » doit valoir oui ou non.")
    path = tuple(
        part.strip() for part in value("categorie").split(CATEGORY_SEPARATOR) if part.strip()
    )
    if len(path) > 2:
        messages.append("Deux niveaux de catégorie au plus (ex. : Hygiène > Dentaire).")
    description_index = columns.get("description")
    description = (
        str(values[description_index]).strip()
        if description_index is not None and description_index < len(values)
        else ""
    )
    row = Row(line, code, name, value("marque"), path, value("conditionnement"), description)
    return row, messages


# --- Writing ----------------------------------------------------------------------------


def _categories(paths: Iterable[tuple[str, ...]], *, create: bool) -> dict[tuple[str, ...], int]:
    """{path: category id} for every path, created when missing (only when writing)."""
    known: dict[tuple[str, ...], int] = {}
    by_id = {}
    for pk, name, parent_id in Category.objects.values_list("pk", "name", "parent_id"):
        by_id[pk] = (name, parent_id)
    for pk, (name, parent_id) in by_id.items():
        path = (by_id[parent_id][0], name) if parent_id in by_id else (name,)
        known.setdefault(tuple(p.casefold() for p in path), pk)
    wanted = {path for path in paths if path}
    wanted |= {path[:1] for path in wanted}  # parents first: a child needs its parent's id
    result: dict[tuple[str, ...], int] = {}
    for path in sorted(wanted, key=len):
        key = tuple(p.casefold() for p in path)
        if key not in known and create:
            parent_id = result.get(path[:1]) if len(path) == 2 else None
            category = Category.objects.create(
                name=path[-1], slug=_free_slug(path), parent_id=parent_id
            )
            known[key] = category.pk
        if key in known:
            result[path] = known[key]
    return result


def _free_slug(path: tuple[str, ...]) -> str:
    base = slugify("-".join(path))[:70] or "categorie"
    slug, n = base, 2
    while Category.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def import_catalogue(data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
    """Check the file; when `dry_run` is false and no row has an error, write it all at once."""
    rows, errors = parse(data, filename)
    report = ImportReport(total=len(rows) + len(errors), errors=errors)
    existing = {
        code: (pk, (name, brand, category_id, pack_size, description))
        for code, pk, name, brand, category_id, pack_size, description in Product.objects.filter(
            own_pharmacy__isnull=True
        ).values_list("code", "pk", "name", "brand", "category_id", "pack_size", "description")
    }
    write = not dry_run and report.ok
    with transaction.atomic():
        categories = _categories((row.category_path for row in rows), create=write)
        to_create, to_update = [], []
        for row in rows:
            category_id = categories.get(row.category_path)
            values = (row.name, row.brand, category_id, row.pack_size, row.description)
            if row.code not in existing:
                report.created += 1
                to_create.append(
                    Product(
                        code=row.code,
                        name=row.name,
                        brand=row.brand,
                        category_id=category_id,
                        pack_size=row.pack_size,
                        description=row.description,
                    )
                )
            elif existing[row.code][1] != values or (row.category_path and category_id is None):
                report.updated += 1
                to_update.append(
                    Product(
                        pk=existing[row.code][0],
                        name=row.name,
                        brand=row.brand,
                        category_id=category_id,
                        pack_size=row.pack_size,
                        description=row.description,
                    )
                )
            else:
                report.unchanged += 1
        if write:
            Product.objects.bulk_create(to_create, batch_size=BATCH)
            Product.objects.bulk_update(to_update, UPDATED_FIELDS, batch_size=BATCH)
            bump_catalogue()
            report.written = True
    return report


# --- Export -----------------------------------------------------------------------------


def _export_rows() -> Iterator[list[str]]:
    categories = {
        pk: (name, parent_id)
        for pk, name, parent_id in Category.objects.values_list("pk", "name", "parent_id")
    }

    def path(pk):
        if pk not in categories:
            return ""
        name, parent_id = categories[pk]
        return f"{categories[parent_id][0]} > {name}" if parent_id in categories else name

    yield list(COLUMNS)
    products = (
        Product.objects.filter(own_pharmacy__isnull=True)
        .order_by("code")
        .values_list("code", "name", "brand", "category_id", "pack_size", "description")
    )
    for code, name, brand, category_id, pack_size, description in products.iterator(2000):
        row = [code, name, brand, path(category_id), pack_size, description, "non"]
        yield [neutralise(cell) for cell in row]


def export_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(_export_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx() -> bytes:
    # See _rows_from_xlsx: openpyxl only when a workbook is asked for.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Catalogue")
    for row in _export_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
