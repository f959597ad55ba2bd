"""Security headers on the public site: a strict Content Security Policy (no inline
script, nothing from elsewhere, no framing) and a Permissions-Policy that turns off what
class pages never use. The Wagtail admin keeps its own needs and gets no CSP here."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith(("/admin/", "/django-admin/")):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
