"""Sessions end after a period of inactivity (idle timeout) and, whatever the activity,
after a fixed lifetime (SESSION_COOKIE_AGE, the absolute timeout, not extended by use)."""

import time

from django.conf import settings
from django.contrib.auth import logout

LAST_SEEN = "class_pages_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)  # the next page asks them to sign in again
            elif now - last_seen > 60 or LAST_SEEN not in request.session:
                # At most one session write a minute: the clock needs no finer grain.
                request.session[LAST_SEEN] = now
        return self.get_response(request)
