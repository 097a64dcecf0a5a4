"""Patients over real HTTP, many at once: forms fetched first, then all posted at the same instant."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urljoin

import pytest
import requests

from bench.http_forms import PATIENT, fill, links_matching, parse, post_forms, rebase
from tests.ordonnances.filesets import large_jpeg


def session_for(host: str) -> requests.Session:
    session = requests.Session()
    session.headers["Host"] = host
    return session


def send_all(prepared) -> list[int]:
    """Every (session, url, kwargs) POSTed at the same instant; the status codes, in order."""
    barrier = threading.Barrier(len(prepared))

    def post(item):
        session, url, kwargs = item
        barrier.wait(timeout=60)
        return session.post(url, allow_redirects=False, timeout=120, **kwargs).status_code

    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        return list(pool.map(post, prepared))


def prepared_uploads(base: str, host: str, count: int, path="/ordonnance/"):
    """`count` patients who opened the upload page and filled it in, each with a photo."""
    photo = large_jpeg(1200, 900)
    prepared = []
    for n in range(count):
        session = session_for(host)
        page = session.get(base + path, timeout=30)
        assert page.status_code == 200, page.status_code
        form = next(f for f in post_forms(page.text, base + path) if "files" in f.files)
        data = fill(form, {**PATIENT, "last_name": f"Martin{n}", "notify_by": "both"})
        files = [("files", ("ordonnance.jpg", photo, "image/jpeg"))]
        prepared.append((session, rebase(form.action, base), {"data": data, "files": files}))
    return prepared


def free_start_links(base: str, host: str, count: int, path="/rendez-vous/") -> list[str]:
    """Links to `count` different free slots, walking the booking steps without JavaScript."""
    session = session_for(host)
    page = session.get(base + path, timeout=30)
    assert page.status_code == 200, page.status_code
    choose = next(f for f in parse(page.text).forms if f.method == "get" and "service" in f.radios)
    starts: set[str] = set()
    for service in choose.radios["service"]:
        query = urlencode({**choose.fields, "service": service})
        url = rebase(urljoin(page.url, choose.action), base) + "?" + query
        days = session.get(url, timeout=30)
        for day in links_matching(days.text, days.url, r"[?&]jour="):
            slots = session.get(rebase(day, base), timeout=30)
            starts |= {
                rebase(s, base) for s in links_matching(slots.text, slots.url, r"[?&]start=")
            }
            if len(starts) >= count:
                return sorted(starts)[:count]
    pytest.fail(f"only {len(starts)} free slots")


def prepared_bookings(base: str, host: str, count: int, path="/rendez-vous/"):
    """`count` patients each on the details step of a different free slot."""
    prepared = []
    for n, link in enumerate(free_start_links(base, host, count, path)):
        session = session_for(host)
        page = session.get(link, timeout=30)
        assert page.status_code == 200, page.status_code
        form = next(f for f in post_forms(page.text, link) if "start" in f.fields)
        data = fill(form, {**PATIENT, "last_name": f"Durand{n}", "notify_by": "both"})
        prepared.append((session, rebase(form.action, base), {"data": data}))
    return prepared
