"""Shared arguments of the GDPR commands: which pharmacy, which patient."""

import getpass

from django.core.management.base import CommandError

from pharmacies.models import Pharmacy
from pharmacies.phones import to_e164


def add_patient_arguments(parser):
    parser.add_argument("--pharmacy", required=True, help="Identifiant (slug) de la pharmacie")
    parser.add_argument("--email", default="", help="E-mail du patient")
    parser.add_argument("--phone", default="", help="Téléphone du patient (06 12 34 56 78)")


def pharmacy_and_contact(options):
    try:
        pharmacy = Pharmacy.objects.get(slug=options["pharmacy"])
    except Pharmacy.DoesNotExist as exc:
        raise CommandError(f"No pharmacy with the identifier {options['pharmacy']!r}") from exc
    email, phone = options["email"].strip(), options["phone"].strip()
    if not email and not phone:
        raise CommandError("Give --email and/or --phone")
    if phone and to_e164(phone) is None:
        raise CommandError(f"Invalid phone number {phone!r}")
    return pharmacy, email or None, phone or None


def command_label(name: str) -> str:
    """Who ran a command, for the audit trail: the operating-system account."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"{name} ({who})"[:150]
