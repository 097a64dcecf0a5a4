"""Answer a patient's access request: a ZIP of everything one pharmacy holds about them (logged)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from pharmacies import gdpr
from pharmacies.tenancy import pharmacy_scope

from ._patient import add_patient_arguments, command_label, pharmacy_and_contact


class Command(BaseCommand):
    help = "Export a patient's data (by email and/or phone) held by one pharmacy, as a ZIP file."

    def add_arguments(self, parser):
        add_patient_arguments(parser)
        parser.add_argument("--output", required=True, help="Path of the ZIP file to write")

    def handle(self, *args, **options):
        pharmacy, email, phone = pharmacy_and_contact(options)
        with pharmacy_scope(pharmacy):
            self.run(pharmacy, email, phone, options)

    def run(self, pharmacy, email, phone, options):
        counts = gdpr.find_patient_records(pharmacy, email, phone).counts()
        archive = gdpr.export_patient_data(
            pharmacy, email, phone, label=command_label("export_patient_data")
        )
        output = Path(options["output"])
        output.write_bytes(archive)
        output.chmod(0o600)
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(f"Wrote {output} ({len(archive)} bytes): {summary}.")
