"""Each pharmacy's files: a public collection for its pages, an internal one for its staff only."""

import importlib

from django.apps import apps
from wagtail.models import BaseViewRestriction, Collection, CollectionViewRestriction

from pharmacies.models import Pharmacy
from pharmacies.provisioning import PharmacySpec, provision_pharmacy
from tests.factories import make_pharmacy

migration = importlib.import_module("pharmacies.migrations.0004_internal_collection")


def _internal_restriction(pharmacy):
    return CollectionViewRestriction.objects.get(
        collection=pharmacy.internal_collection, restriction_type=BaseViewRestriction.GROUPS
    )


def test_a_new_pharmacy_gets_a_public_and_an_internal_collection(pharmacy_a, pharmacy_b):
    internal = pharmacy_a.internal_collection
    assert internal.get_parent() == pharmacy_a.collection
    assert internal.name == "Pharmacie A — interne"
    assert not pharmacy_a.collection.get_view_restrictions().exists()
    assert list(_internal_restriction(pharmacy_a).groups.all()) == [pharmacy_a.staff_group]
    assert pharmacy_a.internal_collection != pharmacy_b.internal_collection


def _as_provisioned_before_internal_collections(pharmacy):
    internal = pharmacy.internal_collection
    Pharmacy.objects.filter(pk=pharmacy.pk).update(internal_collection=None)
    internal.delete()


def test_provisioning_again_adds_what_an_older_pharmacy_lacks(db):
    pharmacy = make_pharmacy("Pharmacie Ancienne", "ancienne.test")
    _as_provisioned_before_internal_collections(pharmacy)

    again, created = provision_pharmacy(_spec_of(pharmacy))
    provision_pharmacy(_spec_of(pharmacy))

    again.refresh_from_db()
    assert not created
    assert again.internal_collection.get_parent() == pharmacy.collection
    assert list(_internal_restriction(again).groups.all()) == [pharmacy.staff_group]
    assert Collection.objects.child_of(pharmacy.collection).count() == 1


def test_the_migration_gives_existing_pharmacies_their_internal_collection(pharmacy_a, pharmacy_b):
    for pharmacy in (pharmacy_a, pharmacy_b):
        _as_provisioned_before_internal_collections(pharmacy)

    migration.add_internal_collections(apps, None)

    for pharmacy in Pharmacy.objects.all():
        internal = pharmacy.internal_collection
        assert internal.get_parent() == pharmacy.collection
        assert internal.name == f"{pharmacy.name} — interne"
        assert list(_internal_restriction(pharmacy).groups.all()) == [pharmacy.staff_group]
    assert not any(Collection.find_problems())


def _spec_of(pharmacy):
    return PharmacySpec(
        name=pharmacy.name,
        hostname=pharmacy.site.hostname,
        port=pharmacy.site.port,
        slug=pharmacy.slug,
        street=pharmacy.street,
        postal_code=pharmacy.postal_code,
        city=pharmacy.city,
        phone=pharmacy.phone,
        email=pharmacy.email,
        licence_number=pharmacy.licence_number,
        ars=pharmacy.ars,
        health_data_host=pharmacy.health_data_host,
    )
