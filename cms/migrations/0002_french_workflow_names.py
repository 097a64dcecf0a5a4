"""The agency's moderation workflow, its task and Wagtail's two default groups get French names.

"Moderators approval" is the name Wagtail's documentation and `blog.roles` gave them; editors read
it on every post they submit. Renamed in place (same rows, so pages in moderation stay there).
"""

from django.db import migrations

WORKFLOW = ("Moderators approval", "Validation par la rédaction")
GROUPS = [("Moderators", "Modérateurs"), ("Editors", "Rédacteurs")]


def rename(apps, pairs):
    Group = apps.get_model("auth", "Group")
    for old, new in pairs["groups"]:
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    old, new = pairs["workflow"]
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=old).update(name=new)
    apps.get_model("wagtailcore", "Task").objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, {"groups": GROUPS, "workflow": WORKFLOW})


def backwards(apps, schema_editor):
    rename(
        apps,
        {
            "groups": [(new, old) for old, new in GROUPS],
            "workflow": tuple(reversed(WORKFLOW)),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
