"""`pharmacies` is the bottom layer: it names no package of the project above it.

The features and the platform plug in through `pharmacies.extensions` instead (e.g. each app's
`patient_data` for the GDPR requests), so adding an app needs no edit here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

PHARMACIES = Path(settings.BASE_DIR) / "pharmacies"
OTHER_PACKAGES = {
    path.parent.name
    for path in Path(settings.BASE_DIR).glob("*/__init__.py")
    if path.parent.name != "pharmacies"
}


def imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pharmacies_imports_nothing_above_it():
    assert {"cms", "notifications", "ordonnances", "rdv", "config"} <= OTHER_PACKAGES
    upward = {
        str(path.relative_to(PHARMACIES)): sorted(imported_packages(path) & OTHER_PACKAGES)
        for path in PHARMACIES.rglob("*.py")
    }
    assert {name: found for name, found in upward.items() if found} == {}
