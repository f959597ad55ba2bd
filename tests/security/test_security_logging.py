"""The security log ("class_pages.security", cms.accounts.security_log): sign-ins, failed sign-ins,
lockouts, sign-outs, invitation-link failures and refusals of signed-in users each leave
one record with the event, the user id (or "anonymous") and the client address, and
never a password, token, session key, e-mail address or child's name."""

import logging
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.test import Client

from class_pages.factories import DEFAULT_PASSWORD
from tests.helpers import RENDITION_SRC

ADDRESS = "203.0.113.10"


@pytest.fixture
def security(caplog):
    caplog.set_level(logging.INFO, logger="class_pages.security")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "class_pages.security"]

    return lines


def browser(user=None, address=ADDRESS):
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


def sign_in(client, username, password=DEFAULT_PASSWORD):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_sign_in_and_sign_out_are_logged(world, security):
    carer = world.a.carers["Oak"]
    client = browser()
    assert sign_in(client, "oak.carer").status_code == 302
    assert client.post("/sign-out/").status_code == 302
    assert security() == [
        f"sign_in user={carer.pk} ip={ADDRESS}",
        f"sign_out user={carer.pk} ip={ADDRESS}",
    ]


def test_failed_sign_in_is_logged_without_what_was_typed(world, security):
    sign_in(browser(), "oak.carer@demo.invalid", "my secret guess")
    assert security() == [f"sign_in_failed user=anonymous ip={ADDRESS}"]


def test_lockout_is_logged_once_then_each_refusal(world, security, settings):
    client = browser()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, "oak.carer", "wrong")
    assert Counter(security()) == {
        f"sign_in_failed user=anonymous ip={ADDRESS}": settings.AXES_FAILURE_LIMIT,
        f"sign_in_locked_out user=anonymous ip={ADDRESS}": 1,
        f"sign_in_refused_locked_out user=anonymous ip={ADDRESS}": 2,
    }


def test_lockout_records_are_warnings(world, security, caplog, settings):
    client = browser()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "oak.carer", "wrong")
    levels = {
        r.getMessage().split()[0]: r.levelno for r in caplog.records if r.name.startswith("class")
    }
    assert levels["sign_in_failed"] == levels["sign_in_locked_out"] == logging.WARNING


def test_invitation_guesses_are_logged_without_the_link(world, security, settings):
    client = browser()
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit + 1):
        client.get(f"/invitations/guess-token-{n}/")
    assert Counter(security()) == {
        f"invitation_failed user=anonymous ip={ADDRESS}": limit,
        f"invitation_locked_out user=anonymous ip={ADDRESS}": 1,
        f"invitation_refused_locked_out user=anonymous ip={ADDRESS}": 1,
    }


def test_refused_class_page_is_logged(world, security):
    carer = world.a.carers["Willow"]
    oak = world.a.classes["Oak"]
    assert browser(carer).get(oak.url).status_code == 404
    assert f"page_access_denied page={oak.pk} user={carer.pk} ip={ADDRESS}" in security()


def test_refused_file_is_logged(world, security):
    oak_page = browser(world.a.carers["Oak"]).get(world.a.posts["Oak"].url)
    rendition = RENDITION_SRC.findall(oak_page.content.decode())[0]
    carer = world.a.carers["Willow"]
    assert browser(carer).get(rendition).status_code == 404
    assert f"file_access_denied user={carer.pk} ip={ADDRESS}" in security()


def test_allowed_pages_log_nothing(world, security):
    client = browser(world.a.carers["Oak"])
    assert client.get(world.a.classes["Oak"].url).status_code == 200
    assert [line for line in security() if "denied" in line] == []


def test_nothing_secret_reaches_the_log(world, caplog, settings):
    """A whole session of activity: no password, token, session key, e-mail address or
    child's name in any record of any logger."""
    caplog.set_level(logging.INFO)
    client = browser()
    sign_in(client, "oak.carer@demo.invalid", "a-mistyped-secret")
    sign_in(client, "oak.carer")
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.get(world.a.classes["Willow"].url)
    client.post("/sign-out/")
    client.post("/password-reset/", {"email": "oak.carer@demo.invalid"})
    client.get("/invitations/secret-token-guess/")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign_in user=" in text and "page_access_denied" in text
    for secret in (
        "a-mistyped-secret",
        DEFAULT_PASSWORD,
        session_key,
        "secret-token-guess",
        "oak.carer@demo.invalid",
        world.a.pupils["Oak"].first_name,
        world.a.pupils["Willow"].first_name,
    ):
        assert secret not in text, secret


def test_forwarded_address_is_logged_in_production_mode(world, security, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "cms.accounts.sign_in.forwarded_client_ip"
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.4")
    sign_in(client, "oak.carer", "wrong")
    assert security() == ["sign_in_failed user=anonymous ip=198.51.100.4"]


def test_logging_configuration():
    config = django_settings.LOGGING
    assert config["loggers"]["class_pages.security"]["level"] == "INFO"
    assert config["root"]["level"] == "WARNING"
    assert config["loggers"]["django.request"]["level"] == "ERROR"  # no 404 paths
    formatter = config["handlers"]["console"]["formatter"]
    assert "%(asctime)s" in config["formatters"][formatter]["format"]
    assert logging.getLogger("class_pages.security").getEffectiveLevel() == logging.INFO
