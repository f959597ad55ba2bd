"""Production settings pass Django's deployment checks with real values from the
environment, and refuse to start without a secret key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def test_debug_is_off_whatever_the_environment_says():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example",
        DEBUG="1",
    )
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


def production_value(expression, **env):
    result = manage(
        "shell",
        "-c",
        f"from django.conf import settings; print({expression})",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_cookies_are_host_only_https_only_and_same_site():
    values = production_value(
        "settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,"
        " settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
        " settings.SESSION_COOKIE_SAMESITE"
    )
    assert values.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "True", "Lax"]


def test_without_a_shared_cache_nothing_is_cached():
    """Each gunicorn worker's memory cache would miss the others' version bumps."""
    backend = production_value("settings.CACHES['default']['BACKEND']")
    assert backend == "django.core.cache.backends.dummy.DummyCache"
    engine = production_value("settings.SESSION_ENGINE")
    assert engine == "django.contrib.sessions.backends.db"


def test_with_redis_everything_shares_it():
    backend = production_value(
        "settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE",
        REDIS_URL="redis://127.0.0.1:6379/9",
    )
    assert backend.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]
