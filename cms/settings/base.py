"""Settings shared by every environment.

Environment variables: DATABASE_URL (SQLite file in var/ when unset), PRIVATE_MEDIA_ROOT,
REDIS_URL (a file cache in var/cache when unset), CLASSPAGES_VAR_DIR. Everything that
decides who may see what lives in code, not here.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CLASSPAGES_VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "class_pages",
    "workflows",
    "cms",
    "wagtail.contrib.settings",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.images",
    "wagtail.documents",  # needed by wagtail-factories; its URLs are never mounted
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "guardian",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cms.security_headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.accounts.session_timeouts.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.accounts.two_factor.TwoFactorMiddleware",
    "cms.middleware.AgreementMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins unchecked
    "cms.accounts.sign_in.UsernameOrEmailBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user is not wanted: anonymous visitors may see nothing private.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies (and upgrades) older hashes
]
CLASSPAGES_INVITATION_DAYS = 14

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "my_classes"
LOGOUT_REDIRECT_URL = "sign_in"

LANGUAGE_CODE = "en-gb"
# The carer pages follow the phone's language where a translation exists (Welsh ships
# as proof; a school adds more with makemessages/compilemessages).
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Every stored file (originals, renditions) sits in a folder no web server publishes;
# its URL is /files/<name>, answered by the authorising view in class_pages.site.views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private-media"))
PRIVATE_MEDIA_URL = "/files/"
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = PRIVATE_MEDIA_URL
STORAGES = {
    "default": {"BACKEND": "class_pages.media.storage.PrivateMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# When set (e.g. "/protected-files/"), the file view hands the bytes to nginx.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")

# The cache holds remembered access answers, their version tokens, feed fragments and
# (cached_db) sessions. Every process must see every bump at once: when a command, the
# worker or another server process ends a session, revokes a link or disables an account,
# the running server must obey it on the next request. So never LocMemCache (one per
# process). Without Redis: files under VAR_DIR, shared by every process of this machine
# (writes are whole-file renames, so a reader sees an old or a new value, never half).
# Measured with `make run`'s settings (runserver, SQLite, warm, median of 100): the carer's
# class page 10.1 ms (LocMemCache 10.0), a photo 1.7 ms (1.7); DatabaseCache 10.2 and
# 3.5 ms (and a table migrate does not make); no cache at all 32 and 19 ms.
# production.py, which may run on several machines, uses no cache at all without Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        # The files outlive the process: keyed by the database they describe, so pointing
        # DATABASE_URL elsewhere cannot meet another database's remembered answers (ids
        # repeat across databases).
        "KEY_PREFIX": hashlib.sha256(
            "|".join(
                str(DATABASES["default"].get(part, ""))
                for part in ("ENGINE", "HOST", "PORT", "NAME")
            ).encode()
        ).hexdigest()[:16],
        # Beyond this, a third of the entries go at random: for tokens and remembered
        # answers that only means deciding again (tokens are random, never revived).
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

# Sessions are read from the cache (Redis in production, the shared file cache in
# development) and written through to the database: no query per request to find who is
# signed in; ending a session deletes it from both, for every process at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# Absolute lifetime of a sign-in (not extended by activity) and the idle timeout.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 7 * 24 * 3600))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 2 * 3600))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "cms.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (django-csp) of the public site: no inline script, nothing from
# elsewhere, never in a frame. The Wagtail admin needs inline script and is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Wagtail
WAGTAIL_SITE_NAME = "Class pages"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "class_pages.ClassImage"
WAGTAIL_FRONTEND_LOGIN_URL = "/sign-in/"
# No shared-password pages: every private page is tied to a person.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
# HEIC/HEIF (iPhones, iPads) and AVIF are read through pillow-heif and Pillow, and stored
# re-encoded as JPEG (class_pages.media.uploads); listing them also lets the file dialogs
# offer them (Wagtail adds image/heic and image/avif to the accept attribute).
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "heic", "heif", "avif"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# An edit after "changes requested" must pass every check again, not only the last step.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
# Leaders approve without holding `publish`; the finish action publishes on their behalf.
WAGTAIL_FINISH_WORKFLOW_ACTION = "workflows.finish.publish_approved_revision"
# No editor autosave (Wagtail 8 saves the open editor every half second): in the create
# view it made a draft post, photos and all, as soon as a teacher typed, left behind in the
# class listing when they gave up; in a reviewing leader's editor it saved the leader's copy
# as a new revision just after Approve ("live + draft"). Teachers save drafts themselves.
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No staff avatars from gravatar.com: every admin page would hand it an MD5 of the e-mail
# address of each person shown (who works where, and when they are signed in).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Staff cannot change their own e-mail address in the admin: with only a password, one
# could point the account at their own inbox and receive its two-factor set-up link
# (cms.accounts.two_factor_links). The office or a superuser changes addresses in the user admin.
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAILIMAGES_IMAGE_FORM_BASE = "class_pages.media.forms.ClassImageForm"
# Video and audio recordings are Wagtail documents of our own model, linked directly by
# their storage URL (/files/media/..., the authorising view); no document serve view.
WAGTAILDOCS_DOCUMENT_MODEL = "class_pages.ClassMedia"
WAGTAILDOCS_SERVE_METHOD = "direct"
WAGTAILDOCS_EXTENSIONS = ["mp4", "m4v", "mov", "webm", "mp3", "m4a", "aac", "ogg", "oga", "wav"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "class_pages.media.forms.ClassMediaForm"
CLASSPAGES_MAX_VIDEO_BYTES = 300 * 1024 * 1024
CLASSPAGES_MAX_AUDIO_BYTES = 50 * 1024 * 1024

# Background tasks (django-tasks)
# Wagtail 8 queues its own jobs on the default backend (search indexing, reference index,
# focal points, deleting replaced files), and so do our e-mails (workflows.mail,
# workflows.notifications). Immediate here (dev, tests: they run inside the request, so
# mail.outbox sees them); production.py switches to the database backend, and
# `manage.py db_worker` (deploy/systemd/class-pages-worker.service) runs them.
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Two-factor sign-in, the sign-in defence (django-axes) and password reset.
from cms.settings.sign_in import *  # noqa: E402, F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timed"}},
    "loggers": {
        # Sign-ins, failures, lockouts, sign-outs, refusals, exports (cms.accounts.security_log).
        "class_pages.security": {"level": "INFO"},
        # Its "Not Found: <path>" warnings would write invitation, calendar and
        # unsubscribe tokens to the log: server errors only.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "ERROR"},  # its lines repeat the security log's, less clearly
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
