"""Settings for the benchmarks (benchmarks/run_all.py) only: production settings, as
gunicorn runs them behind nginx (DEBUG off, Redis cache and cached_db sessions from
REDIS_URL, PostgreSQL from DATABASE_URL, the database task backend), with these
differences, none of which touches a request's work:
* ROOT_URLCONF adds two bench-only URLs (benchmarks/bench_urls.py);
* plain static file storage, so no collectstatic manifest is needed;
* the hosts of the benchmark and of seed_scale are allowed, SECRET_KEY is a fixed
  bench-only value unless given, staff two-factor is off (no staff sign in here);
* CLASSPAGES_ENVIRONMENT is "bench", so seeding commands run."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)

from cms.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "benchmarks.bench_urls"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver", ".scale.test"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CLASSPAGES_STAFF_2FA_REQUIRED = False
CLASSPAGES_ENVIRONMENT = "bench"
# The folder holding the static comparison file of the media benchmark.
BENCH_STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "")
