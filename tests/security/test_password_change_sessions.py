"""A password change ends the account's other sessions (Django checks each session's
password hash on every request): after a change in the Wagtail admin account page the
browser that made it stays signed in and every other one is signed out; after a password
reset the resetting browser is not signed in (Django's default) and every session ends."""

import re

import pytest
from django.core import mail
from django.db.models.fields.files import FieldFile
from django.test import Client

from class_pages.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "a fresh long passphrase 42"  # noqa: S105
LINK = re.compile(r"https?://testserver(/\S+/)")


def signed_in_via_form(username, path="/sign-in/", address="198.51.100.20"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def user_id(client):
    return client.session.get("_auth_user_id")


def account_form_data(client):
    """The admin account page's forms as they stand, ready to POST."""
    page = client.get("/admin/account/")
    assert page.status_code == 200
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            form = panel.get_form()
            for name in form.fields:
                value = form[name].value()
                if value is True:
                    data[form.add_prefix(name)] = "on"
                elif value not in (None, False) and not isinstance(value, FieldFile):
                    data[form.add_prefix(name)] = str(value)
    return data


def test_admin_password_change_ends_other_sessions_and_keeps_this_one(world):
    teacher = world.a.teachers["Oak"]
    this = signed_in_via_form("oak.teacher", path="/admin/login/")
    phone = signed_in_via_form("oak.teacher", address="198.51.100.21")
    laptop = Client()
    laptop.force_login(teacher)
    for client in (this, phone, laptop):
        assert client.get("/admin/").status_code == 200

    data = account_form_data(this)
    data.update(
        {
            "password-old_password": DEFAULT_PASSWORD,
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        }
    )
    response = this.post("/admin/account/", data)
    assert response.status_code == 302, response.content[:300]
    teacher.refresh_from_db()
    assert teacher.check_password(NEW_PASSWORD)

    # The browser that changed it stays signed in (update_session_auth_hash)...
    assert this.get("/admin/").status_code == 200
    assert user_id(this) == str(teacher.pk)
    # ...every other session is over, on the admin and on the public site.
    for client in (phone, laptop):
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert client.get("/my-classes/").status_code == 302
        assert user_id(client) is None


def test_a_wrong_old_password_changes_nothing(world):
    this = signed_in_via_form("oak.teacher", path="/admin/login/")
    other = signed_in_via_form("oak.teacher", address="198.51.100.21")
    data = account_form_data(this)
    data.update(
        {
            "password-old_password": "not the password",
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        }
    )
    assert this.post("/admin/account/", data).status_code == 200
    assert other.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("reset_path", "username", "check_path"),
    [
        ("/password-reset/", "oak.carer", "/my-classes/"),
        ("/admin/password_reset/", "oak.teacher", "/admin/"),
    ],
)
def test_password_reset_ends_every_session(world, reset_path, username, check_path):
    user = world.a.carers["Oak"] if username == "oak.carer" else world.a.teachers["Oak"]
    phone = signed_in_via_form(username)
    laptop = Client()
    laptop.force_login(user)
    assert phone.get(check_path).status_code == 200
    assert laptop.get(check_path).status_code == 200

    resetter = Client()
    mail.outbox.clear()
    assert resetter.post(reset_path, {"email": user.email}).status_code == 302
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(1)
    form_url = resetter.get(link)["Location"]  # the token moves out of the URL
    response = resetter.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    for client in (phone, laptop):
        assert client.get(check_path).status_code == 302
        assert user_id(client) is None
    # Django's default (post_reset_login = False): the resetting browser signs in anew.
    assert user_id(resetter) is None
    assert resetter.get(check_path).status_code == 302
    fresh = Client(REMOTE_ADDR="198.51.100.30")
    assert (
        fresh.post("/sign-in/", {"username": username, "password": NEW_PASSWORD}).status_code == 302
    )
