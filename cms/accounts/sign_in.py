"""Sign-in: by username or e-mail address (one login per person, whatever they type), and
the sign-in defence around it (django-axes): how attempts are counted and reset, the
client address behind the proxy, invitation-link guesses counted as failed
sign-ins. Password reset is in cms.accounts.password_reset.

Every answer an outsider can observe (message, status, password-hashing work, e-mails
sent inside the request) is the same for known and unknown accounts."""

import ipaddress
import unicodedata

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_ip_address,
    get_cool_off,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

# The "username" a failed invitation-link guess is recorded under. It cannot be a real
# username (Django allows only letters, digits and @.+-_), so guesses count towards the
# address's lockout without ever locking a real account.
INVITATION_CREDENTIAL = "<invitation link>"
# How long a copy of a signed-in person's account row may serve requests (seconds).
USER_CACHE_SECONDS = 300


def normalised_login(typed):
    """What was typed as a login, as sign-in reads it: Unicode compatibility forms folded
    (NFKC, as Django's own username field does: a full-width "ｏａｋ" is "oak") and the
    surrounding spaces dropped."""
    return unicodedata.normalize("NFKC", str(typed)).strip()


def find_account(typed):
    """The one account a typed login names, or None: the username exactly, else an e-mail
    address (any case) that belongs to exactly one account. Sign-in and the lockout count
    both use it, so the count is kept for the account that would have been signed in.

    Known and unknown logins cost the same queries: one for a login without "@", two for
    one with it (whether or not anything matches)."""
    login = normalised_login(typed)
    if not login:
        return None
    users = get_user_model()._default_manager
    user = users.filter(username=login).first()
    if user is None and "@" in login:
        # An address shared by two accounts signs in neither: it must not pick one.
        matches = list(users.filter(email__iexact=login)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_account(username)
        if user is None:
            # Hash once, as a real check does, so the time taken tells nothing.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in person of every request, from the cache while the copy there was
        made under the person's current token (class_pages.caching.tokens: bumped whenever the
        account is saved: password, disabled, renamed; or its links and groups change).
        The token is read before the database, so a change meanwhile is never cached as
        current. A disabled account is refused as ModelBackend refuses it."""
        from class_pages.caching.tokens import AGREEMENTS_SCOPE, user_scope, versions_and

        key = f"class-pages:user:{user_id}"
        # One round trip to the cache: the person's token, the copy of their account, and
        # the agreement gate's token, which the same request asks for next.
        (token, _), found = versions_and([user_scope(user_id), AGREEMENTS_SCOPE], [key])
        remembered = found.get(key)
        if remembered is not None and remembered[0] == token:
            user = remembered[1]
        else:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, (token, user), timeout=USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


class TestClientLockoutBackend(AxesStandaloneBackend):
    """settings/test.py only, in place of axes' backend: Django's test client login()
    authenticates without a request, which axes refuses with an error. Here it gets a
    stand-in request from 127.0.0.1, so client.login() works and a lockout still holds."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
        return super().authenticate(request, username, password, **kwargs)


# --- who is counted -------------------------------------------------------------------


def _folded(text):
    """One spelling of a text for counting: NFKC, case-folded (and NFKC again, since case
    folding can produce characters NFKC would fold), without surrounding spaces."""
    return unicodedata.normalize("NFKC", normalised_login(text).casefold())[:255]


def lockout_username(request, credentials):
    """AXES_USERNAME_CALLABLE: whose count an attempt goes to. One count per person
    whatever they type: the account the login names (find_account(), the rule sign-in
    itself follows) is counted under its folded username, so its username, its e-mail
    address, another case or spacing, or a compatibility form all share one count. A login
    that names no account is counted under its folded text, so its spellings share one
    count too. Known and unknown logins cost the same queries (find_account), and the
    answer for a request is kept on it: axes asks several times per attempt."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if value is None:
        return None
    if value == INVITATION_CREDENTIAL:
        return value  # not a login: no lookup
    memo = getattr(request, "_classpages_lockout_keys", None) if request is not None else None
    if memo is None:
        memo = {}
        if request is not None:
            request._classpages_lockout_keys = memo
    value = str(value)
    if value not in memo:
        account = find_account(value)
        memo[value] = _folded(account.get_username() if account else value)
    return memo[value]


def forwarded_client_ip(request):
    """AXES_CLIENT_IP_CALLABLE in production: behind nginx (which appends the address it
    saw to X-Forwarded-For), the client is the right-most entry; anything to its left
    came from the client and is never trusted. Falls back to REMOTE_ADDR."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.rsplit(",", 1)[-1].strip() if forwarded else ""
    for value in (candidate, request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return None


def client_ip(request):
    """The client address as the sign-in defence sees it (one rule for lockouts and logs)."""
    return get_client_ip_address(request)


# --- how attempts are counted ---------------------------------------------------------


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with two changes (AXES_HANDLER):

    * A per-address bar higher than the per-person one. axes has one failure limit for
      every lockout parameter; here failures counted by address alone are scaled so that
      CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT of them reach AXES_FAILURE_LIMIT.
    * A successful sign-in clears only that person's count from that address, never the
      address's count: otherwise an attacker with one real account could sign in to it
      every few guesses and spray other people's usernames for ever.

    It also keeps none of the request's form or query data with an attempt."""

    def _counts(self, request, credentials):
        limit = get_failure_limit(request, credentials)
        per_address = getattr(settings, "CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT", limit)
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == "ip_address":
                failures = failures * limit // per_address
            yield failures, limit, attempts

    def get_failures(self, request, credentials=None):
        return max((failures for failures, _, _ in self._counts(request, credentials)), default=0)

    def lockout_ends_at(self, request, credentials=None):
        """When the lockout now in force ends (latest of the counts that reached the limit;
        attempts during a lockout are not recorded, so this does not move)."""
        ends = [
            attempts.aggregate(last=Max("attempt_time"))["last"]
            for failures, limit, attempts in self._counts(request, credentials)
            if failures >= limit
        ]
        ends = [last for last in ends if last is not None]
        return (max(ends) if ends else timezone.now()) + get_cool_off(request)

    def reset_user_attempts(self, request, credentials=None):
        # The person's one count (whatever they typed: lockout_username) from this address.
        name = lockout_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, username=name
        ).delete()
        return count

    def post_save_access_attempt(self, instance, **kwargs):
        # axes keeps the query and form data of each failure (masking only the password
        # and username); a form may carry names, a second password or a CSRF token.
        type(instance).objects.filter(pk=instance.pk).update(get_data="", post_data="")


def lockout_ends_at(request, credentials=None):
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    if isinstance(handler, SignInAttemptHandler):
        return handler.lockout_ends_at(request, credentials)
    return timezone.now() + get_cool_off(request)


# --- invitation links -----------------------------------------------------------------

INVITATION_PATH = "/invitations/.../"


def _invitation_request(request):
    """Ready `request` for axes without the link itself: a guessed or spent token must
    not end up in axes' records or its log lines."""
    AxesProxyHandler.update_request(request)
    request.axes_path_info = INVITATION_PATH
    return {"username": INVITATION_CREDENTIAL}


def invitation_attempt_allowed(request):
    """False while this address is locked out (of invitations or of everything)."""
    return AxesProxyHandler.is_allowed(request, _invitation_request(request))


def record_invitation_failure(request):
    """A link that opens no invitation counts as a failed sign-in from this address."""
    user_login_failed.send(
        sender=__name__, credentials=_invitation_request(request), request=request
    )
