"""Search without accents on PostgreSQL: patients on phones type "creme" for "Crème".

`unaccent` (a trusted extension since PostgreSQL 13) and the `officine_french` configuration, a copy
of `french` that strips accents before the French stemmer; the GIN index is rebuilt on it, since
PostgreSQL only uses an index built on the very expression a query filters on.
"""

from django.db import migrations

from collect.catalogue import SEARCH_CONFIG, SEARCH_INDEX, search_document


def _rebuild_index(apps, schema_editor, config):
    from django.contrib.postgres.indexes import GinIndex

    product = apps.get_model("collect", "Product")
    schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX}"')
    schema_editor.add_index(product, GinIndex(search_document(config), name=SEARCH_INDEX))


def search_without_accents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {SEARCH_CONFIG}")
    schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} (COPY = french)")
    schema_editor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"
    )
    _rebuild_index(apps, schema_editor, SEARCH_CONFIG)


def search_with_accents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _rebuild_index(apps, schema_editor, "french")
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {SEARCH_CONFIG}")


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0003_own_product"),
    ]

    operations = [
        migrations.RunPython(search_without_accents, search_with_accents, elidable=False),
    ]
