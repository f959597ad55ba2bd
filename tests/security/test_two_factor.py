"""Two-factor sign-in: staff who approve, keep the register or export must enrol and
verify (when CLASSPAGES_STAFF_2FA_REQUIRED is on); carers may opt in; wrong, replayed and
throttled codes are refused with a clear message; the gate costs nobody else a query."""

import datetime
from base64 import b32encode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from class_pages.models import PolicyPage, SignedInSession
from class_pages.models.accounts import NEEDS_TWO_FACTOR, needs_two_factor
from tests.helpers import assert_private

GATE = "/account/two-factor/"


@pytest.fixture
def required(settings):
    settings.CLASSPAGES_STAFF_2FA_REQUIRED = True


def sign_in(user):
    browser = Client()
    response = browser.post(
        "/sign-in/", {"username": user.get_username(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return browser


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    backup.token_set.create(token="abcdefgh")  # noqa: S106
    return device


def code_for(device):
    return f"{totp(device.bin_key):06d}"


def wrong_code(device):
    return f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"


def held_at_gate(browser, path="/admin/"):
    response = browser.get(path)
    return response.status_code == 302 and response["Location"].startswith(GATE)


# --- who needs it ---------------------------------------------------------------------------


def test_the_rule(world, settings):
    settings.CLASSPAGES_STAFF_2FA_REQUIRED = True
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    a = world.a
    assert needs_two_factor(a.leader) and needs_two_factor(a.office) and needs_two_factor(superuser)
    assert not needs_two_factor(a.teachers["Oak"])
    assert not needs_two_factor(a.carers["Oak"])
    enrolled(a.carers["Oak"])
    assert needs_two_factor(a.carers["Oak"])  # opted in
    settings.CLASSPAGES_STAFF_2FA_REQUIRED = False
    assert not needs_two_factor(a.leader) and not needs_two_factor(superuser)
    assert needs_two_factor(a.carers["Oak"])  # an enrolled app counts whatever the setting


def test_not_required_by_default_in_tests(world):
    leader = sign_in(world.a.leader)
    assert leader.get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["leader", "office"])
def test_staff_without_an_app_must_enrol_first(world, required, who):
    browser = sign_in(getattr(world.a, who))
    response = browser.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == f"{GATE}?next=%2Fadmin%2Fpages%2F"
    assert held_at_gate(browser, "/my-classes/")
    page = browser.get(GATE)
    assert page.status_code == 200
    assert_private(page)
    assert b"<svg" in page.content and b"Set up two-factor sign-in" in page.content


def test_enrol_then_reach_the_admin(world, required):
    leader = world.a.leader
    browser = sign_in(leader)
    assert held_at_gate(browser)
    browser.get(GATE)
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    # The manual key shown is the device's own key (base32, in groups of four).
    key = b32encode(device.bin_key).decode()
    assert key[:4].encode() in browser.get(GATE).content
    response = browser.post(GATE, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 200
    codes = StaticToken.objects.filter(device__user=leader).values_list("token", flat=True)
    assert len(codes) == 8 and all(code.encode() in response.content for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert browser.get("/admin/").status_code == 200


def test_teacher_and_carer_are_not_held(world, required):
    assert not held_at_gate(sign_in(world.a.teachers["Oak"]))
    carer = sign_in(world.a.carers["Oak"])
    assert carer.get("/my-classes/").status_code == 200


def test_verify_with_the_app_code_and_go_on(world, required):
    leader = world.a.leader
    device = enrolled(leader)
    browser = sign_in(leader)
    response = browser.get("/admin/pages/")
    assert response["Location"].startswith(GATE)
    assert b"Enter your code" in browser.get(response["Location"]).content
    response = browser.post(GATE, {"code": code_for(device), "next": "/admin/pages/"})
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    assert browser.get("/admin/").status_code == 200
    # A new sign-in asks again.
    assert held_at_gate(sign_in(leader))


def test_wrong_code_is_refused_then_throttled(world, required):
    leader = world.a.leader
    device = enrolled(leader)
    browser = sign_in(leader)
    response = browser.post(GATE, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert b"That code is not right" in response.content
    # Straight away, even the right code waits: django-otp's per-device back-off.
    response = browser.post(GATE, {"code": code_for(device)})
    assert response.status_code == 400
    assert b"Too many wrong codes" in response.content
    assert held_at_gate(browser)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert browser.post(GATE, {"code": code_for(device)}).status_code == 302
    assert not held_at_gate(browser)


def test_a_code_works_once(world, required):
    leader = world.a.leader
    device = enrolled(leader)
    first, second = sign_in(leader), sign_in(leader)
    code = code_for(device)
    assert first.post(GATE, {"code": code}).status_code == 302
    response = second.post(GATE, {"code": code})
    assert response.status_code == 400 and b"already used" in response.content
    assert held_at_gate(second)


def test_backup_code_works_once(world, required):
    leader = world.a.leader
    enrolled(leader)
    first, second = sign_in(leader), sign_in(leader)
    assert first.post(GATE, {"code": "ABCD EFGH"}).status_code == 302
    assert not held_at_gate(first)
    assert second.post(GATE, {"code": "abcdefgh"}).status_code == 400
    assert held_at_gate(second)


@pytest.mark.parametrize("code", ["", "12", "1234567", "<script>", "x" * 500, "abcdefg1"])
def test_malformed_code_gets_a_message_not_a_500(world, required, code):
    leader = world.a.leader
    enrolled(leader)
    browser = sign_in(leader)
    response = browser.post(GATE, {"code": code})
    assert response.status_code == 400
    assert b'class="error"' in response.content
    assert TOTPDevice.objects.get(user=leader).throttling_failure_count == 0


def test_sign_out_is_reachable_before_the_code(world, required):
    leader = world.a.leader
    enrolled(leader)
    browser = sign_in(leader)
    key = browser.cookies["sessionid"].value
    assert browser.post("/sign-out/").status_code == 302
    assert not SignedInSession.objects.filter(session_key=key).exists()
    assert browser.get("/admin/").status_code == 302
    assert not browser.get("/admin/")["Location"].startswith(GATE)


def test_gate_sends_next_only_to_this_site(world, required):
    leader = world.a.leader
    device = enrolled(leader)
    browser = sign_in(leader)
    response = browser.post(GATE, {"code": code_for(device), "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == "/my-classes/"


def test_needs_is_decided_at_sign_in_and_costs_no_query_after(world, required):
    carer = sign_in(world.a.carers["Oak"])
    assert carer.session[NEEDS_TWO_FACTOR] is False
    with CaptureQueriesContext(connection) as queries:
        assert carer.get("/my-classes/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]
    assert not [q for q in queries.captured_queries if "approvaltask" in q["sql"].lower()]


def test_session_from_before_two_factor_is_decided_once(world, required):
    browser = sign_in(world.a.leader)
    session = browser.session
    del session[NEEDS_TWO_FACTOR]
    session.save()
    assert held_at_gate(browser)
    assert browser.session[NEEDS_TWO_FACTOR] is True


# --- carers opt in ----------------------------------------------------------------------


def test_carer_opts_in_and_is_then_asked_at_each_sign_in(world):
    carer = world.a.carers["Oak"]
    phone = sign_in(carer)
    page = phone.get(GATE)
    assert page.status_code == 200 and b"You can choose" in page.content
    device = TOTPDevice.objects.get(user=carer, confirmed=False)
    assert phone.post(GATE, {"code": code_for(device)}).status_code == 200
    assert phone.get("/my-classes/").status_code == 200  # this session is verified

    laptop = sign_in(carer)
    assert held_at_gate(laptop, "/my-classes/")
    response = laptop.post(GATE, {"code": wrong_code(device)})
    assert response.status_code == 400
    TOTPDevice.objects.filter(user=carer).update(throttling_failure_timestamp=None)
    assert laptop.post(GATE, {"code": "abcdefgh"}).status_code == 400  # not their code
    StaticDevice.objects.filter(user=carer).update(throttling_failure_timestamp=None)
    codes = list(StaticToken.objects.filter(device__user=carer).values_list("token", flat=True))
    assert laptop.post(GATE, {"code": codes[0], "next": "/my-classes/"}).status_code == 302
    assert laptop.get("/my-classes/").status_code == 200


def test_carer_turns_it_off_but_a_leader_cannot(world, settings):
    carer = world.a.carers["Oak"]
    device = enrolled(carer)
    phone = sign_in(carer)
    phone.post(GATE, {"code": code_for(device)})
    assert b"Turn off" in phone.get(GATE).content
    phone.post(GATE, {"action": "turn-off"})
    assert not TOTPDevice.objects.filter(user=carer).exists()
    assert not held_at_gate(sign_in(carer), "/my-classes/")

    settings.CLASSPAGES_STAFF_2FA_REQUIRED = True
    leader = world.a.leader
    device = enrolled(leader)
    browser = sign_in(leader)
    browser.post(GATE, {"code": code_for(device)})
    assert b"cannot be turned off" in browser.get(GATE).content
    browser.post(GATE, {"action": "turn-off"})
    assert TOTPDevice.objects.filter(user=leader).exists()


def test_unverified_session_cannot_enrol_a_second_app(world):
    carer = world.a.carers["Oak"]
    enrolled(carer)
    laptop = sign_in(carer)
    page = laptop.get(GATE)
    assert b"<svg" not in page.content and b"Enter your code" in page.content
    laptop.post(GATE, {"action": "turn-off"})
    assert TOTPDevice.objects.filter(user=carer, confirmed=True).count() == 1


# --- leaders reset a lost phone --------------------------------------------------------


def _verified_leader(world, school="a"):
    leader = getattr(world, school).leader
    device = enrolled(leader)
    browser = sign_in(leader)
    assert browser.post(GATE, {"code": code_for(device)}).status_code == 302
    return browser


def test_leader_resets_a_staff_members_app(world, required, caplog):
    office = world.a.office
    enrolled(office)
    office_browser = sign_in(office)
    leader = _verified_leader(world)
    listing = leader.get("/admin/signed-in/")
    assert listing.status_code == 200 and b"office.testserver" in listing.content
    response = leader.post(f"/admin/signed-in/person/{office.pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert not StaticDevice.objects.filter(user=office).exists()
    assert office_browser.get("/admin/").status_code == 302
    assert not SignedInSession.objects.filter(user=office).exists()
    # At the next sign-in they set up a new app.
    again = sign_in(office)
    assert held_at_gate(again)
    assert b"Set up two-factor sign-in" in again.get(GATE).content


def test_other_schools_leader_cannot_reset(world, required):
    office = world.a.office
    enrolled(office)
    other = _verified_leader(world, "b")
    response = other.post(f"/admin/signed-in/person/{office.pk}/reset-two-factor/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=office).exists()


def test_a_carer_app_is_not_reset_by_leaders(world, required):
    carer = world.a.carers["Oak"]
    enrolled(carer)
    leader = _verified_leader(world)
    response = leader.post(f"/admin/signed-in/person/{carer.pk}/reset-two-factor/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=carer).exists()


def test_unverified_leader_cannot_reach_the_sessions_view(world, required):
    carer_phone = sign_in(world.a.carers["Oak"])
    row = SignedInSession.objects.get(user=world.a.carers["Oak"])
    leader = world.a.leader
    enrolled(leader)
    browser = sign_in(leader)
    assert held_at_gate(browser, "/admin/signed-in/")
    response = browser.post(f"/admin/signed-in/{row.pk}/end/")
    assert response.status_code == 302 and response["Location"].startswith(GATE)
    assert carer_phone.get("/my-classes/").status_code == 200


def test_code_first_then_the_agreement_no_loop(world, required):
    page = PolicyPage(title="Class pages agreement", slug="agreement-2fa", body="<p>Be kind.</p>")
    world.a.school.add_child(instance=page)
    page.save_revision().publish()
    leader = world.a.leader
    device = enrolled(leader)
    browser = sign_in(leader)
    response = browser.get("/admin/")
    assert response["Location"].startswith(GATE)
    assert browser.get(response["Location"]).status_code == 200  # not sent to the agreement
    assert held_at_gate(browser, "/agreement/")
    response = browser.post(GATE, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302
    assert browser.get("/admin/")["Location"].startswith("/agreement/")
