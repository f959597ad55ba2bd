"""Test settings: fast hasher, in-memory cache, throwaway private media folder."""

import tempfile
from pathlib import Path

from cms.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "oak.test", "other.test"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="classpages-test-media-"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
WAGTAILADMIN_BASE_URL = "http://testserver"
CLASSPAGES_ENVIRONMENT = "test"
# Background tasks run inside the request (as in base.py; stated here as bakerydemo does).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

CLASSPAGES_STAFF_2FA_REQUIRED = False  # sign-in with a password alone (see base.py)

# Sign-in defence: axes' backend refuses authenticate() without a request, which is how
# the test client's login() calls it; this stand-in gives it one (cms.accounts.sign_in).
AUTHENTICATION_BACKENDS = [
    "cms.accounts.sign_in.TestClientLockoutBackend",
    *AUTHENTICATION_BACKENDS[1:],  # noqa: F405
]
