"""The site's URLs plus /bench-static/<path>: a plain file served by Django's static
view from BENCH_STATIC_ROOT, for benchmarks/media_view.py only. Never used by the site."""

from django.conf import settings
from django.urls import include, re_path
from django.views.static import serve

urlpatterns = [
    re_path(r"^bench-static/(?P<path>.*)$", serve, {"document_root": settings.BENCH_STATIC_ROOT}),
    re_path(r"", include("cms.urls")),
]

handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
