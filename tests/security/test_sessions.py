"""Signed-in sessions: each sign-in is tracked (device, IP, times); a person sees and ends
their own sessions at /account/sessions/; leaders end sessions of their school's people in
the admin; ending works with every session engine; last-seen costs no query in between."""

import logging
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from class_pages.factories import DEFAULT_PASSWORD
from class_pages.models import SignedInSession
from class_pages.models.accounts import (
    LAST_SEEN_RECORDED,
    SIGNED_IN_AT,
    describe_device,
    session_store,
)
from tests.helpers import assert_private

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
MAC_EDGE = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)
ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
]


def device(user, user_agent=ANDROID_CHROME, **extra):
    """A browser of its own, signed in through the real sign-in form."""
    browser = Client(HTTP_USER_AGENT=user_agent, **extra)
    response = browser.post(
        "/sign-in/", {"username": user.get_username(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]
    return browser


def key_of(browser):
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def row_of(browser):
    return SignedInSession.objects.get(session_key=key_of(browser))


def is_signed_in(browser):
    return browser.get("/my-classes/").status_code == 200


@pytest.mark.parametrize(
    "user_agent,label",
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (WINDOWS_FIREFOX, "Firefox on Windows"),
        (IPHONE_SAFARI, "Safari on iPhone"),
        (MAC_EDGE, "Edge on Mac"),
        ("curl/8.5.0", "Unknown device"),
        ("", "Unknown device"),
    ],
)
def test_device_label_from_user_agent(user_agent, label):
    assert describe_device(user_agent) == label


# --- a carer's own sessions ------------------------------------------------------------


def test_each_sign_in_is_listed_with_its_device(world):
    carer = world.a.carers["Oak"]
    phone = device(carer, ANDROID_CHROME)
    laptop = device(carer, WINDOWS_FIREFOX + " " + "x" * 400)
    rows = SignedInSession.objects.filter(user=carer)
    assert rows.count() == 2
    assert len(row_of(laptop).user_agent) == 300
    assert row_of(phone).ip == "127.0.0.1"

    response = phone.get("/account/sessions/")
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert page.count("(this device)") == 1
    assert f"/account/sessions/{row_of(laptop).pk}/end/" in page


def test_a_carer_ends_their_other_device(world, caplog):
    carer = world.a.carers["Oak"]
    phone, laptop = device(carer, ANDROID_CHROME), device(carer, WINDOWS_FIREFOX)
    laptop_key = key_of(laptop)
    with caplog.at_level(logging.WARNING, logger="class_pages.security"):
        response = phone.post(f"/account/sessions/{row_of(laptop).pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/account/sessions/"
    assert_private(response)
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
    assert not SignedInSession.objects.filter(session_key=laptop_key).exists()
    assert f"session of user {carer.pk} ended" in caplog.text
    assert laptop_key not in caplog.text


def test_ending_this_device_signs_out(world):
    phone = device(world.a.carers["Oak"])
    response = phone.post(f"/account/sessions/{row_of(phone).pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert not is_signed_in(phone)


def test_sign_out_everywhere_else(world):
    carer = world.a.carers["Oak"]
    phone, laptop, tablet = (device(carer) for _ in range(3))
    other_carer = device(world.a.carers["Willow"])
    response = phone.post("/account/sessions/end-others/")
    assert response.status_code == 302
    assert is_signed_in(phone)
    assert not is_signed_in(laptop) and not is_signed_in(tablet)
    assert is_signed_in(other_carer)
    assert list(SignedInSession.objects.filter(user=carer)) == [row_of(phone)]


def test_someone_elses_session_is_404_and_nothing_ends(world):
    oak_laptop = device(world.a.carers["Oak"])
    willow = device(world.a.carers["Willow"])
    response = willow.post(f"/account/sessions/{row_of(oak_laptop).pk}/end/")
    assert response.status_code == 404
    assert is_signed_in(oak_laptop)
    assert SignedInSession.objects.filter(session_key=key_of(oak_laptop)).exists()
    # Their list shows only their own session.
    listed = willow.get("/account/sessions/").content.decode()
    assert f"/account/sessions/{row_of(oak_laptop).pk}/end/" not in listed


def test_no_csrf_token_no_ending(world):
    carer = world.a.carers["Oak"]
    laptop = device(carer)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(carer)
    response = strict.post(f"/account/sessions/{row_of(laptop).pk}/end/")
    assert response.status_code == 403
    assert strict.post("/account/sessions/end-others/").status_code == 403
    assert is_signed_in(laptop)


def test_ending_is_post_only(world):
    phone = device(world.a.carers["Oak"])
    assert phone.get(f"/account/sessions/{row_of(phone).pk}/end/").status_code == 405
    assert phone.get("/account/sessions/end-others/").status_code == 405
    assert is_signed_in(phone)


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get("/account/sessions/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client.post("/account/sessions/end-others/").status_code == 302


def test_sign_out_removes_the_row(world):
    phone = device(world.a.carers["Oak"])
    key = key_of(phone)
    phone.post("/sign-out/")
    assert not SignedInSession.objects.filter(session_key=key).exists()


def test_a_vanished_session_is_not_listed(world):
    carer = world.a.carers["Oak"]
    phone, laptop = device(carer), device(carer, WINDOWS_FIREFOX)
    session_store(key_of(laptop)).delete()  # expired, or cleared by clearsessions
    page = phone.get("/account/sessions/").content.decode()
    assert "Firefox on Windows" not in page
    assert SignedInSession.objects.filter(user=carer).count() == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_ending_works_with_every_session_engine(world, settings, engine):
    settings.SESSION_ENGINE = engine
    carer = world.a.carers["Oak"]
    phone, laptop, tablet = device(carer), device(carer, WINDOWS_FIREFOX), device(carer)
    assert is_signed_in(laptop)
    phone.post(f"/account/sessions/{row_of(laptop).pk}/end/")
    assert not session_store(None).exists(key_of(laptop))
    assert not is_signed_in(laptop)
    phone.post("/account/sessions/end-others/")
    assert not is_signed_in(tablet)
    assert is_signed_in(phone)


@pytest.mark.parametrize("engine", ENGINES)
def test_disabling_an_account_ends_its_sessions_in_any_engine(world, settings, engine):
    settings.SESSION_ENGINE = engine
    carer = world.a.carers["Oak"]
    phone, laptop = device(carer), device(carer)
    keys = [key_of(phone), key_of(laptop)]
    carer.is_active = False
    carer.save()
    assert not any(session_store(None).exists(key) for key in keys)
    assert not SignedInSession.objects.filter(user=carer).exists()


# --- last seen: at most every five minutes, no query in between -------------------------


def _queries_on_sessions(browser, path="/my-classes/"):
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "signedinsession" in q["sql"].lower()]


def test_last_seen_costs_no_query_between_updates(world):
    phone = device(world.a.carers["Oak"])
    assert _queries_on_sessions(phone) == []
    assert _queries_on_sessions(phone) == []


def test_last_seen_is_written_after_five_minutes(world):
    phone = device(world.a.carers["Oak"])
    old = row_of(phone).last_seen_at
    SignedInSession.objects.filter(pk=row_of(phone).pk).update(last_seen_at=old.replace(year=2020))
    session = phone.session
    session[LAST_SEEN_RECORDED] = int(time.time()) - 299
    session.save()
    assert _queries_on_sessions(phone) == []
    assert row_of(phone).last_seen_at.year == 2020
    session = phone.session
    session[LAST_SEEN_RECORDED] = int(time.time()) - 301
    session.save()
    written = _queries_on_sessions(phone)
    assert len(written) == 1 and written[0].lstrip().upper().startswith("UPDATE")
    assert row_of(phone).last_seen_at >= old
    assert _queries_on_sessions(phone) == []  # the stamp moved on


def test_a_session_from_before_tracking_is_listed_after_its_next_request(world):
    carer = world.a.carers["Oak"]
    phone = device(carer)
    SignedInSession.objects.all().delete()
    session = phone.session
    del session[LAST_SEEN_RECORDED]
    session.save()
    assert is_signed_in(phone)
    assert row_of(phone).user == carer


def test_absolute_lifetime_counts_from_sign_in(world, settings):
    phone = device(world.a.carers["Oak"])
    session = phone.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.SESSION_COOKIE_AGE - 1
    session.save()
    response = phone.get("/my-classes/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


# --- leaders in the admin ----------------------------------------------------------------


def leader_browser(world, school="a"):
    browser = Client()
    browser.force_login(getattr(world, school).leader)
    return browser


def test_leader_lists_sessions_of_their_school_only(world):
    oak_phone = device(world.a.carers["Oak"])
    device(world.a.teachers["Oak"], WINDOWS_FIREFOX)
    device(world.b.carers["Rowan"], IPHONE_SAFARI)
    response = leader_browser(world).get("/admin/signed-in/")
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "oak.carer" in page and "oak.teacher" in page
    assert "rowan.carer" not in page and "Safari on iPhone" not in page
    assert f"/admin/signed-in/{row_of(oak_phone).pk}/end/" in page


def test_leader_ends_a_carers_session(world, caplog):
    carer = world.a.carers["Oak"]
    phone, laptop = device(carer), device(carer, WINDOWS_FIREFOX)
    key = key_of(phone)
    with caplog.at_level(logging.WARNING, logger="class_pages.security"):
        response = leader_browser(world).post(f"/admin/signed-in/{row_of(phone).pk}/end/")
    assert response.status_code == 302
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    leader = world.a.leader
    assert f"session of user {carer.pk} ended (ended by a leader) by user {leader.pk}" in (
        caplog.text
    )
    assert key not in caplog.text


def test_leader_ends_all_sessions_of_a_person(world):
    teacher = world.a.teachers["Willow"]
    browsers = [device(teacher), device(teacher, WINDOWS_FIREFOX)]
    bystander = device(world.a.carers["Willow"])
    response = leader_browser(world).post(f"/admin/signed-in/person/{teacher.pk}/end-all/")
    assert response.status_code == 302
    assert all(b.get("/admin/").status_code == 302 for b in browsers)
    assert not SignedInSession.objects.filter(user=teacher).exists()
    assert is_signed_in(bystander)


def test_other_schools_leader_gets_404_and_nothing_ends(world):
    carer = world.a.carers["Oak"]
    phone = device(carer)
    other = leader_browser(world, "b")
    assert other.post(f"/admin/signed-in/{row_of(phone).pk}/end/").status_code == 404
    assert other.post(f"/admin/signed-in/person/{carer.pk}/end-all/").status_code == 404
    assert "oak.carer" not in other.get("/admin/signed-in/").content.decode()
    assert is_signed_in(phone)


def test_only_leaders_reach_the_view(world):
    device(world.a.carers["Oak"])
    teacher = Client()
    teacher.force_login(world.a.teachers["Oak"])
    assert teacher.get("/admin/signed-in/").status_code in (302, 403)
    office = Client()
    office.force_login(world.a.office)
    assert office.get("/admin/signed-in/").status_code in (302, 403)
    carer = Client()
    carer.force_login(world.a.carers["Oak"])
    assert carer.get("/admin/signed-in/").status_code in (302, 403)


def test_leader_session_ending_needs_csrf_and_post(world):
    phone = device(world.a.carers["Oak"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.a.leader)
    assert strict.post(f"/admin/signed-in/{row_of(phone).pk}/end/").status_code == 403
    assert strict.get(f"/admin/signed-in/{row_of(phone).pk}/end/").status_code == 405
    assert is_signed_in(phone)


def test_leader_view_shows_one_block_per_person(world):
    oak, willow = world.a.carers["Oak"], world.a.carers["Willow"]
    first, between, second = device(oak), device(willow), device(oak, WINDOWS_FIREFOX)
    # By last seen alone: oak, willow, oak.
    for browser, year in ((between, 2021), (second, 2020)):
        SignedInSession.objects.filter(session_key=key_of(browser)).update(
            last_seen_at=row_of(first).last_seen_at.replace(year=year)
        )
    page = leader_browser(world).get("/admin/signed-in/").content.decode()
    assert page.count(f"/admin/signed-in/person/{oak.pk}/end-all/") == 1
    assert page.count(f"/admin/signed-in/person/{willow.pk}/end-all/") == 1
    assert leader_browser(world).post("/admin/signed-in/").status_code == 405
