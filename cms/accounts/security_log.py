"""The security log ("class_pages.security"): sign-ins, failed sign-ins, lockouts,
sign-outs and invitation-link failures (receivers of Django's and axes' signals, connected
when the cms app starts: cms.apps), and who and from where for any record made with
extra={"request": request} (RequestContextFilter, so class_pages can log a refusal in one
line without knowing how the client address is found).

Each record starts with an event name and ends "user=<id or anonymous> ip=<address>".
Never logged: passwords, what was typed as a username (it may be an e-mail address or a
mistyped password), tokens, session keys, e-mail bodies, children's names."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cms.accounts.sign_in import INVITATION_CREDENTIAL, client_ip

security_log = logging.getLogger("class_pages.security")


def user_ref(user):
    return str(user.pk) if user is not None and user.is_authenticated else "anonymous"


class RequestContextFilter(logging.Filter):
    """Adds " user=… ip=…" (and record.user_id, record.ip) to a record that carries the
    request; `security_user` in extra names the user when request.user is not them yet."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is None or hasattr(record, "ip"):
            return True
        user = getattr(record, "security_user", None) or getattr(request, "user", None)
        record.user_id = user_ref(user)
        record.ip = client_ip(request) or "unknown"
        if isinstance(record.args, tuple):
            record.msg = f"{record.msg} user=%s ip=%s"
            record.args = (*record.args, record.user_id, record.ip)
        elif not record.args:
            record.msg = str(record.msg).replace("%", "%%") + " user=%s ip=%s"
            record.args = (record.user_id, record.ip)
        return True


security_log.addFilter(RequestContextFilter())


def log_event(event, request, user=None, level=logging.INFO):
    extra = {"request": request, "event": event}
    if user is not None:
        extra["security_user"] = user
    security_log.log(level, event, extra=extra)


def _is_invitation(credentials):
    return (credentials or {}).get("username") == INVITATION_CREDENTIAL


@receiver(user_logged_in, dispatch_uid="cms.accounts.security_log.signed_in")
def signed_in(sender, request, user, **kwargs):
    log_event("sign_in", request, user)


@receiver(user_login_failed, dispatch_uid="cms.accounts.security_log.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        security_log.warning("sign_in_failed (no request) user=anonymous ip=unknown")
        return
    # An attempt refused because of a lockout already in force is logged as such by
    # locked_out below (axes records no failure for it).
    if getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    ):
        return
    event = "invitation_failed" if _is_invitation(credentials) else "sign_in_failed"
    log_event(event, request, level=logging.WARNING)


@receiver(user_locked_out, dispatch_uid="cms.accounts.security_log.locked_out")
def locked_out(sender, request, username=None, ip_address=None, **kwargs):
    invitation = username == INVITATION_CREDENTIAL or _is_invitation(
        getattr(request, "axes_credentials", None)
    )
    what = "invitation" if invitation else "sign_in"
    # axes counts failures only up to the lockout; later attempts arrive here with none.
    started = getattr(request, "axes_failures_since_start", None) is not None
    event = f"{what}_locked_out" if started else f"{what}_refused_locked_out"
    log_event(event, request, level=logging.WARNING)


@receiver(user_logged_out, dispatch_uid="cms.accounts.security_log.signed_out")
def signed_out(sender, request, user, **kwargs):
    log_event("sign_out", request, user)
