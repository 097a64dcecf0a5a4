"""Weekly ranges now end within their day: a range past midnight becomes two ranges that touch.

Friday 20h–2h becomes Friday 20h–0h and Saturday 0h–2h, which the opening status and the slot
engine read as the same night; nothing a visitor sees changes.
"""

import datetime

from django.db import migrations, models

MIDNIGHT = datetime.time(0)


def split_ranges_past_midnight(apps, schema_editor):
    OpeningHours = apps.get_model("pharmacies", "OpeningHours")
    for row in OpeningHours.objects.exclude(closes=MIDNIGHT).filter(closes__lte=models.F("opens")):
        OpeningHours.objects.create(
            pharmacy_id=row.pharmacy_id,
            weekday=(row.weekday + 1) % 7,
            opens=MIDNIGHT,
            closes=row.closes,
            sort_order=row.sort_order,
        )
        row.closes = MIDNIGHT
        row.save(update_fields=["closes"])


class Migration(migrations.Migration):
    dependencies = [
        ("pharmacies", "0002_auditevent"),
    ]

    operations = [
        migrations.AlterField(
            model_name="openinghours",
            name="closes",
            field=models.TimeField(help_text="0:00 pour minuit.", verbose_name="jusqu'à"),
        ),
        migrations.AlterField(
            model_name="openinghours",
            name="opens",
            field=models.TimeField(verbose_name="de"),
        ),
        migrations.RunPython(split_ranges_past_midnight, migrations.RunPython.noop),
    ]
