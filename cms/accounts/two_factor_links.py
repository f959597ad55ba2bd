"""Set-up links for two-factor sign-in: asked for in a signed-in session, minted and
e-mailed to the account's own address by a background task, opened in that same session,
spent once.

Why: with the password alone, whoever first had it (a phished or shared password, a
colleague at a shared computer) could put the account's second factor on their own phone,
and the owner would then be the one locked out. So an authenticator app is set up only in
a signed-in session that has opened a link sent to the account's e-mail address. The lost
phone road stays the leaders' reset (workflows.leaders.sessions), after which the person asks
for a new link.

A link carries a signed, timestamped token (django.core.signing, SECRET_KEY) naming the
account, a digest of its state (password hash, e-mail address, active flag) and a random
nonce whose hash the asking session keeps. It works only in that session (so only for
someone who has both the password and the mailbox), once (opening it forgets the nonce;
asking again replaces it), for CLASSPAGES_TWO_FACTOR_LINK_SECONDS, and not after a new
password or e-mail address. A leader's reset ends every session, and the nonces with them.
Nothing usable is stored: the session has the nonce's hash, the e-mail has the link."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks import task

SALT = "cms.accounts.two_factor_links"
# The query parameter of the link (a query, not a path: the nginx log keeps no queries).
LINK_PARAMETER = "set-up"
# Session keys: the hash of the nonce of the link it asked for; when it asked; the pending
# device it may confirm once it has opened the link.
ASKED_NONCE = "cms_2fa_link_nonce"
LAST_ASKED = "cms_2fa_link_asked_at"
GRANTED_DEVICE = "cms_2fa_set_up_device"
# A session asks for at most one e-mail a minute (each sign-in is a new session, and
# sign-ins are limited by the lockout).
ASK_AGAIN_SECONDS = 60
MAX_TOKEN_LENGTH = 300


def lifetime():
    return settings.CLASSPAGES_TWO_FACTOR_LINK_SECONDS


def _state(user):
    email = (user.email or "").casefold()
    return salted_hmac(SALT, f"{user.pk}|{user.password}|{email}|{user.is_active}").hexdigest()


def _nonce_hash(nonce):
    return salted_hmac(SALT, f"nonce|{nonce}").hexdigest()


def make_token(user, nonce):
    return signing.dumps({"u": user.pk, "s": _state(user), "n": nonce}, salt=SALT)


def link_for(user, nonce, base):
    """`base` is the absolute URL of the two-factor page on the site the person uses."""
    return f"{base}?{urlencode({LINK_PARAMETER: make_token(user, nonce)})}"


def spend(request, token):
    """Open a link in this signed-in session. True if it is the current link this session
    asked for, for this account, which it then spends: this session (and no other) may set
    up an app, on a new pending device. False for anything else (forged, expired, spent,
    asked for elsewhere, another account's)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    try:
        data = signing.loads(token, salt=SALT, max_age=lifetime())
    except signing.BadSignature:  # SignatureExpired included
        return False
    asked = request.session.get(ASKED_NONCE)
    if not isinstance(data, dict) or data.get("u") != request.user.pk or not asked:
        return False
    if not constant_time_compare(_nonce_hash(str(data.get("n", ""))), asked):
        return False
    # Spent whatever happens next: one try per link.
    request.session.pop(ASKED_NONCE, None)
    with transaction.atomic():
        # Read afresh, not from the signed-in person's cached copy.
        user = get_user_model()._default_manager.filter(pk=data["u"]).first()
        if user is None or not constant_time_compare(str(data.get("s", "")), _state(user)):
            return False
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    request.session[GRANTED_DEVICE] = device.pk
    return True


def granted_device(request):
    """The pending device this session may confirm (it opened a link), or None."""
    pk = request.session.get(GRANTED_DEVICE)
    if pk is None:
        return None
    opened_since = timezone.now() - timedelta(seconds=lifetime())
    return TOTPDevice.objects.filter(
        pk=pk, user=request.user, confirmed=False, created_at__gte=opened_since
    ).first()


def forget_grant(request):
    request.session.pop(GRANTED_DEVICE, None)


def ask_for_link(request, page_url):
    """Queue the e-mail with a link for the signed-in person, to be opened in this session;
    False if this session asked less than a minute ago. The task mints the token from a
    nonce this session keeps only the hash of: no request or queue holds a usable link."""
    now = timezone.now().timestamp()
    last = request.session.get(LAST_ASKED)
    if last is not None and now - last < ASK_AGAIN_SECONDS:
        return False
    nonce = get_random_string(32)
    request.session[ASKED_NONCE] = _nonce_hash(nonce)
    request.session[LAST_ASKED] = now
    send_set_up_link_task.enqueue(user_id=request.user.pk, nonce=nonce, page_url=page_url)
    return True


@task()
def send_set_up_link_task(user_id, nonce, page_url):
    """E-mail a set-up link to the account's own address (1), or nothing (0) when the
    account is gone, disabled or has no address."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    body = render_to_string(
        "cms/two_factor_link_email.txt",
        {"user": user, "link": link_for(user, nonce, page_url), "minutes": lifetime() // 60},
    )
    subject, _, text = body.strip().partition("\n")
    return send_mail(subject.strip(), text.strip(), None, [user.email])


def masked_address(email):
    """The address the link goes to, as shown on the page: enough to recognise it."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return ""
    return f"{local[:1]}…@{domain}"
