"""Wagtail wiring of class_pages: the serve-time access check for class content, the
register in the admin menu, and page choosers limited to what the user may explore."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks

from .access import can_view_page, guarding_page
from .chooser import explorable_page_ids
from .views import private_response
from .viewsets import RegisterViewSetGroup


@hooks.register("on_serve_page")
def require_class_access(next_serve_page):
    """Class pages and everything below them (and the whole-school story) are served only
    to those class_pages.access allows: anonymous → sign in; anyone else → 404, so a
    carer cannot learn which classes exist. Every such response is private, no-store."""

    def serve(page, request, args, kwargs):
        guard = guarding_page(page)
        if guard is None:
            return next_serve_page(page, request, args, kwargs)
        if not request.user.is_authenticated:
            return private_response(redirect_to_login(request.get_full_path()))
        if not can_view_page(request.user, guard):
            raise Http404
        return private_response(next_serve_page(page, request, args, kwargs))

    return serve


@hooks.register("register_admin_viewset")
def register_register_viewsets():
    return RegisterViewSetGroup()


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser(pages, request):
    """A teacher must not read other classes' titles in a page chooser."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=explorable_page_ids(request.user))
