"""Every admin page a pharmacist or an agency editor can open reads in French.

A crawler starts at the dashboard, follows every admin link it finds (menu items included, which
Wagtail renders as JSON for its sidebar) and reads the visible text of each page: no English word a
French user would stumble on, no raw code (`booking_cancelled_by_patient`), no phone number in its
stored E.164 form. It opens a few objects of each kind (list, add and edit forms, detail pages),
not all of them: the words come from the templates and the model metadata, not from the rows.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from pprint import pformat
from urllib.parse import urlsplit

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client

from blog.demo import ensure_agency_blog
from blog.roles import AGENCY_EDITORS_GROUP, setup_agency_editors
from notifications.api import notify_contact
from rdv import booking as booking_operations
from tests.blog.conftest import AGENCY_HOST, make_post
from tests.ordonnances.conftest import PatientBrowser, jpeg
from tests.rdv.conftest import PARIS, make_service

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=PARIS)

#: English words that show through an untranslated template, label or message. Matched as whole
#: words, case included ("Notes" is French too; "None" never is).
ENGLISH = [
    "Add",
    "Edit",
    "Delete",
    "Save",
    "Cancel",
    "True",
    "False",
    "None",
    "name",
    "Name",
    "method",
    "approval",
    "Moderators",
    "Patient name",
    "created",
    "updated",
    "Search",
    "Filter",
    "Status",
    "Dashboard",
    "Settings",
    "Reports",
    "Help",
    "Log out",
    "Account",
    "Yes",
    "No",
]
ENGLISH_RE = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w'’-])")
RAW_CODE_RE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
E164_RE = re.compile(r"\+\d{9,14}\b")
GENERIC_GENDER_RE = re.compile(r"\S*(?:\w\(e\)|\(la\)|\(tte\)|/cette)\S*(?: \S+){0,3}")

SKIPPED = re.compile(
    r"logout|/export|export=|download|/file/|/preview|/jsi18n|/api/|/autocomplete|/chooser"
    r"|/bulk/|/choose|/usage/|/workflow/|/revisions/|/compare/|/lock/|/unlock/|/copy/|/move/"
    r"|/convert_alias/|/reorder|/sort|/sitemap|\.ics|\.(csv|xlsx|png|jpg|pdf)"
)
MAX_PAGES = 140
PER_PATTERN = 2


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template", "noscript", "svg"]):
        hidden.decompose()
    for tag in soup.select("[hidden], .w-sr-only-hidden"):
        tag.decompose()
    parts = [soup.get_text(" ")]
    for tag in soup.find_all(attrs={"title": True}):
        parts.append(tag["title"])
    for tag in soup.find_all(attrs={"placeholder": True}):
        parts.append(tag["placeholder"])
    return re.sub(r"\s+", " ", " ".join(parts))


def links(html: str) -> set[str]:
    found = set(re.findall(r'href="(/admin/[^"#]*)"', html))
    found |= set(re.findall(r'"url": ?"(/admin/[^"#]*)"', html))
    found |= set(re.findall(r"&quot;url&quot;: ?&quot;(/admin/[^&#]*)&quot;", html))
    return {url.replace("&amp;", "&") for url in found}


def pattern(url: str) -> str:
    path = urlsplit(url).path
    return re.sub(r"/\d+/", "/<id>/", path) + ("?" if "?" in url else "")


def problems_of(text: str) -> list[str]:
    found = [f"anglais « {m} »" for m in ENGLISH_RE.findall(text)]
    found += [f"code brut « {m} »" for m in RAW_CODE_RE.findall(text)]
    found += [f"numéro E.164 « {m} »" for m in E164_RE.findall(text)]
    found += [f"accord générique « {m} »" for m in GENERIC_GENDER_RE.findall(text)]
    return found


def crawl(client: Client, start: list[str]) -> dict[str, list[str]]:
    """{url: problems} over every admin page reachable from `start` (a few of each pattern)."""
    queue = list(start)
    seen: set[str] = set()
    per_pattern: Counter = Counter()
    report: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or SKIPPED.search(url) or per_pattern[pattern(url)] >= PER_PATTERN:
            continue
        seen.add(url)
        per_pattern[pattern(url)] += 1
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        found = problems_of(visible_text(html))
        if found:
            report[url] = sorted(set(found))
        queue.extend(sorted(links(html) - seen))
    assert len(seen) > 10, seen
    return report


@pytest.fixture(autouse=True)
def private_storage():
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    shutil.rmtree(root, ignore_errors=True)
    yield
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def busy_pharmacy(pharmacy_a, client_a):
    """A pharmacy with what a pharmacist works on: a prescription, bookings, a cancelled one."""
    with time_machine.travel(NOW, tick=False):
        assert PatientBrowser(client_a, pharmacy_a).send(files=[jpeg()]).status_code == 303
        service = make_service(pharmacy_a)
        make_service(pharmacy_a, name="TROD angine", slug="trod-angine", active=False)
        booking, _ = booking_operations.create_booking(
            service=service,
            start=NOW + timedelta(days=1, hours=2),
            first_name="Jeanne",
            last_name="Dupont",
            phone="+33671234589",
            email="jeanne@example.fr",
        )
        notify_contact(booking, event="booking_cancelled_by_patient")
    return pharmacy_a


def test_pharmacist_admin_is_french(busy_pharmacy, admin_client_a):
    report = crawl(admin_client_a, ["/admin/"])
    assert report == {}, pformat(report, width=100)


def test_agency_editor_admin_is_french(agency_home_for_crawl, django_user_model, pharmacy_a):
    blog = ensure_agency_blog(agency_home_for_crawl)
    setup_agency_editors(blog)
    make_post(blog, "Vaccination antigrippale")
    editor = django_user_model.objects.create_user("redaction", "r@agence.test", "pw-T-2026")
    editor.groups.add(editor.groups.model.objects.get(name=AGENCY_EDITORS_GROUP))
    client = Client()
    client.force_login(editor)
    report = crawl(client, ["/admin/", f"/admin/pages/{blog.pk}/"])
    assert report == {}, pformat(report, width=100)


@pytest.fixture
def agency_home_for_crawl(db):
    from wagtail.models import Page, Site

    from cms.models import HomePage

    home = HomePage(title="Officine — le réseau", slug="agence")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = AGENCY_HOST, 80, home, "Agence"
    site.save()
    return home
