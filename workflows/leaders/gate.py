"""The leaders' gate: who may use a leaders' tool, and the one way every tool refuses
anyone else.

The leaders' tools are for the leaders of a school (class_pages.access.roles) and for
superusers, who use them for every school: that power beyond their own memberships is
granted here, in the open, as roles asks of its callers. The trust overview has its own
audience, the "Trust oversight" group (and superusers); it passes the same kind of gate
with that rule. Whoever a gate does not admit gets Wagtail's usual denial (back to the
admin home with a permission message), whatever the tool, the URL or the method; the
tool's menu item is shown only to whom its gate admits (leaders.menu)."""

from functools import wraps

from wagtail.admin.auth import permission_denied

from class_pages.access.roles import schools_led_by
from class_pages.models import SchoolPage

TRUST_GROUP = "Trust oversight"


def _active(user):
    return user.is_authenticated and user.is_active


def led_schools(user):
    """The schools whose leaders' tools the user may use: those they lead; every school
    for a superuser; none for anyone inactive or anonymous."""
    if not _active(user):
        return SchoolPage.objects.none()
    if user.is_superuser:
        return SchoolPage.objects.all()
    return schools_led_by(user)


def is_leader(user):
    """Leads at least one school (or is a superuser); remembered on the user for the
    request, since the menu, the homepage panel and the view all ask."""
    if not _active(user):
        return False
    if not hasattr(user, "_oversight_is_leader"):
        user._oversight_is_leader = user.is_superuser or schools_led_by(user).exists()
    return user._oversight_is_leader


def is_trust_viewer(user):
    return _active(user) and (user.is_superuser or user.groups.filter(name=TRUST_GROUP).exists())


class Gate:
    """Admits whom `admits(user)` says yes to. Used as a decorator it wraps a view so
    that anyone else gets Wagtail's permission denial and the view never runs."""

    def __init__(self, admits):
        self.admits = admits

    def __call__(self, view):
        @wraps(view)
        def gated(request, *args, **kwargs):
            if not self.admits(request.user):
                return permission_denied(request)
            return view(request, *args, **kwargs)

        return gated


LEADERS = Gate(is_leader)
TRUST_VIEWERS = Gate(is_trust_viewer)
