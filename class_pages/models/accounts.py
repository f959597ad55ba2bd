"""Signed-in sessions: one row per live sign-in, so a person (or a leader of their school)
can see where an account is signed in and end a session, whatever the session engine;
and the session keys of sign-in (when it was, whether a second factor is still owed).

A row is made when someone signs in and removed when they sign out or the session is
ended here. Rows can outlive their session (expiry, idle timeout, a key changed by a new
sign-in): lists drop those with `live_sessions()`, which asks the session engine."""

import logging
import re
from importlib import import_module

from django.conf import settings
from django.db import models
from django.utils import timezone

security_log = logging.getLogger("class_pages.security")

UA_MAX = 300
# Unix time at which this session's row last had last_seen_at written (kept in the
# session itself, so ordinary requests decide without asking the database).
LAST_SEEN_RECORDED = "class_pages_seen_recorded"
LAST_SEEN_EVERY = 5 * 60
# Unix time of the sign-in, for the absolute session lifetime (cms.accounts.session_timeouts).
SIGNED_IN_AT = "class_pages_signed_in_at"

# First match wins: order matters (Edge and Opera say "Chrome", Chrome says "Safari").
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def describe_device(user_agent):
    """A short label such as "Chrome on Android" from a User-Agent header (no library:
    the label is a reminder for a person, not a fingerprint)."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if re.search(rf"\b{token}/", ua)), None)
    system = next((name for token, name in _SYSTEMS if token in ua), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def session_store(session_key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


class SignedInSessionQuerySet(models.QuerySet):
    def live_sessions(self):
        """Rows whose session still exists; rows of vanished sessions are removed."""
        rows = list(self.select_related("user").order_by("-last_seen_at", "-pk"))
        store = session_store(None)
        gone = [row.pk for row in rows if not store.exists(row.session_key)]
        if gone:
            SignedInSession.objects.filter(pk__in=gone).delete()
        return [row for row in rows if row.pk not in gone]

    def end_all(self, reason, by=None):
        """End every session in this queryset; returns how many rows there were."""
        ended = 0
        for row in self:
            row.end(reason, by=by)
            ended += 1
        return ended


class SignedInSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(max_length=60)
    user_agent = models.CharField(max_length=UA_MAX, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = SignedInSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self):
        return f"{self.device} ({self.user_id})"

    @classmethod
    def record(cls, request, user):
        """Remember the sign-in that just happened on this request."""
        session = getattr(request, "session", None)
        if session is None:
            return None
        if session.session_key is None:
            session.save()
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:UA_MAX]
        row, _ = cls.objects.update_or_create(
            session_key=session.session_key,
            defaults={
                "user": user,
                "device": describe_device(user_agent)[:60],
                "user_agent": user_agent,
                "ip": client_ip(request),
                "signed_in_at": timezone.now(),
                "last_seen_at": timezone.now(),
            },
        )
        return row

    def end(self, reason, by=None):
        """Delete the session from its engine (db, cache, cached_db...) and the row."""
        session_store(self.session_key).delete()
        self.delete()
        # Ids only: a session key in a log file would be a way into the account.
        security_log.warning(
            "session of user %s ended (%s) by user %s",
            self.user_id,
            reason,
            by.pk if by is not None else "-",
        )


def client_ip(request):
    """The client address by the sign-in defence's rule (django-axes, whose
    AXES_CLIENT_IP_CALLABLE takes nginx's X-Forwarded-For entry in production)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


# --- two-factor sign-in ---------------------------------------------------------------

# The gate's answer (class_pages.access.two_factor), computed once at sign-in (and again
# after a verification) and kept in the session, so requests of people who need no second
# factor cost no query.
NEEDS_TWO_FACTOR = "class_pages_needs_2fa"
