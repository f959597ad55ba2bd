"""Sign-in lockout (django-axes, configured in cms.settings.base and cms.accounts.sign_in):
every way in (/sign-in/, the Wagtail admin login, invitation links) shares one count; a login is
locked from one address after AXES_FAILURE_LIMIT failures, an address after
CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT whatever the logins; the lockout page is a
friendly 429 that says when to try again and names no account."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from cms.accounts.sign_in import INVITATION_CREDENTIAL
from tests.helpers import assert_private

INVALID_LOGIN = b"That username or e-mail and password do not match an active account."
LOCKED = b"Please wait before trying again"


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


def browser(address="203.0.113.10"):
    return Client(REMOTE_ADDR=address)


def sign_in(client, username, password=DEFAULT_PASSWORD, path="/sign-in/"):
    return client.post(path, {"username": username, "password": password})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def fail(client, username, times, path="/sign-in/"):
    return [sign_in(client, username, "wrong password", path).status_code for _ in range(times)]


def test_settings_put_axes_first_and_last():
    from cms.settings import base

    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert "axes" in base.INSTALLED_APPS


def test_carer_is_locked_out_at_the_limit_even_with_the_right_password(world, limit):
    client = browser()
    assert fail(client, "oak.carer", limit - 1) == [200] * (limit - 1)
    response = sign_in(client, "oak.carer", "wrong password")
    assert response.status_code == 429
    assert LOCKED in response.content
    assert_private(response)

    response = sign_in(client, "oak.carer")  # the right password no longer helps
    assert response.status_code == 429
    assert signed_in_user_id(client) is None
    assert client.get("/my-classes/").status_code == 302


def test_lockout_page_says_when_and_who_to_contact(world, limit, settings):
    client = browser()
    fail(client, "oak.carer", limit)
    response = sign_in(client, "oak.carer")
    assert response.status_code == 429
    last = AccessAttempt.objects.filter(username="oak.carer").get().attempt_time
    retry_at = timezone.localtime(last + settings.AXES_COOLOFF_TIME)
    page = response.content.decode()
    assert f"You can try again after {retry_at:%H:%M}" in page
    assert "contact the school office" in page
    assert 'href="/password-reset/"' in page
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "<html" in page and 'class="site-header"' in page  # the site's own layout


def test_attempts_during_a_lockout_do_not_move_the_time(world, limit):
    client = browser()
    fail(client, "oak.carer", limit)
    before = AccessAttempt.objects.get(username="oak.carer")
    assert fail(client, "oak.carer", 3) == [429] * 3
    after = AccessAttempt.objects.get(username="oak.carer")
    assert after.attempt_time == before.attempt_time
    assert after.failures_since_start == before.failures_since_start


def test_unknown_username_is_locked_out_exactly_like_a_real_one(world, limit):
    real, unknown = browser("203.0.113.10"), browser("203.0.113.11")
    answers_real = fail(real, "oak.carer", limit + 1)
    answers_unknown = fail(unknown, "nobody.here", limit + 1)
    assert answers_real == answers_unknown == [200] * (limit - 1) + [429, 429]

    def without_times(response):
        return re.sub(rb"\d+", b"#", response.content)

    assert without_times(sign_in(real, "oak.carer")) == without_times(
        sign_in(unknown, "nobody.here")
    )


def test_changing_case_or_spaces_does_not_buy_more_guesses(world, limit):
    client = browser()
    logins = ["oak.carer", "OAK.CARER", " Oak.Carer ", "oak.CARER", "Oak.carer"]
    answers = [sign_in(client, login, "wrong").status_code for login in logins[:limit]]
    assert answers[-1] == 429


# The Oak carer as anyone might type them: username, e-mail in any case, spaces, and the
# Unicode compatibility forms a phone keyboard can produce (full-width letters, the "ﬀ"
# style ligatures NFKC folds away).
OAK_CARER_SPELLINGS = [
    "oak.carer",
    "oak.carer@demo.invalid",
    "OAK.CARER@DEMO.INVALID",
    " Oak.Carer ",
    "\uff4f\uff41\uff4b.carer",  # full-width "oak"
    " Oak.Carer@Demo.Invalid ",
]


def test_every_spelling_of_one_person_shares_one_count(world, limit):
    """Username, e-mail, other case, spaces, compatibility forms: one person, one count."""
    client = browser()
    spellings = OAK_CARER_SPELLINGS[:limit]
    answers = [sign_in(client, login, "wrong").status_code for login in spellings]
    assert answers == [200] * (limit - 1) + [429]
    for login in OAK_CARER_SPELLINGS:  # every way in is now locked, the right password too
        assert sign_in(client, login).status_code == 429, login
    assert signed_in_user_id(client) is None
    # One count, kept under the account, and nothing of what was typed.
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("oak.carer", limit)
    ]


def test_the_email_is_counted_with_the_username_on_the_admin_login_too(world, limit):
    client = browser()
    fail(client, "oak.teacher@demo.invalid", limit - 1, path="/admin/login/")
    assert sign_in(client, "OAK.TEACHER", "wrong").status_code == 429
    assert sign_in(client, "oak.teacher", path="/admin/login/").status_code == 429


def test_spellings_of_an_unknown_login_share_one_count_too(world, limit):
    client = browser()
    logins = ["nobody.here", "NOBODY.HERE", " Nobody.Here ", "\uff4eobody.here", "nobody.HERE"]
    answers = [sign_in(client, login, "wrong").status_code for login in logins[:limit]]
    assert answers == [200] * (limit - 1) + [429]


def test_another_persons_count_is_not_touched(world, limit):
    client = browser()
    fail(client, "oak.carer@demo.invalid", limit)
    assert sign_in(client, "willow.carer@demo.invalid").status_code == 302


def test_the_lock_is_on_that_login_from_that_address_only(world, limit):
    attacker = browser("203.0.113.10")
    fail(attacker, "oak.carer", limit)
    # The carer at home is not locked out by someone else's guessing...
    home = browser("198.51.100.7")
    assert sign_in(home, "oak.carer").status_code == 302
    # ...nor is another family sharing the attacker's address (below the address bar).
    assert sign_in(attacker, "willow.carer").status_code == 302


def test_many_logins_from_one_address_lock_the_address(world, limit, settings):
    per_address = settings.CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert per_address > limit
    sprayer = browser("203.0.113.10")
    answers = []
    for n in range(per_address):
        answers.append(sign_in(sprayer, f"guess{n // (limit - 1)}", "wrong").status_code)
    assert set(answers[:-1]) == {200}
    assert answers[-1] == 429
    # Now nobody signs in from that address, with any login, for the cool-off...
    assert sign_in(sprayer, "willow.carer").status_code == 429
    assert signed_in_user_id(sprayer) is None
    # ...while elsewhere all is well.
    assert sign_in(browser("198.51.100.7"), "willow.carer").status_code == 302


def test_success_resets_that_login_but_not_the_address(world, limit, settings):
    per_address = settings.CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT
    client = browser()
    fail(client, "oak.carer", limit - 1)
    assert sign_in(client, "oak.carer").status_code == 302
    client.post("/sign-out/")
    assert fail(client, "oak.carer", limit - 1) == [200] * (limit - 1)  # counted afresh
    client.post("/sign-out/")

    # An attacker's own account does not wipe the address's count of other guesses.
    UserFactory(username="attacker")
    sprayer = browser("203.0.113.20")
    for n in range(per_address - 1):
        sign_in(sprayer, f"victim{n // (limit - 1)}", "wrong")
    assert sign_in(sprayer, "attacker").status_code == 302
    sprayer.post("/sign-out/")
    assert sign_in(sprayer, "another.victim", "wrong").status_code == 429


def test_signing_in_with_the_email_address_resets_that_count_too(world, limit):
    client = browser()
    fail(client, "oak.carer@demo.invalid", limit - 1)
    assert sign_in(client, "Oak.Carer@demo.invalid").status_code == 302
    assert not AccessAttempt.objects.filter(username="oak.carer@demo.invalid").exists()


def test_lockout_ends_after_the_cool_off(world, limit, settings):
    client = browser()
    fail(client, "oak.carer", limit)
    assert sign_in(client, "oak.carer").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert sign_in(client, "oak.carer").status_code == 302


# --- the Wagtail admin shares the count ------------------------------------------------


def test_staff_are_locked_out_of_the_admin_login(world, limit):
    client = browser()
    answers = fail(client, "oak.teacher", limit, path="/admin/login/")
    assert answers == [200] * (limit - 1) + [429]
    response = sign_in(client, "oak.teacher", path="/admin/login/")
    assert response.status_code == 429
    assert LOCKED in response.content
    assert client.get("/admin/").status_code == 302


def test_admin_and_public_sign_in_share_one_count(world, limit):
    client = browser()
    fail(client, "oak.teacher", limit - 1, path="/admin/login/")
    assert sign_in(client, "oak.teacher", "wrong").status_code == 429
    assert sign_in(client, "oak.teacher", path="/admin/login/").status_code == 429


def test_admin_login_still_works_below_the_limit(world, limit):
    client = browser()
    fail(client, "oak.teacher", limit - 1, path="/admin/login/")
    response = sign_in(client, "oak.teacher", path="/admin/login/")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.a.teachers["Oak"].pk)


# --- invitation links ---------------------------------------------------------------------


def test_guessing_invitation_links_hits_the_lockout(world, limit):
    guesser = browser()
    answers = [guesser.get(f"/invitations/guess-{n}/").status_code for n in range(limit + 3)]
    assert answers == [404] * (limit - 1) + [429] * 4
    assert AccessAttempt.objects.filter(username=INVITATION_CREDENTIAL).exists()
    # The guessed links are kept nowhere.
    assert not AccessAttempt.objects.filter(path_info__contains="guess").exists()


def test_a_locked_address_cannot_open_even_a_real_link(world, limit, invitation_link):
    _, token = invitation_link
    guesser = browser()
    for n in range(limit):
        guesser.get(f"/invitations/guess-{n}/")
    locked = guesser.get(f"/invitations/{token}/")
    assert locked.status_code == 429
    assert b"Zara" not in locked.content  # a right guess looks like a wrong one
    assert browser("198.51.100.7").get(f"/invitations/{token}/").status_code == 200


def test_invitation_guesses_count_towards_the_address(world, limit, settings):
    """Locked out of invitations, the address may still sign in (another login); its
    guesses stay in the address's count."""
    guesser = browser()
    for n in range(limit):
        guesser.get(f"/invitations/guess-{n}/")
    assert sign_in(guesser, "oak.carer").status_code == 302
    attempts = AccessAttempt.objects.filter(ip_address="203.0.113.10")
    assert sum(a.failures_since_start for a in attempts) == limit


# --- test client -------------------------------------------------------------------------


def test_test_client_login_and_force_login_keep_working(world, limit):
    client = Client()
    assert client.login(username="oak.carer", password=DEFAULT_PASSWORD)
    assert client.get("/my-classes/").status_code == 200
    other = Client()
    other.force_login(world.a.carers["Willow"])
    assert other.get("/my-classes/").status_code == 200
    # And client.login() respects a lockout from its address (127.0.0.1).
    fail(Client(), "willow.carer", limit)
    assert not Client().login(username="willow.carer", password=DEFAULT_PASSWORD)


def test_no_form_data_is_kept_with_an_attempt(world):
    client = browser()
    client.post(
        "/sign-in/?next=/classes/oak-2026-27/",
        {"username": "oak.carer", "password": "a secret guess", "note": "Zara Quill"},
    )
    attempt = AccessAttempt.objects.get()
    assert attempt.post_data == "" and attempt.get_data == ""


# --- behind nginx (production.py) ----------------------------------------------------------


def via_proxy(forwarded):
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_the_proxy_each_client_address_has_its_own_count(world, limit, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "cms.accounts.sign_in.forwarded_client_ip"
    attacker = via_proxy("203.0.113.10")
    fail(attacker, "oak.carer", limit)
    assert sign_in(attacker, "oak.carer").status_code == 429
    # What the client adds on the left is not believed: nginx appends the real address.
    assert sign_in(via_proxy("1.2.3.4, 203.0.113.10"), "oak.carer").status_code == 429
    # Another family behind the same proxy is not locked out with the attacker.
    assert sign_in(via_proxy("198.51.100.7"), "oak.carer").status_code == 302


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("10.0.0.1, 198.51.100.7", "198.51.100.7"),
        ("198.51.100.7, not-an-address", "127.0.0.1"),
        ("", "127.0.0.1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_forwarded_client_ip(forwarded, expected):
    from django.test import RequestFactory

    from cms.accounts.sign_in import forwarded_client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded)
    assert forwarded_client_ip(request) == expected


def test_successful_sign_ins_leave_no_axes_rows(world):
    from axes.models import AccessLog

    client = browser()
    sign_in(client, "oak.carer", "wrong")
    assert sign_in(client, "oak.carer").status_code == 302
    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists()  # reset on success
