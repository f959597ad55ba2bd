"""Two-factor sign-in: staff who approve, keep the register or export must enrol and
verify (when CLASSPAGES_STAFF_2FA_REQUIRED is on); carers may opt in; an app is set up only
from a one-time link e-mailed to the account (the password alone sets up nothing); wrong,
replayed and throttled codes are refused with a clear message; the gate costs nobody else
a query."""

import datetime
import re
import time
from base64 import b32encode
from unittest import mock

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from class_pages.access.two_factor import needs_two_factor
from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from class_pages.models import PolicyPage, SignedInSession
from class_pages.models.accounts import NEEDS_TWO_FACTOR
from cms.accounts import two_factor_links
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


# --- set-up links ---------------------------------------------------------------------------


def ask_for_link(browser):
    """Press "E-mail me the set-up link"; the link that arrived (a path on this site)."""
    mail.outbox.clear()
    response = browser.post(GATE, {"action": "send-link"})
    assert response.status_code == 302 and response["Location"] == GATE
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/\S+)", message.body)[1]
    return message, link


def shows_a_qr_code(browser):
    page = browser.get(GATE)
    return page.status_code == 200 and b"<svg" in page.content


def set_up_by_link(browser, user):
    """The owner's road: ask for the link, open it here, scan, enter the code."""
    _, link = ask_for_link(browser)
    assert browser.get(link)["Location"] == GATE
    assert shows_a_qr_code(browser)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = browser.post(GATE, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    return device


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
    assert b"Set up two-factor sign-in" in page.content
    # The password alone does not show how to set up an app: an e-mailed link starts it.
    assert b"<svg" not in page.content and b"E-mail me the set-up link" in page.content


def test_enrol_then_reach_the_admin(world, required):
    leader = world.a.leader
    browser = sign_in(leader)
    assert held_at_gate(browser)
    message, link = ask_for_link(browser)
    assert message.to == [leader.email]
    assert "works once" in message.body
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"] == GATE  # token out of the bar
    assert_private(response)
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
    device = set_up_by_link(phone, carer)
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
    # At the next sign-in they set up a new app, from a new e-mailed link.
    again = sign_in(office)
    assert held_at_gate(again)
    assert b"Set up two-factor sign-in" in again.get(GATE).content
    set_up_by_link(again, office)
    assert again.get("/admin/").status_code == 200


def test_a_link_asked_for_before_a_reset_is_void_after_it(world, required):
    office = world.a.office
    thief = sign_in(office)
    _, stale = ask_for_link(thief)  # say the mailbox was read by someone else too
    enrolled(office)
    leader = _verified_leader(world)
    leader.post(f"/admin/signed-in/person/{office.pk}/reset-two-factor/")
    browser = sign_in(office)
    assert browser.get(stale).status_code == 400
    assert not shows_a_qr_code(browser)
    assert not TOTPDevice.objects.filter(user=office).exists()


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


# --- the password alone sets up nothing ---------------------------------------------------


def set_up_links(world):
    """Links someone with only the leader's password might try (one test each)."""
    forged = signing.dumps({"u": world.a.leader.pk, "s": "0" * 64}, salt=two_factor_links.SALT)
    return {
        "garbage": "garbage",
        "forged": forged,
        "someone else's": two_factor_links.make_token(world.a.office, "a-nonce"),
        "very long": "x" * 5000,
    }


@pytest.mark.parametrize("kind", ["garbage", "forged", "someone else's", "very long"])
def test_a_forged_or_borrowed_set_up_link_sets_up_nothing(world, required, kind):
    leader, office = world.a.leader, world.a.office
    attacker = sign_in(leader)
    assert held_at_gate(attacker)
    response = attacker.get(GATE, {"set-up": set_up_links(world)[kind]})
    assert response.status_code == 400
    assert b"does not work here" in response.content
    assert not TOTPDevice.objects.filter(user__in=[leader, office]).exists()
    assert held_at_gate(attacker)


def test_the_password_alone_cannot_set_up_an_app_or_reach_the_admin(world, required):
    """Someone with only a leader's password signs in first: no QR code, no key, no
    device; a guessed code and forged or borrowed links set up nothing; the link they can
    ask for goes to the leader's own mailbox; the admin stays out of reach."""
    leader, office = world.a.leader, world.a.office
    attacker = sign_in(leader)
    assert held_at_gate(attacker)
    page = attacker.get(GATE)
    assert page.status_code == 200
    assert b"<svg" not in page.content and b"manual-key" not in page.content
    assert not TOTPDevice.objects.filter(user=leader).exists()

    assert attacker.post(GATE, {"code": "123456"}).status_code == 400
    assert not TOTPDevice.objects.filter(user__in=[leader, office]).exists()

    message, _ = ask_for_link(attacker)
    assert message.to == [leader.email]  # the owner's mailbox, not the attacker's
    assert "someone else knows your password" in message.body
    assert not shows_a_qr_code(attacker)
    assert held_at_gate(attacker) and held_at_gate(attacker, "/admin/pages/")
    assert held_at_gate(attacker, "/my-classes/")


def test_an_opened_link_serves_only_the_session_that_opened_it(world, required):
    """The owner opens the link; the attacker's session of the same account, even knowing
    the pending app's key, cannot confirm it."""
    leader = world.a.leader
    attacker, owner = sign_in(leader), sign_in(leader)
    _, link = ask_for_link(owner)
    assert owner.get(link)["Location"] == GATE
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert not shows_a_qr_code(attacker)
    assert attacker.post(GATE, {"code": code_for(device)}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert held_at_gate(attacker)
    # The owner finishes.
    assert owner.post(GATE, {"code": code_for(device)}).status_code == 200
    assert owner.get("/admin/").status_code == 200
    assert held_at_gate(attacker)


def test_a_link_works_once(world, required):
    leader = world.a.leader
    first, second = sign_in(leader), sign_in(leader)
    _, link = ask_for_link(first)
    assert first.get(link).status_code == 302
    assert second.get(link).status_code == 400
    assert first.get(link).status_code == 400
    assert not shows_a_qr_code(second)
    assert TOTPDevice.objects.filter(user=leader).count() == 1


def test_a_link_expires(world, required, settings):
    leader = world.a.leader
    browser = sign_in(leader)
    old = time.time() - settings.CLASSPAGES_TWO_FACTOR_LINK_SECONDS - 60
    stamp = signing.b62_encode(int(old))
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=stamp):
        _, link = ask_for_link(browser)  # minted (by the task) over an hour ago
    assert browser.get(link).status_code == 400
    assert not shows_a_qr_code(browser)
    assert not TOTPDevice.objects.filter(user=leader).exists()


def test_an_opened_link_must_be_finished_in_time(world, required, settings):
    leader = world.a.leader
    browser = sign_in(leader)
    _, link = ask_for_link(browser)
    browser.get(link)
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    opened = timezone.now() - datetime.timedelta(
        seconds=settings.CLASSPAGES_TWO_FACTOR_LINK_SECONDS + 60
    )
    TOTPDevice.objects.filter(pk=device.pk).update(created_at=opened)
    assert not shows_a_qr_code(browser)
    assert browser.post(GATE, {"code": code_for(device)}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed


def test_a_link_is_for_its_own_account_only(world, required):
    leader, office = world.a.leader, world.a.office
    _, link = ask_for_link(sign_in(leader))
    colleague = sign_in(office)
    ask_for_link(colleague)  # even with a link of its own waiting
    assert colleague.get(link).status_code == 400
    assert not shows_a_qr_code(colleague)
    assert not TOTPDevice.objects.filter(user__in=[leader, office]).exists()


def test_a_link_works_only_in_the_session_that_asked_for_it(world, required):
    """Asked for by whoever signed in (maybe not the owner), opened in the owner's mail
    app's browser: refused there; it still works where it was asked for (by someone with
    the password and the mailbox)."""
    leader = world.a.leader
    asking = sign_in(leader)
    _, link = ask_for_link(asking)
    elsewhere = Client()
    response = elsewhere.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next=")
    signed_in = elsewhere.post(
        response["Location"], {"username": leader.get_username(), "password": DEFAULT_PASSWORD}
    )
    assert elsewhere.get(signed_in["Location"]).status_code == 400
    assert not shows_a_qr_code(elsewhere)
    assert asking.get(link)["Location"] == GATE
    assert shows_a_qr_code(asking)


def test_a_newer_link_or_a_new_address_voids_a_link(world, required):
    leader = world.a.leader
    browser = sign_in(leader)
    _, first = ask_for_link(browser)
    session = browser.session
    session[two_factor_links.LAST_ASKED] = 0  # a minute later
    session.save()
    _, second = ask_for_link(browser)
    assert browser.get(first).status_code == 400
    leader.email = "leader.new@demo.invalid"
    leader.save()
    assert browser.get(second).status_code == 400  # sent to the old address
    assert not TOTPDevice.objects.filter(user=leader).exists()


def test_asking_again_within_a_minute_sends_nothing_more(world, required):
    browser = sign_in(world.a.leader)
    ask_for_link(browser)
    mail.outbox.clear()
    response = browser.post(GATE, {"action": "send-link"}, follow=True)
    assert mail.outbox == []
    assert b"less than a minute ago" in response.content


def test_no_link_for_an_account_without_an_address(world, required):
    leader = world.a.leader
    leader.email = ""
    leader.save()
    browser = sign_in(leader)
    mail.outbox.clear()
    response = browser.post(GATE, {"action": "send-link"}, follow=True)
    assert mail.outbox == []
    assert b"no e-mail address" in response.content
