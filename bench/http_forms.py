"""Filling the public forms over real HTTP, as a browser without JavaScript would.

Used by the benchmarks and by `scripts/prod_check.py`: GET the page, read the form's hidden
fields (the signed `form_token`, booking nonce, chosen service and start), fill in a patient and
POST it. Standard library HTML parsing and `requests`, no browser.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    checkboxes: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form.fields[name] = a.get("value", "")
            elif kind == "checkbox":
                form.checkboxes.append(name)
            elif kind not in ("submit", "button"):
                form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form.selects[name] = []
        elif tag == "option" and self._select:
            form.selects[self._select].append(a.get("value", ""))
            if "selected" in a:
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def parse(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


def post_forms(html: str, base_url: str) -> list[Form]:
    forms = [f for f in parse(html).forms if f.method == "post"]
    for form in forms:
        form.action = urljoin(base_url, unescape(form.action))
    return forms


def links_matching(html: str, base_url: str, pattern: str) -> list[str]:
    return [urljoin(base_url, h) for h in parse(html).links if re.search(pattern, h)]


PATIENT = {
    "first_name": "Camille",
    "last_name": "Martin",
    "phone": "06 12 34 56 78",
    "email": "camille.martin@example.org",
}


def fill(form: Form, values: dict[str, str]) -> dict[str, str]:
    """Hidden fields as served, the patient's details, the first choice of anything unset."""
    data = dict(form.fields)
    for name, choices in {**form.radios, **form.selects}.items():
        if not data.get(name):
            data[name] = next((c for c in choices if c), "")
    for name in form.checkboxes:
        data[name] = "on"
    data["website"] = ""  # the honeypot stays empty
    data.update({k: v for k, v in values.items() if k in data or k in PATIENT})
    return data


def rebase(url: str, base_url: str) -> str:
    """Same path and query on the server we talk to (pages may link with their public hostname)."""
    target, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))


def submit_prescription(session: requests.Session, page_url: str, jpeg: bytes, timeout=60):
    """GET the upload page, POST one photo; returns (response after redirects, post seconds)."""
    page = session.get(page_url, timeout=timeout)
    page.raise_for_status()
    form = next(f for f in post_forms(page.text, page.url) if "files" in f.files)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    files = [("files", ("ordonnance.jpg", jpeg, "image/jpeg"))]
    response = session.post(rebase(form.action, page_url), data=data, files=files, timeout=timeout)
    return response, response.elapsed.total_seconds()


def follow(session: requests.Session, response, base_url: str, timeout=30):
    """Follow redirects ourselves: the site redirects to its public hostname, we stay on loopback."""
    for _ in range(5):
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = rebase(urljoin(response.url, response.headers["Location"]), base_url)
        response = session.get(target, timeout=timeout, allow_redirects=False)
    return response


def submit_booking(session: requests.Session, page_url: str, timeout=30, min_fill=0.0):
    """Walk the no-JavaScript steps (service, day, time) and POST the details form."""
    page = session.get(page_url, timeout=timeout)
    page.raise_for_status()
    parsed = parse(page.text)
    choose = next(f for f in parsed.forms if f.method == "get" and "service" in f.radios)
    query = {**choose.fields, "service": choose.radios["service"][0]}
    url = rebase(urljoin(page.url, unescape(choose.action)), page_url) + "?" + urlencode(query)
    for pattern in (r"[?&]jour=", r"[?&]start="):
        page = session.get(url, timeout=timeout)
        page.raise_for_status()
        found = links_matching(page.text, page.url, pattern)
        if not found:
            raise RuntimeError(f"no link matching {pattern} on {page.url}")
        url = rebase(found[0], page_url)
    page = session.get(url, timeout=timeout)
    form = next(f for f in post_forms(page.text, page.url) if "start" in f.fields)
    data = fill(form, {**PATIENT, "notify_by": "both"})
    time.sleep(min_fill)  # a human takes a few seconds; faster posts are silently dropped
    response = session.post(
        rebase(form.action, page_url), data=data, timeout=timeout, allow_redirects=False
    )
    return follow(session, response, page_url, timeout)
