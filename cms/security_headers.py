"""A Permissions-Policy on every response that turns off what class pages never use.

The Content Security Policy of the public site (no inline script, nothing from elsewhere,
no framing) is django-csp's middleware with CONTENT_SECURITY_POLICY in settings/base.py;
the Wagtail admin, which needs inline script, is excluded there."""

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
