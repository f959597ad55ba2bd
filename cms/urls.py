"""URLs: the public site, sign-in, the authorising file view and the Wagtail admin.

Deliberately absent: a public /media/ URL, Wagtail's dynamic image serve view, the
documents app, the API, search and sitemap views (all would reveal private content)."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from class_pages import chooser as page_chooser
from class_pages import views as class_views

from .views import SignInView, SignOutView

urlpatterns = [
    # Before Wagtail's own: the chooser must not show a parent page the user may not see.
    path("admin/choose-page/<int:parent_page_id>/", page_chooser.browse),
    path("admin/", include(wagtailadmin_urls)),
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
    path("my-classes/", class_views.my_classes, name="my_classes"),
    path("files/<path:name>", class_views.serve_file, name="private_file"),
    path("", include(wagtail_urls)),
]

handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
