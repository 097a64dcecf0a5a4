"""The page every new pharmacy gets from this app: "Envoyer une ordonnance" with the upload block."""

import io
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from wagtail.rich_text import RichText

from cms.provisioning import feature_page
from pharmacies.tenancy import pharmacy_scope

from . import renewals, services
from .files import sanitise_upload
from .models import FileKind, Prescription, Status

UPLOAD_PAGE_SLUG = "ordonnance"


def upload_page_body() -> list[tuple[str, dict]]:
    """The body as (block type, value) pairs: Wagtail gives each block its id and checks the value."""
    return [
        (
            "prescription_upload",
            {
                "title": "Envoyer une ordonnance",  # the page title: one heading shown
                "intro": RichText(
                    "<p>Photographiez votre ordonnance (une photo par page) et envoyez-la : "
                    "nous préparons votre commande et vous prévenons dès qu'elle est prête.</p>"
                ),
                "confirmation_text": RichText(
                    "<p>Merci ! Nous préparons votre commande et vous prévenons dès "
                    "qu'elle est prête. Les produits à commander arrivent en général "
                    "sous 24 heures.</p>"
                ),
            },
        )
    ]


def default_pages(home):
    """An "Envoyer une ordonnance" page holding the upload block, once per pharmacy."""
    return feature_page(
        home, title="Envoyer une ordonnance", slug=UPLOAD_PAGE_SLUG, body=upload_page_body()
    )


DEMO_RENEWAL_EMAIL = "claire.renouvelable@example.org"


def _demo_page() -> bytes:
    """A made-up prescription page (no real patient), as a photo would arrive."""
    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    lines = [
        "Dr Exemple - médecin généraliste",
        "Ordonnance (démonstration)",
        "Traitement de fond : 1 comprimé par jour",
        "À renouveler 2 fois",
    ]
    for n, text in enumerate(lines):
        draw.text((40, 60 + 40 * n), text, fill="black")
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def seed_demo_renewal(pharmacy) -> Prescription:
    """A renewable prescription: dispensing 1 collected four weeks ago, dispensing 2 due now.

    Idempotent: the demo patient's renewable prescription is found again on a second run.
    """
    with pharmacy_scope(pharmacy):
        existing = Prescription.objects.filter(
            pharmacy=pharmacy, email=DEMO_RENEWAL_EMAIL, renewal__isnull=False
        ).first()
        if existing is not None:
            return existing
        clean = sanitise_upload(
            _demo_page(),
            max_bytes=settings.OFFICINE_UPLOAD_MAX_BYTES,
            max_pixels=settings.OFFICINE_UPLOAD_MAX_PIXELS,
        )
        with transaction.atomic():
            prescription = services.create_prescription(
                pharmacy=pharmacy,
                fields={
                    "first_name": "Claire",
                    "last_name": "Renouvelable",
                    "email": DEMO_RENEWAL_EMAIL,
                    "notify_by": "email",
                    "comment": "Traitement de fond, ordonnance renouvelable.",
                },
                uploads=[services.Upload(kind=FileKind.PAGE, position=0, clean=clean)],
                renewal={"requested_months": 3},
            )
            services.change_status(prescription, Status.READY)
            services.change_status(prescription, Status.COLLECTED)
            today = timezone.localdate()
            schedule = renewals.set_schedule(
                prescription,
                dispensings_total=3,
                interval_days=28,
                first_date=today - timedelta(days=28),
            )
            renewals.ensure_dispensing(schedule, 2)
        return prescription


def seed_demo(pharmacy):
    default_pages(pharmacy.site.root_page.specific)
    seed_demo_renewal(pharmacy)
