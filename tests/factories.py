"""Test data built through the real provisioning code (no hand-made half pharmacies)."""

import itertools
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from ordonnances.models import Prescription
from pharmacies.provisioning import PharmacySpec, ensure_staff_user, provision_pharmacy
from rdv.models import Booking, Service

_counter = itertools.count(1)
WEEK = {day: [("09:00", "12:30"), ("14:00", "19:30")] for day in range(5)}
WEEK[5] = [("09:00", "12:30")]


def make_pharmacy(name=None, hostname=None, **overrides):
    n = next(_counter)
    name = name or f"Pharmacie Test {n}"
    spec = PharmacySpec(
        name=name,
        hostname=hostname or f"pharmacie-{n}.test",
        street=f"{n} rue de la Paix",
        postal_code="75002",
        city="Paris",
        phone="01 23 45 67 89",
        email=f"contact{n}@pharmacie.test",
        licence_number=f"75#{n:06d}",
        ars="idf",
        health_data_host="Hébergeur HDS Test, 1 rue du Cloud, 75000 Paris",
        pharmacists=[(f"Pharmacien {n}", f"{10100000000 + n}")],
        hours=WEEK,
        **overrides,
    )
    pharmacy, _ = provision_pharmacy(spec)
    return pharmacy


def make_staff(pharmacy, username=None, password="pw-Test-2026"):
    user, _ = ensure_staff_user(
        pharmacy, username or f"staff-{pharmacy.slug}", f"{pharmacy.slug}@staff.test", password
    )
    return user


def make_superuser(username="agency-admin"):
    User = get_user_model()
    return User.objects.create_superuser(username, f"{username}@agency.test", "pw-Test-2026")


class PrescriptionFactory(factory.django.DjangoModelFactory):
    """A received prescription of a given pharmacy (no file: the upload path has its own tests)."""

    class Meta:
        model = Prescription

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@patient.test")


class BookingFactory(factory.django.DjangoModelFactory):
    """A booked flu vaccination tomorrow at ten."""

    class Meta:
        model = Booking

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@patient.test")
    service = factory.LazyAttribute(
        lambda o: Service.objects.get_or_create(
            pharmacy=o.pharmacy,
            name="Vaccination antigrippale",
            defaults={"category": "vaccination", "duration_minutes": 15},
        )[0]
    )
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=1)).replace(hour=10, minute=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=15))
