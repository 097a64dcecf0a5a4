"""Provision a pharmacy from the command line (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from pharmacies.models import ARS
from pharmacies.provisioning import (
    PharmacySpec,
    ProvisioningError,
    ensure_staff_user,
    provision_pharmacy,
)


class Command(BaseCommand):
    help = "Create a pharmacy: its Site, page tree, collections, staff group and optionally a pharmacist."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--hostname", required=True)
        parser.add_argument("--port", type=int, default=80)
        parser.add_argument("--slug", default="")
        parser.add_argument("--street", required=True)
        parser.add_argument("--postal-code", required=True)
        parser.add_argument("--city", required=True)
        parser.add_argument("--phone", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--licence", required=True, help="Numéro de licence")
        parser.add_argument("--ars", required=True, choices=ARS.values)
        parser.add_argument("--health-data-host", required=True)
        parser.add_argument(
            "--pharmacist",
            action="append",
            default=[],
            metavar="NAME:RPPS",
            help="Titular pharmacist, repeatable",
        )
        parser.add_argument("--user", help="Username of a first pharmacist account")
        parser.add_argument("--user-email")
        parser.add_argument("--user-password")
        parser.add_argument(
            "--titular",
            action="store_true",
            help="The account is the titular pharmacist's: audit trail and GDPR requests",
        )

    def handle(self, *args, **opts):
        pharmacists = []
        for item in opts["pharmacist"]:
            name, _, rpps = item.rpartition(":")
            if not name or not rpps.isdigit() or len(rpps) != 11:
                raise CommandError(
                    f"--pharmacist expects 'Full Name:RPPS' with 11 digits, got {item!r}"
                )
            pharmacists.append((name, rpps))
        spec = PharmacySpec(
            name=opts["name"],
            hostname=opts["hostname"],
            port=opts["port"],
            slug=opts["slug"],
            street=opts["street"],
            postal_code=opts["postal_code"],
            city=opts["city"],
            phone=opts["phone"],
            email=opts["email"],
            licence_number=opts["licence"],
            ars=opts["ars"],
            health_data_host=opts["health_data_host"],
            pharmacists=pharmacists,
        )
        try:
            pharmacy, created = provision_pharmacy(spec)
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if created else "Already exists, permissions re-synchronised:"
        self.stdout.write(self.style.SUCCESS(f"{verb} {pharmacy.name} on {pharmacy.site.hostname}"))
        if opts["user"]:
            user, user_created = ensure_staff_user(
                pharmacy,
                opts["user"],
                opts["user_email"] or "",
                opts["user_password"],
                titular=opts["titular"],
            )
            state = "created" if user_created else "already existed, added to the staff group"
            self.stdout.write(f"Pharmacist account {user.username} {state}.")
