"""The signed-in person comes from the cache between changes to their account, and any
saved change (disabled, new password, new name) is seen on the very next request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from class_pages.factories import UserFactory
from cms.accounts.sign_in import UsernameOrEmailBackend


def test_a_repeat_lookup_costs_no_query(world):
    backend, carer = UsernameOrEmailBackend(), world.a.carers["Oak"]
    assert backend.get_user(carer.pk) == carer
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(carer.pk) == carer
    assert len(queries) == 0


def test_a_saved_change_is_seen_at_once(world):
    backend, carer = UsernameOrEmailBackend(), world.a.carers["Oak"]
    backend.get_user(carer.pk)
    carer.first_name = "Renamed"
    carer.save()
    assert backend.get_user(carer.pk).first_name == "Renamed"


def test_a_disabled_account_is_refused_at_once(world):
    backend, carer = UsernameOrEmailBackend(), world.a.carers["Oak"]
    assert backend.get_user(carer.pk) is not None
    carer.is_active = False
    carer.save()
    assert backend.get_user(carer.pk) is None


def test_a_new_password_ends_a_session_kept_by_the_cache(world, client):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    assert client.get("/my-classes/").status_code == 200
    carer.set_password("a whole new passphrase")
    carer.save()
    response = client.get("/my-classes/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_deleted_account_is_not_served_from_the_cache(world):
    backend, carer = UsernameOrEmailBackend(), UserFactory()
    backend.get_user(carer.pk)
    pk = carer.pk
    carer.delete()
    assert backend.get_user(pk) is None
