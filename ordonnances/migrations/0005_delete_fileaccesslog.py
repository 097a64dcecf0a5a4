"""The file log is gone: file views and downloads are AuditEvent rows (copied by 0004)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ordonnances", "0004_copy_file_access_logs_to_audit_trail"),
    ]

    operations = [
        migrations.DeleteModel(name="FileAccessLog"),
    ]
