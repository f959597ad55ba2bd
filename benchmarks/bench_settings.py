"""Settings for benchmarks/media_view.py only: the development settings, with a URLconf
that also serves one plain static file through Django (the comparison point), and
DEBUG off so that no SQL is recorded per request, as in production."""

import os

from cms.settings.dev import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.bench_urls"
# The folder holding the static comparison file (set by the benchmark).
BENCH_STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "")
