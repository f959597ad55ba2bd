"""Production settings: everything secret or host-specific comes from the environment."""

import os

from cms.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS (usually port 587) or implicit TLS (usually 465); not both.
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "class-pages@localhost")
CLASSPAGES_ENVIRONMENT = "production"

# Background tasks: queued in PostgreSQL (in the same transaction as the change that
# queues them) and run by `manage.py db_worker` (deploy/systemd/class-pages-worker.service):
# Wagtail's search indexing, reference index and file deletions, and every e-mail.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Sessions: cached_db (base.py) reads them from Redis and writes them through to
# PostgreSQL: one query less on every signed-in request. Only with a shared cache: with
# each worker's own memory cache (no REDIS_URL), a session ended in one worker would live
# on in the others' memory, so then plain database sessions.
if not os.environ.get("REDIS_URL"):
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # The same holds for every cached decision (feeds, file answers, agreement gates):
    # their version tokens must be seen by every worker at once, so without a shared cache
    # there is no cache at all (correct, only slower; deploy/README.md: set REDIS_URL).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# Behind nginx every request comes from 127.0.0.1: without this, the lockout would count
# every family as one address (30 failures anywhere would lock out every school) and the
# security log would name the proxy. nginx appends the address it saw to X-Forwarded-For
# (deploy/nginx); only that right-most entry is believed (cms.accounts.sign_in.forwarded_client_ip).
AXES_CLIENT_IP_CALLABLE = "cms.accounts.sign_in.forwarded_client_ip"

# Cookies only for this host over HTTPS (the browser enforces the __Host- prefix:
# Secure, Path=/, no Domain), never sent from another site's page.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
