"""Fixtures for the prescription flow: each pharmacy's upload page and a helper that posts to it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cms.models import ContentPage

from . import filesets

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
ACTION_RE = re.compile(
    r'<form class="officine-form prescription-form" method="post" action="([^"]+)"'
)


def upload_page_of(pharmacy) -> ContentPage:
    return ContentPage.objects.child_of(pharmacy.site.root_page).get(slug="ordonnance")


def next_open_day(pharmacy, start=None):
    day = start or timezone.localdate() + timedelta(days=1)
    while pharmacy.schedule.is_closed_day(day):
        day += timedelta(days=1)
    return day


def next_closed_day(pharmacy):
    day = timezone.localdate() + timedelta(days=1)
    while not pharmacy.schedule.is_closed_day(day):
        day += timedelta(days=1)
    return day


def jpeg(name="page1.jpg", data=None):
    return SimpleUploadedFile(name, data or filesets.jpeg_with_gps_exif(), "image/jpeg")


def valid_data(**overrides):
    data = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "email": "jeanne.martin@example.fr",
        "birth_date": "1980-04-12",
        "comment": "Génériques acceptés",
        "pickup": "",
        "notify_by": "both",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class PatientBrowser:
    """A patient on a pharmacy's site: opens the upload page, fills and sends the form."""

    def __init__(self, client, pharmacy):
        self.client = client
        self.pharmacy = pharmacy
        self.page = upload_page_of(pharmacy)

    def open(self):
        response = self.client.get(self.page.url)
        assert response.status_code == 200
        html = response.content.decode()
        return html, TOKEN_RE.search(html).group(1), ACTION_RE.search(html).group(1)

    def send(self, files=None, extra_files=None, **overrides):
        _html, token, action = self.open()
        data = valid_data(**overrides)
        data.setdefault("form_token", token)
        if files is None:
            files = [jpeg()]
        if files:
            data["files"] = files
        data.update(extra_files or {})
        return self.client.post(action, data)


@pytest.fixture
def patient_a(client_a, pharmacy_a):
    return PatientBrowser(client_a, pharmacy_a)


@pytest.fixture
def patient_b(client_b, pharmacy_b):
    return PatientBrowser(client_b, pharmacy_b)


def stored_files() -> list[Path]:
    """Everything in the private storage folder (what a refused submission must not leave)."""
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def empty_private_storage():
    """Each test starts and ends with an empty private storage folder."""
    import shutil

    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    shutil.rmtree(root, ignore_errors=True)
    yield
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def clear_sms_outbox():
    from notifications import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()
