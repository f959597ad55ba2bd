"""Settings of signing in, read by base.py: two-factor sign-in for staff, the sign-in
defence (django-axes: one lockout for every way in) and the queued password reset. Kept
apart because they are one subject, and base.py is long enough without them."""

from datetime import timedelta

# Two-factor sign-in
# Staff who approve posts, keep the register or export data prove a second factor (TOTP
# app, or a one-time backup code) once per session; carers may opt in. Safe by default:
# dev.py (the demo) and test.py switch it off, production.py keeps it on.
CLASSPAGES_STAFF_2FA_REQUIRED = True
OTP_TOTP_ISSUER = "Class pages"
# An app is set up only from a link e-mailed to the account's own address, not with the
# password alone (cms.accounts.two_factor_links); the link works once, for this long (seconds).
CLASSPAGES_TWO_FACTOR_LINK_SECONDS = 3600

# Sign-in defence (django-axes)
# One lockout for every way in: /sign-in/, the Wagtail admin login and invitation links
# (a link that opens nothing counts as a failed sign-in: cms.accounts.sign_in). Failures are kept in
# the database (shared by every worker, visible as AccessAttempt rows).
AXES_HANDLER = (
    "cms.accounts.sign_in.SignInAttemptHandler"  # axes' database handler, see its docstring
)
# Locked out: a person (username or e-mail, any spelling) from one address after 5
# failures, and an address after 30 failures whatever the logins (someone trying many
# accounts).
# Not by username alone: anyone could then lock any carer or teacher out from anywhere.
# The address bar is higher because families share addresses (home broadband, the
# school's own Wi-Fi at pick-up, mobile networks). axes has one limit for all parameters;
# cms.accounts.sign_in.SignInAttemptHandler scales the address count to reach it at 30.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
CLASSPAGES_SIGN_IN_ADDRESS_FAILURE_LIMIT = 30
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Attempts while locked out are refused but do not restart the wait, so the lockout page
# can say when to try again and be right.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # that login's count from that address only (cms.accounts.sign_in)
# Sign-ins are in the security log; no second, never-pruned table of addresses per sign-in.
AXES_DISABLE_ACCESS_LOG = True
# Counted per person, whatever they type (username, e-mail, case, spaces, NFKC forms).
AXES_USERNAME_CALLABLE = "cms.accounts.sign_in.lockout_username"
AXES_LOCKOUT_CALLABLE = "cms.accounts.views.locked_out"  # HTTP 429, the same for any username
# The client address is REMOTE_ADDR (axes' rule without django-ipware, which is not
# installed): right for `make run`, where the browser talks to Django directly.
# production.py takes it from nginx's X-Forwarded-For instead (AXES_CLIENT_IP_CALLABLE).
# Password reset e-mails go out from a background task (cms.accounts.password_reset): no slower
# when the address has an account. The Wagtail admin's reset form does the same.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "cms.accounts.password_reset.QueuedWagtailPasswordResetForm"  # noqa: S105
