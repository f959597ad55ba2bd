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
