"""Before anything else, a signed-in person accepts the current agreement of every school
they belong to (carers on the site, staff in the admin too)."""

from urllib.parse import urlencode

from django.shortcuts import redirect

from class_pages.policy import must_accept_agreement
from class_pages.views import private_response

# What stays reachable while an agreement waits: the agreement itself, signing in and
# out, password reset, static files and Wagtail's own login/logout.
EXEMPT_PREFIXES = (
    "/agreement/",
    "/account/two-factor/",  # cms.two_factor runs first: without this, a loop
    "/sign-in/",
    "/sign-out/",
    "/password-reset/",
    "/notifications/unsubscribe/",
    "/static/",
    "/admin/login/",
    "/admin/logout/",
    "/admin/jsi18n/",
)


class AgreementMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and must_accept_agreement(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return private_response(redirect(f"/agreement/?{query}"))
        return self.get_response(request)
