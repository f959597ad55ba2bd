"""Staff cannot point their own account at another inbox from the admin's account page
(WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False): with only a password, an attacker would
otherwise receive the account's two-factor set-up link (cms.accounts.two_factor_links)."""

import contextlib

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings
from django.urls import reverse

from tests.helpers import browser


def account_form(session):
    """Every field of the account page as the browser would send it back."""
    page = session.get(reverse("wagtailadmin_account"))
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    data = {}
    for field in soup.select("form input[name], form select[name]"):
        if field.get("type") in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[field["name"]] = chosen.get("value", "") if chosen else ""
        elif field.get("type") != "file":
            data[field["name"]] = field.get("value", "")
    return page, data


@pytest.mark.parametrize("management", [False, True])
def test_a_teacher_cannot_change_their_own_email_address(world, management):
    # The True case shows the same POST does change the address where Wagtail allows it,
    # so the False case (our settings) proves the refusal, not a broken form.
    teacher = world.a.teachers["Oak"]
    before = teacher.email
    session = browser(teacher)
    allowed = override_settings(WAGTAIL_EMAIL_MANAGEMENT_ENABLED=True)
    with allowed if management else contextlib.nullcontext():
        page, data = account_form(session)
        assert ('name="name_email-email"' in page.content.decode()) is management
        data["name_email-email"] = "attacker@example.org"
        response = session.post(reverse("wagtailadmin_account"), data)
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.email == "attacker@example.org") is management
    if not management:
        assert teacher.email == before
