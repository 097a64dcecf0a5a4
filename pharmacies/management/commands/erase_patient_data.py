"""Answer a patient's erasure request: delete what one pharmacy holds about them (logged)."""

from django.core.management.base import BaseCommand, CommandError

from pharmacies import gdpr
from pharmacies.tenancy import pharmacy_scope

from ._patient import add_patient_arguments, command_label, pharmacy_and_contact


class Command(BaseCommand):
    help = "Erase a patient's records, files and messages (by email and/or phone) in one pharmacy."

    def add_arguments(self, parser):
        add_patient_arguments(parser)
        parser.add_argument(
            "--yes", action="store_true", help="Really erase (without it, only show what would go)"
        )

    def handle(self, *args, **options):
        pharmacy, email, phone = pharmacy_and_contact(options)
        with pharmacy_scope(pharmacy):
            self.run(pharmacy, email, phone, options)

    def run(self, pharmacy, email, phone, options):
        counts = gdpr.find_patient_records(pharmacy, email, phone).counts()
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        if not options["yes"]:
            raise CommandError(f"Would erase {summary}. Run again with --yes to erase.")
        counts = gdpr.erase_patient_data(
            pharmacy, email, phone, label=command_label("erase_patient_data")
        )
        self.stdout.write(f"Erased {', '.join(f'{n} {what}' for what, n in counts.items())}.")
