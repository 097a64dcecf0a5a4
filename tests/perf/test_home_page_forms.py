"""The benchmarked home page holds the upload block while the default "ordonnance" page exists.

Its form posts to "/ordonnance/<block id>/", a path that starts with the child page's slug: the
child page must not swallow it (it used to answer 404, so the form on the home page never worked).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.http_forms import PATIENT, fill, post_forms
from cms.blocks import body_blocks
from ordonnances.models import Prescription
from tests.ordonnances.filesets import large_jpeg

pytestmark = pytest.mark.django_db


def test_upload_block_on_a_home_page_with_an_ordonnance_child_page(client_a, pharmacy_a):
    home = pharmacy_a.site.root_page.specific
    assert home.get_children().filter(slug="ordonnance").exists()
    home.body = [("prescription_upload", dict(body_blocks())["prescription_upload"].get_default())]
    home.save_revision().publish()

    page = client_a.get("/")
    form = next(f for f in post_forms(page.content.decode(), "http://testserver/") if f.files)
    assert form.action.startswith("http://testserver/ordonnance/")
    data = fill(form, {**PATIENT, "notify_by": "email"})
    data["files"] = SimpleUploadedFile("ordonnance.jpg", large_jpeg(800, 600), "image/jpeg")
    response = client_a.post(form.action.removeprefix("http://testserver"), data)

    assert response.status_code == 303
    assert "/envoyee/" in response["Location"]
    assert Prescription.objects.filter(pharmacy=pharmacy_a, last_name="Martin").count() == 1
    assert client_a.get(response["Location"]).status_code == 200
    # The child page itself is still reachable at its own address.
    assert client_a.get("/ordonnance/").status_code == 200
