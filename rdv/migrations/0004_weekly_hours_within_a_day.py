"""Weekly ranges now end within their day: a range past midnight becomes two ranges that touch.

A service on Friday 20h–2h becomes Friday 20h–0h and Saturday 0h–2h: the same hours, the slots
of the second range laid from 0h (a slot that straddled midnight is no longer offered).
"""

import datetime

from django.db import migrations, models

MIDNIGHT = datetime.time(0)


def split_ranges_past_midnight(apps, schema_editor):
    ServiceHours = apps.get_model("rdv", "ServiceHours")
    for row in ServiceHours.objects.exclude(closes=MIDNIGHT).filter(closes__lte=models.F("opens")):
        ServiceHours.objects.create(
            service_id=row.service_id,
            weekday=(row.weekday + 1) % 7,
            opens=MIDNIGHT,
            closes=row.closes,
            sort_order=row.sort_order,
        )
        row.closes = MIDNIGHT
        row.save(update_fields=["closes"])


class Migration(migrations.Migration):
    dependencies = [
        ("rdv", "0003_booking_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="servicehours",
            name="closes",
            field=models.TimeField(help_text="0:00 pour minuit.", verbose_name="jusqu'à"),
        ),
        migrations.AlterField(
            model_name="servicehours",
            name="opens",
            field=models.TimeField(verbose_name="de"),
        ),
        migrations.RunPython(split_ranges_past_midnight, migrations.RunPython.noop),
    ]
