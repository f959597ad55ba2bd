"""URLs: includes only, in the order that matters. The authorising file view first
(every photo of a page is a request to it); our admin guards (class_pages.access) before
Wagtail's admin; then the account views (cms.accounts), the carers' site
(class_pages.site), moderation and the leaders' tools (workflows); Wagtail's page
serving last.

Deliberately absent: a public /media/ URL, Wagtail's dynamic image serve view, the
documents app, the API, search and sitemap views (all would reveal private content)."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from class_pages.access import admin_urls
from class_pages.site import urls as site_urls

urlpatterns = [
    path("", include(site_urls.file_urlpatterns)),
    path("", include(admin_urls)),
    path("admin/", include(wagtailadmin_urls)),
    path("", include("cms.accounts.urls")),
    path("", include(site_urls)),
    path("", include("workflows.urls")),
    path("", include(wagtail_urls)),
]

handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
