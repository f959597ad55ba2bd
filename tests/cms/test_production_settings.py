"""Production settings pass Django's deployment checks with real values from the
environment, and refuse to start without a secret key; behind nginx, each client has
its own sign-in lockout count."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each test starts Python processes with the production settings as they are (a couple of
# seconds each): `make test-slow`, in .ci/run.
pytestmark = pytest.mark.slow


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(DJANGO_SETTINGS_MODULE="cms.settings.production", **env)
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_real_values():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secret_key_no_start():
    result = manage("check", ALLOWED_HOSTS="school.example")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


# The settings as production loads them, with DEBUG=1 in the environment and no REDIS_URL:
# read once for the module (each process that loads them costs seconds).
AS_LOADED = (
    "json.dumps({name: repr(getattr(settings, name)) for name in"
    " ('DEBUG', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE',"
    " 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
    " 'SESSION_ENGINE')} | {'cache': settings.CACHES['default']['BACKEND']})"
)


@pytest.fixture(scope="module")
def as_loaded():
    return json.loads(production_value(AS_LOADED, DEBUG="1"))


def test_debug_is_off_whatever_the_environment_says(as_loaded):
    assert as_loaded["DEBUG"] == "False"


def production_value(expression, **env):
    result = manage(
        "shell",
        "-c",
        f"import json; from django.conf import settings; print({expression})",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_cookies_are_host_only_https_only_and_same_site(as_loaded):
    names = (
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
    )
    assert [as_loaded[name] for name in names] == [
        "'__Host-sessionid'",
        "'__Host-csrftoken'",
        "True",
        "True",
        "True",
        "'Lax'",
    ]


def test_without_a_shared_cache_nothing_is_cached(as_loaded):
    """Each gunicorn worker's memory cache would miss the others' version bumps."""
    assert as_loaded["cache"] == "django.core.cache.backends.dummy.DummyCache"
    assert as_loaded["SESSION_ENGINE"] == "'django.contrib.sessions.backends.db'"


def test_with_redis_everything_shares_it():
    backend = production_value(
        "settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE",
        REDIS_URL="redis://127.0.0.1:6379/9",
    )
    assert backend.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]


# Run in a process of its own under cms.settings.production exactly as deployed (nothing
# of the settings is changed): real requests through the whole middleware stack, as nginx
# hands them to gunicorn (REMOTE_ADDR 127.0.0.1, X-Forwarded-For with the address nginx
# saw appended, X-Forwarded-Proto https). Two shortcuts keep it to a few seconds, neither
# about what is tested: the tables are made from the models (migrate takes ~12 s), and
# static URLs skip the collectstatic manifest.
BEHIND_NGINX = """
import json
import django
django.setup()
from django.apps import apps
from django.db import connection
with connection.schema_editor() as editor:
    for model in apps.get_models():
        editor.create_model(model)
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
ManifestStaticFilesStorage.stored_name = lambda self, name: name
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from class_pages.models import SignedInSession
PASSWORD = "a long and good password"
get_user_model().objects.create_user("carer", "carer@example.org", PASSWORD)

def through_nginx(forwarded):
    return Client(
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="school.example",
    )

def sign_in(client, password):
    return client.post("/sign-in/", {"username": "carer", "password": password}).status_code

out = {}
# The attacker at 203.0.113.10 puts the victim's address on the left of the header;
# nginx appends the address it really saw.
attacker = through_nginx("198.51.100.7, 203.0.113.10")
out["attacker"] = [sign_in(attacker, "wrong") for _ in range(5)]
out["attacker_right_password"] = sign_in(attacker, PASSWORD)
out["counted_addresses"] = sorted(set(AccessAttempt.objects.values_list("ip_address", flat=True)))
# The carer at home, through the same nginx.
out["victim"] = sign_in(through_nginx("198.51.100.7"), PASSWORD)
out["victim_session_ip"] = list(SignedInSession.objects.values_list("ip", flat=True))
# Another family of the school, arriving with nothing forwarded but nginx's entry.
out["other_family"] = sign_in(through_nginx("192.0.2.44"), "wrong")
print("RESULT " + json.dumps(out))
"""


def test_behind_nginx_each_client_has_its_own_lockout_count(tmp_path):
    """Failures from one client (the right-most X-Forwarded-For entry, the one nginx
    appends) lock out that client only; what the client puts to its left is ignored, so
    it can neither spend someone else's count nor escape its own."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CLASSPAGES_VAR_DIR=str(tmp_path),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "media"),
    )
    environment.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", BEHIND_NGINX],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, result.stdout + result.stderr
    out = json.loads(lines[-1].removeprefix("RESULT "))
    assert out["attacker"] == [200, 200, 200, 200, 429]
    assert out["attacker_right_password"] == 429
    assert out["counted_addresses"] == ["203.0.113.10"]  # not the proxy, not the left entry
    assert out["victim"] == 302
    assert out["victim_session_ip"] == ["198.51.100.7"]
    assert out["other_family"] == 200  # a wrong password, answered, not locked out
