"""Wagtail wiring of class_pages: the serve-time access check for class content (and
private responses for every page served), the register and carers' access viewsets in
the admin menu (consent records append-only), the log actions of carer links, the
watermark image operation, page choosers limited to what the user may explore, and the
media listings with a safe usage count filter."""

import logging

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from class_pages.access import can_view_page, guarding_page
from class_pages.access import remembered as remembered_access
from class_pages.access.chooser import explorable_page_ids
from class_pages.http import private_response
from class_pages.media.admin_api import limit_admin_api
from class_pages.media.photos import WatermarkOperation
from class_pages.models import ConsentRecord
from class_pages.register.invitation_admin import CarerAccessViewSetGroup
from class_pages.register.viewsets import AppendOnlyPermissionPolicy, RegisterViewSetGroup

# Before anything asks the registry for ConsentRecord's policy (it would get a fallback).
register_permission_policy(ConsentRecord, AppendOnlyPermissionPolicy(ConsentRecord))

security_log = logging.getLogger("class_pages.security")


@hooks.register("before_serve_page", order=-10)
def require_class_access(page, request, serve_args, serve_kwargs):
    """Class pages and everything below them (and the whole-school story) are served only
    to those class_pages.access allows: anonymous → sign in; anyone else → 404, so a
    carer cannot learn which classes exist. Runs before Wagtail's own method check, so
    OPTIONS or TRACE reveal nothing either."""
    guard = guarding_page(page)
    request.class_pages_private = guard is not None
    if guard is None:
        return None
    if not request.user.is_authenticated:
        return private_response(redirect_to_login(request.get_full_path()))
    if not remembered_access.page_allowed(request.user, guard, can_view_page):
        security_log.info("page_access_denied page=%s", guard.pk, extra={"request": request})
        raise Http404
    return None


@hooks.register("on_serve_page")
def mark_private_responses(next_serve_page):
    """Every response from guarded content, and every page a signed-in person sees (it
    says who they are), is private, no-store."""

    def serve(page, request, args, kwargs):
        response = next_serve_page(page, request, args, kwargs)
        if getattr(request, "class_pages_private", True) or request.user.is_authenticated:
            private_response(response)
        return response

    return serve


@hooks.register("register_log_actions")
def register_carer_link_actions(actions):
    actions.register_action(
        "class_pages.carer_link_reinstated",
        "Carer's access restored by a leader",
        "A leader restored a suspended or revoked carer link",
    )
    actions.register_action(
        "class_pages.carer_link_ended",
        "Carer's access ended: no-contact restriction",
        "Ended because a no-contact restriction matches this adult",
    )


@hooks.register("register_image_operations")
def register_watermark():
    return [("watermark", WatermarkOperation)]


@hooks.register("register_admin_viewset")
def register_register_viewsets():
    return RegisterViewSetGroup()


@hooks.register("register_admin_viewset")
def register_carer_access_viewsets():
    return CarerAccessViewSetGroup()


@hooks.register("register_admin_urls", order=-100)
def register_media_listings():
    """Ahead of Wagtail's own: image and recording listings whose usage count filter
    cannot give a 500 (class_pages.media.listings)."""
    from class_pages.media.listings import urlpatterns

    return urlpatterns


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser(pages, request):
    """A teacher must not read other classes' titles in a page chooser."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=explorable_page_ids(request.user))


# After Wagtail's own construct_admin_api hooks, so ours replace their endpoints.
hooks.register("construct_admin_api", limit_admin_api, order=100)
