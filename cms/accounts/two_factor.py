"""Two-factor sign-in: the gate that holds a signed-in person at /account/two-factor/
until they prove a second factor, and that page (ask for a set-up link by e-mail; once the
link is opened in this session, enrol an authenticator app with a QR code, confirm it, get
backup codes; or verify with a code at each sign-in). The links: cms.accounts.two_factor_links.

Who must pass is decided by class_pages.access.two_factor.needs_two_factor(), once at
sign-in, and kept in the session: people who need no second factor cost no query here.
Wrong codes are throttled per device by django-otp (exponential delay)."""

import logging
import math
import re
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from class_pages.access.two_factor import needs_two_factor, role_requires_two_factor
from class_pages.http import private_response
from class_pages.models.accounts import NEEDS_TWO_FACTOR
from cms.accounts import two_factor_links as links
from cms.accounts.security_log import log_event
from cms.middleware import SignedInGate

TWO_FACTOR_PATH = "/account/two-factor/"
# Reachable before the second factor: this page, signing out, static files.
EXEMPT_PREFIXES = (TWO_FACTOR_PATH, "/sign-out/", "/admin/logout/", "/static/")
BACKUP_CODES = 8


def required_in_session(request):
    required = request.session.get(NEEDS_TWO_FACTOR)
    if required is None:
        # A session from before two-factor sign-in existed: decide once, then remember.
        required = request.session[NEEDS_TWO_FACTOR] = needs_two_factor(request.user)
    return required


def is_verified(user):
    check = getattr(user, "is_verified", None)
    return bool(check and check())


class TwoFactorMiddleware(SignedInGate):
    target = TWO_FACTOR_PATH
    exempt_prefixes = EXEMPT_PREFIXES

    def must_stop(self, request):
        return required_in_session(request) and not is_verified(request.user)


# --- the page ---------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        if not re.fullmatch(r"[0-9]{6}|[a-z2-7]{8}", code):
            raise forms.ValidationError(
                "Enter the 6-digit code from your app, or one of your 8-letter backup codes."
            )
        return code


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or "/my-classes/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/my-classes/"


def _confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _throttled_message(device):
    """Said when django-otp refuses to check a code yet (exponential back-off per device)."""
    allowed, data = device.verify_is_allowed()
    if allowed or data.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return None
    wait = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
    return (
        f"Too many wrong codes in a row ({data['failure_count']}). For your safety, wait "
        f"{wait} second{'s' if wait != 1 else ''} before you try again."
    )


def _wrong_code_message(device):
    device.refresh_from_db()
    if device.throttling_failure_count >= 3:
        return _WRONG_CODE + " After several wrong codes, each try has to wait longer."
    return _WRONG_CODE


def _verify(user, code):
    """The device that accepts the code (throttled per device by django-otp), or None."""
    if code.isdigit():
        device = _confirmed_device(user)
        return device and django_otp.verify_token(user, device.persistent_id, code)
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return backup and django_otp.verify_token(user, backup.persistent_id, code)


def _qr_svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    # Made here by qrcode as path geometry from our own otpauth:// URL: no text of the URL
    # (nor anything a user typed) reaches the markup as text.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308  # nosec B308 B703


def _manual_key(device):
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _signed_in_with(request, device):
    django_otp.login(request, device)
    request.session[NEEDS_TWO_FACTOR] = needs_two_factor(request.user)


def _render(request, template, context, status=200):
    context = {"next": _safe_next(request), **context}
    return private_response(render(request, template, context, status=status))


@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Enrol (no confirmed app yet), verify (app enrolled, session not verified), or,
    once verified, see that it is on (and, when not required by a role, turn it off)."""
    user = request.user
    if not user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    device = _confirmed_device(user)
    if device is None:
        token = request.GET.get(links.LINK_PARAMETER)
        if token is not None:
            return _open_link(request, token)
        return _enrol(request)
    if not is_verified(user):
        return _check(request, device)
    return _manage(request)


def _open_link(request, token):
    """The e-mailed link, opened in a signed-in session of its account: this session may
    now set up an app (the link is spent). The token leaves the address bar at once."""
    if links.spend(request, token):
        log_event("two_factor_link_opened", request)
        return private_response(redirect(TWO_FACTOR_PATH))
    log_event("two_factor_link_refused", request, level=logging.WARNING)
    return _link_page(request, status=400, refused=True)


def _link_page(request, status=200, **context):
    """No app yet and no opened link in this session: only an e-mailed link starts the
    set-up (the password alone must not be enough to choose the second factor)."""
    user = request.user
    context = {
        "address": links.masked_address(user.email),
        "required": role_requires_two_factor(user),
        "minutes": links.lifetime() // 60,
        **context,
    }
    return _render(request, "cms/account_two_factor_link.html", context, status=status)


def _ask_for_link(request):
    if not request.user.email:
        messages.error(request, _NO_ADDRESS)
    elif links.ask_for_link(request, request.build_absolute_uri(TWO_FACTOR_PATH)):
        log_event("two_factor_link_sent", request)
        messages.success(request, "We have sent the link. Open it in this browser.")
    else:
        messages.info(request, "We sent a link less than a minute ago: please check your inbox.")
    return private_response(redirect(TWO_FACTOR_PATH))


_NO_ADDRESS = "Your account has no e-mail address: ask the school office to add one."


def _enrol(request):
    user = request.user
    device = links.granted_device(request)
    if device is None:
        if request.method == "POST" and request.POST.get("action") == "send-link":
            return _ask_for_link(request)
        # A code posted without an opened link (a script, an old form) sets up nothing.
        return _link_page(request, status=400 if request.method == "POST" else 200)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        throttled = _throttled_message(device)
        if throttled:
            form.add_error("code", throttled)
        elif code.isdigit() and django_otp.verify_token(user, device.persistent_id, code):
            with transaction.atomic():
                device.refresh_from_db()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = _new_backup_codes(user)
            links.forget_grant(request)
            _signed_in_with(request, device)
            log_event("two_factor_enrolled", request)
            messages.success(request, "Two-factor sign-in is on.")
            return _render(request, "cms/account_two_factor_done.html", {"codes": codes})
        else:
            form.add_error("code", _wrong_code_message(device))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "manual_key": _manual_key(device),
        "required": role_requires_two_factor(user),
    }
    status = 400 if form.errors else 200
    return _render(request, "cms/account_two_factor_enrol.html", context, status=status)


_WRONG_CODE = (
    "That code is not right, or it was already used. Codes change every 30 seconds: "
    "enter the one your app shows now (check the phone's clock if it keeps failing)."
)


def _check(request, device):
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = _throttled_message(device)
        if throttled:
            form.add_error("code", throttled)
        else:
            verified = _verify(user, form.cleaned_data["code"])
            if verified:
                _signed_in_with(request, verified)
                return private_response(redirect(_safe_next(request)))
            form.add_error("code", _wrong_code_message(device))
    status = 400 if form.errors else 200
    return _render(request, "cms/account_two_factor_verify.html", {"form": form}, status=status)


def _manage(request):
    user = request.user
    required = role_requires_two_factor(user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "backup-codes":
            codes = _new_backup_codes(user)
            return _render(request, "cms/account_two_factor_done.html", {"codes": codes})
        if action == "turn-off" and not required:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            request.session[NEEDS_TWO_FACTOR] = False
            messages.success(request, "Two-factor sign-in is off.")
            return private_response(redirect(TWO_FACTOR_PATH))
        messages.error(request, "That change is not available.")
        return private_response(redirect(TWO_FACTOR_PATH))
    return _render(request, "cms/account_two_factor_on.html", {"required": required})
