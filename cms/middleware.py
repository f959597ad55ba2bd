"""Gates in front of everything for signed-in people: before anything else, they accept
the current agreement of every school they belong to (carers on the site, staff in the
admin too). `SignedInGate` is shared with the two-factor gate (cms.accounts.two_factor)."""

from urllib.parse import urlencode

from django.shortcuts import redirect

from class_pages.agreements import must_accept_agreement
from class_pages.http import private_response

# What stays reachable while an agreement waits: the agreement itself, signing in and
# out, password reset, static files and Wagtail's own login/logout.
EXEMPT_PREFIXES = (
    "/agreement/",
    "/account/two-factor/",  # cms.accounts.two_factor runs first: without this, a loop
    "/sign-in/",
    "/sign-out/",
    "/password-reset/",
    "/notifications/unsubscribe/",
    "/static/",
    "/admin/login/",
    "/admin/logout/",
    "/admin/jsi18n/",
)


class SignedInGate:
    """A middleware that sends a signed-in person to `target` (with ?next=) before any
    path but `exempt_prefixes` while `must_stop(request)` says so."""

    target = ""
    exempt_prefixes = ()

    def __init__(self, get_response):
        self.get_response = get_response

    def must_stop(self, request):
        raise NotImplementedError

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and self.must_stop(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return private_response(redirect(f"{self.target}?{query}"))
        return self.get_response(request)


class AgreementMiddleware(SignedInGate):
    target = "/agreement/"
    exempt_prefixes = EXEMPT_PREFIXES

    def must_stop(self, request):
        return must_accept_agreement(request)
