"""Signing in and out on the public site: by username or e-mail, a clear error for a
wrong password or a disabled account, broken sessions treated as signed out, and sign-out
only by POST."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import assert_private

INVALID_LOGIN = b"That username or e-mail and password do not match an active account."
OAK = b"Oak, 2026-27"


def sign_in(client, username, password=DEFAULT_PASSWORD, **data):
    return client.post("/sign-in/", {"username": username, "password": password, **data})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize(
    "login",
    [
        pytest.param("oak.carer", id="username"),
        pytest.param("oak.carer@demo.invalid", id="e-mail"),
        pytest.param("  Oak.Carer@Demo.Invalid ", id="e-mail-any-case"),
        # A phone keyboard's full-width letters are the same login (NFKC, as Django's own
        # username field reads it).
        pytest.param("\uff4f\uff41\uff4b.carer", id="compatibility-form"),
    ],
)
def test_carer_signs_in_and_lands_on_my_classes(world, client, login):
    carer = world.a.carers["Oak"]
    response = sign_in(client, login)
    assert response.status_code == 302
    assert response["Location"] == "/my-classes/"
    assert signed_in_user_id(client) == str(carer.pk)

    my_classes = client.get(response["Location"])
    assert my_classes.status_code == 200
    assert OAK in my_classes.content
    assert b"Willow, 2026-27" not in my_classes.content


def test_sign_in_returns_to_the_page_asked_for(world, client):
    response = sign_in(client, "oak.carer", next="/classes/oak-2026-27/")
    assert response.status_code == 302
    assert response["Location"] == "/classes/oak-2026-27/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x"])
def test_sign_in_never_redirects_off_site(world, client, next_url):
    response = sign_in(client, "oak.carer", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/my-classes/"


def test_sign_in_page_is_private_and_asks_for_username_or_email(db, client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    assert_private(response)
    assert b"Username or e-mail" in response.content


def test_signed_in_user_visiting_sign_in_goes_to_my_classes(world, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get("/sign-in/")
    assert response.status_code == 302
    assert response["Location"] == "/my-classes/"


@pytest.mark.parametrize(
    ("login", "password"),
    [
        pytest.param("oak.carer", "not-the-password", id="wrong-password"),
        pytest.param("oak.carer@demo.invalid", "not-the-password", id="wrong-password-e-mail"),
        pytest.param("nobody.here", DEFAULT_PASSWORD, id="unknown-username"),
        pytest.param("nobody@demo.invalid", DEFAULT_PASSWORD, id="unknown-e-mail"),
        pytest.param("", "", id="empty"),
        pytest.param("oak.carer", "", id="no-password"),
    ],
)
def test_failed_sign_in_shows_the_clear_error(world, client, login, password):
    response = sign_in(client, login, password)
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    if login and password:
        assert INVALID_LOGIN in response.content
        assert b'role="alert"' in response.content
    # Still signed out: the private pages send us back here.
    assert client.get("/my-classes/").status_code == 302


@pytest.mark.parametrize("login", ["oak.carer", "oak.carer@demo.invalid"])
def test_disabled_account_cannot_sign_in(world, client, login):
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()
    response = sign_in(client, login)
    assert response.status_code == 200
    assert INVALID_LOGIN in response.content
    assert signed_in_user_id(client) is None
    assert client.get("/classes/oak-2026-27/").status_code == 302


def test_shared_email_address_signs_in_nobody(world, client):
    """Two accounts with one address: the e-mail does not pick one at random."""
    UserFactory(username="second.carer", email="oak.carer@demo.invalid")
    response = sign_in(client, "oak.carer@demo.invalid")
    assert response.status_code == 200
    assert INVALID_LOGIN in response.content
    assert signed_in_user_id(client) is None
    assert sign_in(client, "oak.carer").status_code == 302


# --- broken sessions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    ["garbage", "x" * 40, "", "\u00e9t\u00e9", "a" * 4096],
)
@pytest.mark.parametrize("path", ["/my-classes/", "/classes/oak-2026-27/"])
def test_garbage_session_cookie_is_signed_out_not_500(world, client, cookie, path):
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


def test_expired_session_is_signed_out(world, client):
    client.force_login(world.a.carers["Oak"])
    assert client.get("/my-classes/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    # The cached copy (cached_db sessions) expires at the same moment by its own timeout.
    caches[settings.SESSION_CACHE_ALIAS].delete(cached_db.KEY_PREFIX + key)
    response = client.get("/classes/oak-2026-27/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/classes/oak-2026-27/"


def test_password_change_signs_out_other_sessions(world, client):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    assert client.get("/classes/oak-2026-27/").status_code == 200
    carer.set_password("a-brand-new-password")
    carer.save()
    response = client.get("/classes/oak-2026-27/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_session_of_a_deleted_account_is_signed_out(world, client):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    carer.delete()
    response = client.get("/my-classes/")
    assert response.status_code == 302


# --- signing out --------------------------------------------------------------------


def test_sign_out_by_get_is_refused(world, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get("/sign-out/")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert client.get("/my-classes/").status_code == 200


def test_sign_out_by_post_signs_out(world, client):
    client.force_login(world.a.carers["Oak"])
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert signed_in_user_id(client) is None
    assert client.get("/my-classes/").status_code == 302
    assert client.get("/classes/oak-2026-27/").status_code == 302


def test_sign_out_needs_the_csrf_token(world):
    """Another site cannot sign a carer out by posting a form at us."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.carers["Oak"])
    assert client.post("/sign-out/").status_code == 403
    assert client.get("/my-classes/").status_code == 200

    page = client.get("/my-classes/")
    token = page.context["csrf_token"]
    response = client.post("/sign-out/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert client.get("/my-classes/").status_code == 302


def test_sign_in_form_works_with_csrf_enforced(world):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/sign-in/")
    token = str(page.context["csrf_token"])
    response = client.post(
        "/sign-in/",
        {"username": "oak.carer", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == "/my-classes/"
