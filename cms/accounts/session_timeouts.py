"""Sessions end after a period of inactivity (idle timeout) and, whatever the activity,
after a fixed lifetime (SESSION_COOKIE_AGE, the absolute timeout, not extended by use).

The same middleware keeps the "last seen" time of the session's SignedInSession row (the
account's list of signed-in devices) up to date, at most once every five minutes, deciding
from a stamp kept in the session: ordinary requests in between cost no query."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

from class_pages.models import SignedInSession
from class_pages.models.accounts import LAST_SEEN_EVERY, LAST_SEEN_RECORDED, SIGNED_IN_AT

LAST_SEEN = "class_pages_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            # Saving a session pushes its expiry date on by SESSION_COOKIE_AGE (and the
            # last-seen stamp saves it every minute), so the absolute lifetime is
            # counted here from the sign-in itself.
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - signed_in_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)  # the next page asks them to sign in again
            else:
                if now - last_seen > 60 or LAST_SEEN not in request.session:
                    # At most one session write a minute: the clock needs no finer grain.
                    request.session[LAST_SEEN] = now
                if now - request.session.get(LAST_SEEN_RECORDED, 0) > LAST_SEEN_EVERY:
                    self.record_last_seen(request, user, now)
        return self.get_response(request)

    @staticmethod
    def record_last_seen(request, user, now):
        request.session[LAST_SEEN_RECORDED] = now
        updated = SignedInSession.objects.filter(
            session_key=request.session.session_key, user=user.pk
        ).update(last_seen_at=timezone.now())
        if not updated:
            # A sign-in from before sessions were tracked: list it from now on.
            SignedInSession.record(request, user)
