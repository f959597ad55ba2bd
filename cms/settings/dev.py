"""Development settings used by `make run`: DEBUG on, e-mail to the console."""

from cms.settings.base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "dev-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
CLASSPAGES_ENVIRONMENT = "dev"

CLASSPAGES_STAFF_2FA_REQUIRED = False  # sign-in with a password alone (see base.py)
