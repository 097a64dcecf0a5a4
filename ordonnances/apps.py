import json
import uuid

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

UPLOAD_PAGE_SLUG = "ordonnance"


def upload_page_body() -> str:
    return json.dumps(
        [
            {
                "type": "prescription_upload",
                "id": str(uuid.uuid4()),
                "value": {
                    "title": "Envoyer une ordonnance",  # the page title: one heading shown
                    "intro": (
                        "<p>Photographiez votre ordonnance (une photo par page) et envoyez-la : "
                        "nous préparons votre commande et vous prévenons dès qu'elle est prête."
                        "</p>"
                    ),
                    "confirmation_text": (
                        "<p>Merci ! Nous préparons votre commande et vous prévenons dès "
                        "qu'elle est prête. Les produits à commander arrivent en général "
                        "sous 24 heures.</p>"
                    ),
                },
            }
        ]
    )


class OrdonnancesConfig(AppConfig):
    """Prescriptions sent from the pharmacies' websites and the pharmacists' workflow."""

    name = "ordonnances"
    verbose_name = _("Ordonnances")
    default_auto_field = "django.db.models.BigAutoField"
    pharmacy_staff_permissions = [
        "ordonnances.view_prescription",
        "ordonnances.change_prescription",
        "ordonnances.view_prescription_files",
    ]

    def ready(self):
        from cms.celery import app

        app.conf.beat_schedule["ordonnances-purge-expired"] = {
            "task": "ordonnances.purge_expired",
            "schedule": 24 * 3600.0,
        }

    def pharmacy_default_pages(self, home):
        """An "Envoyer une ordonnance" page holding the upload block, once per pharmacy."""
        from cms.models import ContentPage

        if ContentPage.objects.child_of(home).filter(slug=UPLOAD_PAGE_SLUG).exists():
            return []
        page = ContentPage(
            title="Envoyer une ordonnance",
            slug=UPLOAD_PAGE_SLUG,
            show_in_menus=True,
            body=upload_page_body(),
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        return [page]

    def seed_demo(self, pharmacy):
        self.pharmacy_default_pages(pharmacy.site.root_page.specific)
