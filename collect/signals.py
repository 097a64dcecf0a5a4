"""Cached catalogue counts forgotten when what they count changes (see `catalogue.bump`).

Bulk writes send no signal: the import, the bulk offer edit and the demo seed call `bump`.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import catalogue
from .models import Category, PharmacyProduct, Product


@receiver([post_save, post_delete], sender=PharmacyProduct)
def offer_changed(sender, instance, **kwargs):
    catalogue.bump(instance.pharmacy_id)


@receiver([post_save, post_delete], sender=Product)
@receiver([post_save, post_delete], sender=Category)
def catalogue_changed(sender, instance, **kwargs):
    catalogue.bump()
