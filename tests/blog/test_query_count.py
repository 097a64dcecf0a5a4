"""The news index costs the same number of queries whatever the number of posts."""

import datetime as dt
import io

from django.core.files.images import ImageFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage
from wagtail.images import get_image_model

from .conftest import make_post, news_index


def _image(n):
    buffer = io.BytesIO()
    PILImage.new("RGB", (96, 64), (n * 7 % 255, 122, 86)).save(buffer, "PNG")
    return get_image_model().objects.create(
        title=f"Image {n}", file=ImageFile(buffer, name=f"image-{n}.png")
    )


def _queries(client, url):
    client.get(url)  # first render creates the thumbnails; we measure the steady state
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_news_index_query_count_does_not_grow_with_posts(agency_blog, pharmacy_a, client_a):
    index_a = news_index(pharmacy_a)
    make_post(agency_blog, "Premier", date=dt.date(2026, 1, 1), tags=["a"], header_image=_image(0))
    few = _queries(client_a, "/actualites/")
    for n in range(1, 13):
        make_post(
            agency_blog,
            f"Agence {n}",
            date=dt.date(2026, 2, n),
            tags=["a", f"t{n}"],
            header_image=_image(n),
        )
        make_post(
            index_a,
            f"Pharmacie {n}",
            date=dt.date(2026, 3, n),
            tags=["b"],
            header_image=_image(100 + n),
        )
    html = client_a.get("/actualites/").content.decode()
    assert html.count('loading="lazy"') == 10  # a thumbnail per post of the first page
    assert _queries(client_a, "/actualites/") == few
    assert _queries(client_a, "/actualites/?tag=a&page=2") <= few + 1
