"""Demo content: an agency site and two pharmacies with pages, hours, identity and accounts.

Re-running it changes nothing. Apps add their own demo content through the `demo_pharmacy` and
`demo_agency` extension points (`pharmacies/extensions.py`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from cms.models import HomePage
from pharmacies.extensions import declared_objects
from pharmacies.provisioning import PharmacySpec, ensure_staff_user, provision_pharmacy
from pharmacies.tenancy import all_pharmacies

PORT = 8000
WEEKDAYS = {day: [("09:00", "12:30"), ("14:00", "19:30")] for day in range(5)}
WEEKDAYS[5] = [("09:00", "12:30")]

DEMO_PHARMACIES = [
    (
        PharmacySpec(
            name="Pharmacie du Centre",
            hostname="pharmacie-du-centre.localhost",
            port=PORT,
            slug="pharmacie-du-centre",
            street="12 place de la République",
            postal_code="69002",
            city="Lyon",
            phone="04 78 12 34 56",
            email="contact@pharmacie-du-centre.localhost",
            licence_number="69#001234",
            ars="ara",
            health_data_host="OVH SAS (hébergeur certifié HDS), 2 rue Kellermann, 59100 Roubaix",
            pharmacists=[("Claire Martin", "10101234567")],
            sms_sender="PharmCentre",
            hours=WEEKDAYS,
        ),
        ("centre", "centre@pharmacie-du-centre.localhost", "Centre-Demo-2026"),
    ),
    (
        PharmacySpec(
            name="Pharmacie des Halles",
            hostname="pharmacie-des-halles.localhost",
            port=PORT,
            slug="pharmacie-des-halles",
            street="3 rue des Halles",
            postal_code="75001",
            city="Paris",
            phone="01 42 33 44 55",
            email="contact@pharmacie-des-halles.localhost",
            licence_number="75#004321",
            ars="idf",
            health_data_host="Scaleway SAS (hébergeur certifié HDS), 8 rue de la Ville l'Évêque, 75008 Paris",
            pharmacists=[("Karim Benali", "10107654321"), ("Sophie Durand", "10109876543")],
            sms_sender="PharmHalles",
            hours={**WEEKDAYS, 5: [("09:00", "19:00")]},
        ),
        ("halles", "halles@pharmacie-des-halles.localhost", "Halles-Demo-2026"),
    ),
]
AGENCY_EDITOR = ("redaction", "redaction@officine.localhost", "Redaction-Demo-2026")
ADMIN = ("admin", "admin@officine.localhost", "Admin-Demo-2026")
AGENCY_GROUP = "Rédaction agence"


class Command(BaseCommand):
    help = "Create the demo sites, pages and accounts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        with all_pharmacies():  # the demo builds every pharmacy's data
            self.seed()

    def seed(self):
        agency_home = self.agency_site()
        User = get_user_model()
        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], ADMIN[1], ADMIN[2])
        editor_group, _ = Group.objects.get_or_create(name=AGENCY_GROUP)
        editor_group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        editor, created = User.objects.get_or_create(
            username=AGENCY_EDITOR[0],
            defaults={"email": AGENCY_EDITOR[1], "first_name": "Rédaction"},
        )
        if created:
            editor.set_password(AGENCY_EDITOR[2])
            editor.save()
        editor.groups.add(editor_group)
        for seed in declared_objects("demo_agency"):
            seed(agency_home)

        lines = [f"  admin (superuser)   {ADMIN[0]} / {ADMIN[2]}   http://localhost:{PORT}/admin/"]
        lines.append(f"  agency editor       {AGENCY_EDITOR[0]} / {AGENCY_EDITOR[2]}")
        for spec, (username, email, password) in DEMO_PHARMACIES:
            pharmacy, _ = provision_pharmacy(spec)
            ensure_staff_user(
                pharmacy, username, email, password, first_name=spec.pharmacists[0][0]
            )
            for seed in declared_objects("demo_pharmacy"):
                seed(pharmacy)
            lines.append(
                f"  {spec.name:<22}{username} / {password}   http://{spec.hostname}:{PORT}/"
            )
        self.stdout.write(self.style.SUCCESS("Demo ready. Accounts:"))
        self.stdout.write("\n".join(lines))

    def agency_site(self):
        root = Page.get_first_root_node()
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site and isinstance(site.root_page.specific, HomePage):
            return site.root_page.specific
        home = HomePage.objects.filter(slug="agence").first()
        if home is None:
            home = HomePage(
                title="Officine — le réseau de pharmacies",
                slug="agence",
                intro="<p>Les sites des pharmacies du réseau et les actualités santé de l'agence.</p>",
            )
            root.add_child(instance=home)
            home.save_revision().publish()
        if site is None:
            site = Site.objects.create(
                hostname="localhost",
                port=PORT,
                root_page=home,
                is_default_site=True,
                site_name="Officine (agence)",
            )
        else:
            old_root = site.root_page
            site.hostname, site.port, site.root_page = "localhost", PORT, home
            site.site_name = "Officine (agence)"
            site.save()
            if (
                old_root.depth == 2
                and old_root.pk != home.pk
                and not old_root.get_children().exists()
            ):
                old_root.delete()
        return home
