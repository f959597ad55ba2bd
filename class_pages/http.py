"""Private responses: whatever depends on who asked is marked so that no cache (the
browser's, a proxy's, nginx's) stores it. Every view that answers a signed-in person
uses this."""

from django.utils.http import http_date

# What add_never_cache_headers() and patch_cache_control(private, no_store) would give,
# set at once: this runs for every photo a carer sees.
NEVER_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def private_response(response):
    """Mark a response that depends on who asked: never stored by any cache."""
    response.headers["Cache-Control"] = NEVER_STORE
    response.headers["Expires"] = http_date()
    return response
