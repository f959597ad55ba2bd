"""The site's URLs plus two bench-only ones, for benchmarks/ only; never used by the site.

* /bench-static/<path>: a plain file served by Django's static view from
  BENCH_STATIC_ROOT (the comparison point of the media benchmark).
* /bench-public/<page path>: "the same page, public". Wagtail's own serve view
  (wagtail.views.serve) minus its hooks: the same Page.route_for_request() (Site lookup
  and routing through the tree), the same page.serve() (get_context: the same feed, the
  same photos and renditions, the same template and fragment cache), the same middleware
  and database. Without: the before_serve_page hooks (our class access check, Wagtail's
  view-restriction check) and on_serve_page (the private, no-store headers). Requested
  without a session cookie, as a visitor would see a public page.
* /bench-plain/<page path>: "plain public Wagtail page": the same as /bench-public/ but the
  feed is rendered on every request, as a stock Wagtail page renders its content: the
  request asks for feed page "first", which the paginator reads as page 1 and the feed
  fragment cache never keeps (class_pages.caching.tokens.cacheable_page_number).
"""

from django.conf import settings
from django.http import Http404, QueryDict
from django.urls import include, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve
from wagtail.models import Page


@require_safe
def public_copy(request, path):
    route_result = Page.route_for_request(request, path)
    if route_result is None:
        raise Http404
    page, args, kwargs = route_result
    return page.serve(request, *args, **kwargs)


@require_safe
def plain_public_copy(request, path):
    request.GET = QueryDict("page=first")
    return public_copy(request, path)


urlpatterns = [
    re_path(r"^bench-static/(?P<path>.*)$", serve, {"document_root": settings.BENCH_STATIC_ROOT}),
    re_path(r"^bench-public/(?P<path>.*)$", public_copy),
    re_path(r"^bench-plain/(?P<path>.*)$", plain_public_copy),
    re_path(r"", include("cms.urls")),
]

handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
