"""Who must prove a second factor at each sign-in: the one rule the two-factor gate
(cms.accounts.two_factor) follows, computed at sign-in and kept in the session
(class_pages.models.accounts.NEEDS_TWO_FACTOR).

Anyone who enrolled an authenticator app; and, when CLASSPAGES_STAFF_2FA_REQUIRED is on,
the staff roles that can approve posts, keep the register or export data.
"""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import GroupApprovalTask

from class_pages.access.roles import group_ids, schools_kept_by

REGISTER_PERMISSIONS = tuple(
    f"class_pages.{action}_{model}"
    for model in ("pupil", "enrolment", "carerlink")
    for action in ("add", "change", "delete")
)


def needs_two_factor(user):
    """Must this person prove a second factor at each sign-in? The one rule the gate
    (cms.accounts.two_factor) follows.

    Yes for anyone who enrolled an authenticator app (carers opt in on their account
    page), and for the staff roles of role_requires_two_factor()."""
    if not (user.is_authenticated and user.is_active):
        return False
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return True
    return role_requires_two_factor(user)


def role_requires_two_factor(user):
    """When CLASSPAGES_STAFF_2FA_REQUIRED is on: staff who can approve posts (a school's
    leaders, any group of an approval task), keep the register (office staff, anyone
    holding register permissions) or export data (leaders, superusers). Such a person
    cannot turn two-factor sign-in off."""
    if not (settings.CLASSPAGES_STAFF_2FA_REQUIRED and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if schools_kept_by(user).exists():
        return True
    if GroupApprovalTask.objects.filter(active=True, groups__in=group_ids(user)).exists():
        return True
    return any(user.has_perm(permission) for permission in REGISTER_PERMISSIONS)
