"""No user enumeration: sign-in (public and admin), password reset (public and admin) and
invitation links answer an unknown account exactly as a known one: same status, same
message, and the same work inside the request. Timing is checked deterministically by
the work done, not the clock: password hashes computed (a counting hasher), database
queries, e-mails sent and tasks queued."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from class_pages.factories import DEFAULT_PASSWORD, UserFactory
from class_pages.models import Invitation
from cms.accounts.password_reset import send_password_reset_task

INVALID_LOGIN = b"That username or e-mail and password do not match an active account."


class CountingHasher(MD5PasswordHasher):
    """The test settings' hasher (same "md5" algorithm, so stored hashes still verify),
    counting every hash computed."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_enumeration.CountingHasher"]

    def count(do):
        CountingHasher.calls = 0
        response = do()
        return response, CountingHasher.calls

    return count


@pytest.fixture
def queued(settings):
    """Tasks are queued, not run, so what the request itself does can be seen."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


def post(path, data, address="203.0.113.10"):
    client = Client(REMOTE_ADDR=address)
    return client.post(path, data)


def shared_address(world):
    """A second account with the Oak carer's e-mail address."""
    UserFactory(username="oak.carer.two", email=world.a.carers["Oak"].email)
    return world.a.carers["Oak"].email


def inactive(world):
    carer = world.a.carers["Willow"]
    carer.is_active = False
    carer.save()
    return "willow.carer"


# --- signing in ---------------------------------------------------------------------------

FAILED_LOGINS = {
    "wrong password": lambda world: ("oak.carer", "not the password"),
    "wrong password by e-mail": lambda world: ("oak.carer@demo.invalid", "not the password"),
    "unknown username": lambda world: ("nobody.here", DEFAULT_PASSWORD),
    "unknown e-mail": lambda world: ("nobody@demo.invalid", DEFAULT_PASSWORD),
    "e-mail of two accounts": lambda world: (shared_address(world), DEFAULT_PASSWORD),
    "disabled account": lambda world: (inactive(world), DEFAULT_PASSWORD),
}


@pytest.mark.parametrize("path", ["/sign-in/", "/admin/login/"])
def test_every_failed_sign_in_looks_the_same_and_hashes_once(world, hashes, path):
    answers = {}
    for case, make in FAILED_LOGINS.items():
        username, password = make(world)
        response, hashed = hashes(
            lambda u=username, p=password: post(path, {"username": u, "password": p})
        )
        assert response.status_code == 200, case
        assert hashed == 1, f"{case}: {hashed} hashes"
        answers[case] = response
    if path == "/sign-in/":
        assert all(INVALID_LOGIN in r.content for r in answers.values())
    errors = {case: r.context["form"].non_field_errors() for case, r in answers.items()}
    assert len({tuple(e) for e in errors.values()}) == 1, errors


def test_a_successful_sign_in_hashes_once_too(world, hashes):
    response, hashed = hashes(
        lambda: post("/sign-in/", {"username": "oak.carer", "password": DEFAULT_PASSWORD})
    )
    assert response.status_code == 302
    assert hashed == 1


def fresh_addresses():
    """A new address for each measurement: the spellings of one person share one count,
    so an earlier failure would turn this one's INSERT into an UPDATE."""
    return (f"198.51.100.{n}" for n in range(10, 250))


def test_known_and_unknown_logins_cost_the_same_queries(world):
    addresses = fresh_addresses()

    def queries(username):
        with CaptureQueriesContext(connection) as captured:
            post("/sign-in/", {"username": username, "password": "wrong"}, next(addresses))
        return len(captured)

    assert queries("oak.carer") == queries("nobody.here")
    assert queries("oak.carer@demo.invalid") == queries("nobody@demo.invalid")
    # The lockout looks the login up to count it under its account: no difference there.
    assert queries(" OAK.CARER@DEMO.INVALID ") == queries(" NOBODY@DEMO.INVALID ")
    assert queries("\uff4f\uff41\uff4b.carer") == queries("\uff4eobody.here")


def test_known_and_unknown_logins_cost_the_same_queries_on_the_admin_login(world):
    addresses = fresh_addresses()

    def queries(username):
        with CaptureQueriesContext(connection) as captured:
            post("/admin/login/", {"username": username, "password": "wrong"}, next(addresses))
        return len(captured)

    assert queries("oak.teacher") == queries("nobody.here")
    assert queries("oak.teacher@demo.invalid") == queries("nobody@demo.invalid")


def test_a_locked_out_known_login_costs_what_an_unknown_one_does(world, settings):
    """Once locked out, no password is checked: still the same work for both."""

    def locked_queries(username, address):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            post("/sign-in/", {"username": username, "password": "wrong"}, address)
        with CaptureQueriesContext(connection) as captured:
            response = post("/sign-in/", {"username": username, "password": "wrong"}, address)
        assert response.status_code == 429
        return len(captured)

    assert locked_queries("oak.carer@demo.invalid", "198.51.100.4") == locked_queries(
        "nobody@demo.invalid", "198.51.100.5"
    )


# --- password reset ----------------------------------------------------------------------

RESET_PATHS = ["/password-reset/", "/admin/password_reset/"]


@pytest.mark.parametrize("path", RESET_PATHS)
def test_reset_request_does_the_same_work_for_any_address(world, hashes, queued, path):
    addresses = {
        "known": world.a.carers["Oak"].email,
        "unknown": "nobody@example.org",
        "shared": "shared@example.org",
    }
    UserFactory(username="shared.one", email="shared@example.org")
    UserFactory(username="shared.two", email="shared@example.org")
    seen = {}
    for case, address in addresses.items():
        mail.outbox.clear()
        queued.clear()
        with CaptureQueriesContext(connection) as captured:
            response, hashed = hashes(lambda a=address: post(path, {"email": a}))
        assert response.status_code == 302, case
        assert hashed == 0
        assert mail.outbox == [], f"{case}: e-mail sent inside the request"
        assert len(queued.results) == 1
        task = queued.results[0]
        seen[case] = (
            response["Location"],
            len(captured),
            task.task.name,
            sorted(task.kwargs),
            {k: v for k, v in task.kwargs.items() if k != "email"},
        )
    assert seen["known"] == seen["unknown"] == seen["shared"], seen


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/password-reset/", "/password-reset/"),
        ("/admin/password_reset/", "/admin/password_reset/"),
    ],
)
def test_the_queued_task_sends_the_email_only_to_accounts(world, queued, path, link):
    UserFactory(username="shared.one", email="shared@example.org")
    UserFactory(username="shared.two", email="shared@example.org")
    for address in (world.a.carers["Oak"].email, "nobody@example.org", "shared@example.org"):
        post(path, {"email": address})
    assert mail.outbox == []
    for result in queued.results:
        result.task.call(*result.args, **result.kwargs)
    recipients = sorted(message.to[0] for message in mail.outbox)
    # One e-mail per account: the shared address gets one for each of its two accounts.
    assert recipients == ["oak.carer@demo.invalid", "shared@example.org", "shared@example.org"]
    assert all(link in message.body for message in mail.outbox)
    assert all("http://testserver" in message.body for message in mail.outbox)


def test_reset_email_still_arrives_with_the_immediate_backend(world):
    """As configured for tests and development: the task runs at once."""
    response = post("/password-reset/", {"email": world.a.carers["Oak"].email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body


def test_reset_task_ignores_an_address_with_no_account(db):
    send_password_reset_task.call(
        email="nobody@example.org",
        domain="testserver",
        use_https=True,
        templates={
            "subject": "registration/password_reset_subject.txt",
            "email": "registration/password_reset_email.html",
        },
    )
    assert mail.outbox == []


# --- invitation links ----------------------------------------------------------------------


def test_spent_and_unknown_invitation_links_look_the_same(world, hashes, invitation_link):
    invitation, token = invitation_link
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    expired, hashed_expired = hashes(lambda: Client().get(f"/invitations/{token}/"))
    unknown, hashed_unknown = hashes(
        lambda: Client(REMOTE_ADDR="198.51.100.2").get(f"/invitations/{'x' * len(token)}/")
    )
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content
    assert hashed_expired == hashed_unknown == 0
