from django.db import migrations, models

from collect.catalogue import SEARCH_INDEX, search_document


def add_search_index(apps, schema_editor):
    """PostgreSQL's GIN index on the products' full-text document (SQLite has no full text)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    product = apps.get_model("collect", "Product")
    schema_editor.add_index(product, GinIndex(search_document("french"), name=SEARCH_INDEX))


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["name", "id"], name="collect_product_name"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["category", "name", "id"], name="collect_product_shelf"),
        ),
        migrations.RunPython(add_search_index, remove_search_index, elidable=False),
    ]
