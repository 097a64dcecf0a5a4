"""Bot and cross-site protection for public forms, without any cookie for anonymous visitors.

Public forms carry no CSRF cookie (we set no cookie on patients' phones), so each rendered form gets
a signed hidden token binding it to its page and to the time it was shown. A POST is accepted only
with a valid token for that page, after a human-plausible fill time, with the honeypot left empty,
and, when the browser sends an Origin header, from the same origin.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from .fragments import hole
from .security import client_ip, public_post_rate_limited

logger = logging.getLogger("officine.forms")

SALT = "officine.forms_guard"
TOKEN_FIELD = "form_token"
TOKEN_HOLE = "form-token"
HONEYPOT_FIELD = "website"
MAX_AGE_SECONDS = 24 * 3600


def make_token(page_id: int, *, already_filled: bool = False) -> str:
    """`already_filled`: for a form re-shown with errors, whose patient already proved human."""
    shown_at = time.time() - (settings.OFFICINE_MIN_FILL_SECONDS if already_filled else 0)
    return signing.dumps({"p": page_id, "t": shown_at}, salt=SALT, compress=True)


def token_for_block(value, context) -> str:
    """A fresh token for the page a (cached) form block is rendered on: see `cms.fragments`."""
    return make_token(context["page"].pk)


@dataclass
class GuardResult:
    ok: bool
    silent_drop: bool = False
    reason: str = ""

    @property
    def message(self) -> str:
        """What to tell the patient when the POST is refused and not silently dropped."""
        if self.reason == "rate_limited":
            return str(RATE_LIMIT_MESSAGE)
        return str(TOKEN_ERROR_MESSAGE)


def is_same_origin(request) -> bool:
    """Browsers send Origin on POST; a form posted from another site is refused (no CSRF cookie)."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    return origin.rstrip("/") == f"{request.scheme}://{request.get_host()}"


def check_request(request, page_id: int, pharmacy_id: int | None = None) -> GuardResult:
    """Decide whether a POST looks like a real patient on this page.

    `silent_drop` means: behave as if it worked and store nothing (bots must not learn the rule).
    A missing or expired token is not silent: a real patient who left the tab open gets a message.
    """
    if not is_same_origin(request):
        logger.warning(
            "Cross-origin form POST refused: origin=%s host=%s",
            request.headers.get("Origin"),
            request.get_host(),
        )
        return GuardResult(False, reason="cross_origin")
    if public_post_rate_limited(
        request, pharmacy_id if pharmacy_id is not None else f"page-{page_id}"
    ):
        logger.warning("Rate limit hit on page %s from %s", page_id, client_ip(request))
        return GuardResult(False, reason="rate_limited")
    if request.POST.get(HONEYPOT_FIELD):
        logger.info("Honeypot filled on page %s; dropped", page_id)
        return GuardResult(False, silent_drop=True, reason="honeypot")
    try:
        data = signing.loads(request.POST.get(TOKEN_FIELD, ""), salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        logger.info("Missing, tampered or expired form token on page %s", page_id)
        return GuardResult(False, reason="token")
    if data.get("p") != page_id:
        return GuardResult(False, reason="token")
    if time.time() - float(data.get("t", 0)) < settings.OFFICINE_MIN_FILL_SECONDS:
        logger.info("Form on page %s submitted faster than a human; dropped", page_id)
        return GuardResult(False, silent_drop=True, reason="too_fast")
    return GuardResult(True)


TOKEN_ERROR_MESSAGE = _(
    "Le formulaire a expiré. Vérifiez vos informations et envoyez-le à nouveau."
)
CROSS_ORIGIN_MESSAGE = _("Envoi refusé : formulaire d'un autre site.")
RATE_LIMIT_MESSAGE = _(
    "Trop de demandes ont été envoyées depuis votre connexion. Merci de réessayer dans quelques "
    "minutes ou d'appeler la pharmacie."
)


class GuardedFormMixin(forms.Form):
    """Adds the hidden token and the honeypot to a public form; render both with the form."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, page_id: int | None = None, for_cache: bool = False, **kwargs):
        """`for_cache`: rendered once for every visitor (`cms.fragments`), the token left as a hole."""
        super().__init__(*args, **kwargs)
        if for_cache and not self.is_bound:
            self.initial[TOKEN_FIELD] = hole(TOKEN_HOLE)
        elif page_id is not None and not self.is_bound:
            self.initial[TOKEN_FIELD] = make_token(page_id)
        elif page_id is not None and self.is_bound:
            self.data = self.data.copy()
            self.data[TOKEN_FIELD] = make_token(page_id, already_filled=True)

    def annotate_for_rendering(self) -> None:
        """Point each input at its help text and error (aria-describedby), mark invalid ones.

        For a template that lays the fields out itself (rather than `{{ form }}`): its help text
        and error elements have the ids `<input id>_help` and `<input id>_error`.
        """
        errors = self.errors if self.is_bound else {}
        for name, field in self.fields.items():
            if name in (TOKEN_FIELD, HONEYPOT_FIELD) or field.widget.is_hidden:
                continue
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_help")
            if name in errors:
                described.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)
