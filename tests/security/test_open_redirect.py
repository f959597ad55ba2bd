"""Open redirects: every `next=` the site honours (sign in, sign out, the agreement,
invitation redemption, the Wagtail admin login, and the account pages when they exist)
fed with URLs that lead off the site: other hosts, scheme-relative and backslash tricks,
`javascript:`, percent-encoded and whitespace/control-character variants. Wherever the
answer is a redirect, a browser following it stays on this site; nothing is a 5xx."""

from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from class_pages.models import Invitation, PolicyAcceptance, PolicyPage
from tests.helpers import audit_unless_sampled, shared_rows

HOST = "testserver"
EVIL = [
    "http://evil.test/",
    "https://evil.test/path",
    "//evil.test",
    "///evil.test",
    "////evil.test/",
    "/\\evil.test",
    "\\\\evil.test",
    "\\/evil.test",
    "/\\/evil.test",
    "https:evil.test",
    "http:/evil.test",
    "https:/\\evil.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.test/",
    "http://evil.test\\@testserver/",
    "https://evil.test%2f@testserver/",
    "http://evil.test#@testserver/",
    "%2F%2Fevil.test",
    "/%2F%2Fevil.test",
    "/%5Cevil.test",
    "%2f%5cevil.test",
    "\t//evil.test",
    " //evil.test",
    "/\t/evil.test",
    "/\n/evil.test",
    "\x00//evil.test",
    "\x0c//evil.test",
    "/\r\nLocation: http://evil.test/",
    "http://evil.test:80@testserver/",
    "https://evil.test/?next=/my-classes/",
    "ｈｔｔｐ://evil.test/",
    "／／evil.test",
]

# One test per payload and place: a payload that gets through does not hide the others.
# The quick suite tries a fixed sample of the payloads at every place; make test-audit all.
PAYLOADS = pytest.mark.parametrize(
    "payload", [audit_unless_sampled(pytest.param(p, id=ascii(p)[1:-1]), 6) for p in EVIL]
)
NUMBERED = pytest.mark.parametrize(
    ("number", "payload"),
    [audit_unless_sampled(pytest.param(n, p, id=ascii(p)[1:-1]), 6) for n, p in enumerate(EVIL)],
)

# What browsers ignore or rewrite before they parse a Location header.
C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def browser_view(location):
    """The URL as a browser reads it: C0 controls and spaces trimmed at both ends, tab
    and newlines dropped anywhere, backslashes taken for slashes."""
    cleaned = location.strip(C0_AND_SPACE)
    for char in "\t\n\r":
        cleaned = cleaned.replace(char, "")
    return cleaned.replace("\\", "/")


def assert_stays_on_site(response, payload):
    assert response.status_code < 500, f"{response.status_code} for next={payload!r}"
    if response.status_code not in (301, 302, 303, 307, 308):
        return
    location = response["Location"]
    seen = browser_view(location)
    parts = urlsplit(seen)
    assert parts.scheme in ("", "http", "https"), f"{payload!r} → {location!r}"
    assert parts.netloc in ("", HOST), f"{payload!r} → {location!r}"
    assert not seen.startswith("//"), f"{payload!r} → {location!r}"


def assert_next_fields_safe(response, payload):
    """A form that carries `next` on to its POST carries only a safe value."""
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    soup = BeautifulSoup(response.content, "html.parser")
    for field in soup.find_all("input", attrs={"name": "next"}):
        value = browser_view(field.get("value", ""))
        parts = urlsplit(value)
        assert parts.scheme in ("", "http", "https") and parts.netloc in ("", HOST), (
            f"next={payload!r} kept as {field.get('value')!r}"
        )
        assert not value.startswith("//"), f"next={payload!r} kept as {field.get('value')!r}"


def client_for(user=None, number=1):
    # One address per attempt: django-axes counts failures (a used invitation link is
    # one) by address, and a lockout would hide what the view does.
    client = Client(
        raise_request_exception=False, REMOTE_ADDR=f"10.9.{number // 250}.{number % 250}"
    )
    if user is not None:
        client.force_login(user)
    return client


def query(payload):
    return "next=" + quote(payload, safe="")


# --- sign in, sign out ---------------------------------------------------------------


@PAYLOADS
def test_sign_in(world, payload):
    client = _password_sign_in("/sign-in/", world.a.carers["Oak"], payload)
    # Already signed in: the sign-in page redirects at once.
    assert_stays_on_site(client.get(f"/sign-in/?{query(payload)}"), payload)


def _password_sign_in(path, user, payload):
    """The sign-in form at `path` with a hostile next=, shown then posted; the client."""
    client = client_for()
    page = client.get(f"{path}?{query(payload)}")
    assert_stays_on_site(page, payload)
    assert_next_fields_safe(page, payload)
    response = client.post(
        f"{path}?{query(payload)}",
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": payload},
    )
    assert response.status_code == 302, f"the sign-in at {path} itself failed"
    assert_stays_on_site(response, payload)
    return client


@PAYLOADS
def test_sign_out(world, payload):
    client = client_for(world.a.carers["Oak"])
    response = client.post(f"/sign-out/?{query(payload)}", {"next": payload})
    assert response.status_code == 302
    assert_stays_on_site(response, payload)


@PAYLOADS
def test_admin_login(world, payload):
    _password_sign_in("/admin/login/", world.a.teachers["Oak"], payload)


# --- the agreement -------------------------------------------------------------------


@shared_rows
def agreement_waiting(world):
    """A live agreement of School A that the Oak carer has not accepted yet (made once
    for the module; each test's acceptance is rolled back)."""
    policy = PolicyPage(title="Class pages agreement", body="<p>Be kind online.</p>", version=1)
    world.a.school.add_child(instance=policy)
    policy.save_revision().publish()
    return policy.pk


@PAYLOADS
def test_agreement(world, agreement_waiting, payload):
    assert not PolicyAcceptance.objects.exists()
    _agreement(world, payload)


def _agreement(world, payload):
    client = client_for(world.a.carers["Oak"])
    page = client.get(f"/agreement/?{query(payload)}")
    assert page.status_code == 200, "the agreement is not waiting"
    assert_next_fields_safe(page, payload)
    response = client.post(f"/agreement/?{query(payload)}", {"accept": "on", "next": payload})
    assert response.status_code == 302, "the agreement was not accepted"
    assert_stays_on_site(response, payload)
    # Nothing left to accept: the page sends the carer straight on.
    assert_stays_on_site(client.get(f"/agreement/?{query(payload)}"), payload)


# --- an invitation -------------------------------------------------------------------


def _invitation(world, number):
    invitation = Invitation(
        pupil=world.a.pupils["Oak"],
        adult_name="Jo Newcarer",
        email=f"jo.newcarer{number}@demo.invalid",
        has_responsibility=True,
        issued_by=world.a.office,
    )
    token = invitation.new_token()
    invitation.save()
    return token


@NUMBERED
def test_invitation_redemption(world, number, payload):
    _redeem(world, number, payload)


def _redeem(world, number, payload):
    token = _invitation(world, number)
    url = f"/invitations/{token}/?{query(payload)}"
    client = client_for(number=number)
    page = client.get(url)
    assert_stays_on_site(page, payload)
    assert_next_fields_safe(page, payload)
    account = client.post(
        url,
        {
            "first_name": "Jo",
            "last_name": "Newcarer",
            "password": "a long enough passphrase 42",
            "password_again": "a long enough passphrase 42",
            "next": payload,
        },
    )
    assert account.status_code == 302, "the account was not made"
    assert_stays_on_site(account, payload)
    consent = client.post(
        url,
        {
            "accept": "on",
            "participation": "yes",
            "photo": "yes",
            "video": "no",
            "audio": "no",
            "next": payload,
        },
    )
    assert consent.status_code == 302, "the invitation was not redeemed"
    assert_stays_on_site(consent, payload)
    # An existing account signs in through /sign-in/ and comes back to the link.
    existing = UserFactory(username=f"jo.existing{number}")
    other = client_for(existing, number=number)
    assert_stays_on_site(other.get(url), payload)


# --- account pages -------------------------------------------------------------------


@NUMBERED
def test_two_factor_verification(world, number, payload):
    """A signed-in teacher with an authenticator app proves it (here with a one-time
    backup code) and is sent on to `next`."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    teacher = world.a.teachers["Oak"]
    TOTPDevice.objects.create(user=teacher, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=teacher, name="Backup codes", confirmed=True)
    code = "".join("abcdefghjk"[int(digit)] for digit in f"{number:08d}")
    StaticToken.objects.create(device=backup, token=code)
    client = client_for(teacher, number=number)
    page = client.get(f"/account/two-factor/?{query(payload)}")
    assert page.status_code == 200, "the verification page is not shown"
    assert_next_fields_safe(page, payload)
    response = client.post(
        f"/account/two-factor/?{query(payload)}", {"code": code, "next": payload}
    )
    assert response.status_code == 302, f"the code was refused ({response.status_code})"
    assert_stays_on_site(response, payload)


@PAYLOADS
def test_sessions_page(world, payload):
    client = client_for(world.a.carers["Oak"])
    page = client.get(f"/account/sessions/?{query(payload)}")
    assert page.status_code == 200
    assert_stays_on_site(page, payload)
    assert_next_fields_safe(page, payload)
    ended = client.post(f"/account/sessions/end-others/?{query(payload)}", {"next": payload})
    assert_stays_on_site(ended, payload)


def test_payloads_are_really_refused(world):
    """The oracle can fail: a plain off-site Location is caught."""
    from django.http import HttpResponse, HttpResponseRedirect

    with pytest.raises(AssertionError):
        assert_stays_on_site(HttpResponseRedirect("https://evil.test/"), "x")
    sneaky = HttpResponse(status=302)
    sneaky["Location"] = "/\\evil.test"
    with pytest.raises(AssertionError):
        assert_stays_on_site(sneaky, "x")
