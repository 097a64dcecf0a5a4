"""Two-factor authentication (TOTP, django-otp) for every user of the Wagtail admin.

After the password, an admin user must confirm a TOTP code before any other admin URL answers; a
user without a device is sent to enrol one (QR code for any authenticator app). The session key is
rotated at login by Django and again once the second factor is verified.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

ADMIN_PREFIX = "/admin/"
OPEN_ADMIN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/2fa/", "/admin/password_reset/")


class RequireTwoFactorMiddleware:
    """Every admin URL needs a verified second factor when OFFICINE_2FA_REQUIRED is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.OFFICINE_2FA_REQUIRED
            and request.path.startswith(ADMIN_PREFIX)
            and not request.path.startswith(OPEN_ADMIN_PATHS)
            and request.user.is_authenticated
            and not request.user.is_verified()
        ):
            target = (
                "officine_2fa_verify" if user_has_device(request.user) else "officine_2fa_setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code à 6 chiffres de votre application d'authentification"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request):
    target = request.GET.get("next") or request.POST.get("next") or reverse("wagtailadmin_home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("wagtailadmin_home")
    return target


def _verified(request, device):
    otp_login(request, device)
    request.session.cycle_key()
    return redirect(_next_url(request))


@login_required(login_url="wagtailadmin_login")
def verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                return _verified(request, device)
        form.add_error("token", _("Code incorrect ou expiré."))
    return render(request, "security/2fa_verify.html", {"form": form, "next": _next_url(request)})


@login_required(login_url="wagtailadmin_login")
def setup(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return _verified(request, device)
        form.add_error("token", _("Code incorrect ou expiré."))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "security/2fa_setup.html",
        {"form": form, "qr": qr, "secret": secret, "next": _next_url(request)},
    )


urlpatterns = [
    path("2fa/verify/", verify, name="officine_2fa_verify"),
    path("2fa/setup/", setup, name="officine_2fa_setup"),
]
