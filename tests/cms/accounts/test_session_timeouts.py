"""Sign-ins end after the idle timeout, and the session id changes at sign-in."""

import time

from cms.accounts.session_timeouts import LAST_SEEN


def test_idle_session_is_signed_out(world, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.force_login(world.a.carers["Oak"])
    assert client.get("/my-classes/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 61
    session.save()
    response = client.get(world.a.classes["Oak"].url)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session(world, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.force_login(world.a.carers["Oak"])
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 59
    session.save()
    assert client.get("/my-classes/").status_code == 200
    settings.SESSION_IDLE_TIMEOUT = 120
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 90
    session.save()
    assert client.get("/my-classes/").status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 2  # refreshed by the visit


def test_session_id_changes_at_sign_in(world, client):
    client.get("/sign-in/")
    client.session.save()
    before = client.session.session_key
    client.post(
        "/sign-in/", {"username": world.a.carers["Oak"].username, "password": "classpages-demo"}
    )
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(world.a.carers["Oak"].pk)
