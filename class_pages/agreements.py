"""Which agreements a person still has to accept: the live agreement of every school
they belong to (as a carer of a current pupil, or as staff), at its current version."""

import time

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from class_pages.access.roles import schools_of
from class_pages.caching.tokens import bump, versions
from class_pages.models import PolicyAcceptance, PolicyPage, SchoolPage


def agreements_for(schools):
    """The live agreement of each of the given schools."""
    agreements = PolicyPage.objects.live()
    wanted = Q(pk__in=[])
    for school in schools:
        wanted |= Q(path__startswith=school.path, depth=school.depth + 1)
    return agreements.filter(wanted).order_by("path")


def pending_agreements(user):
    """Live agreements (current version) the user has not accepted yet."""
    if not user.is_authenticated or user.is_superuser:
        return []
    agreements = list(agreements_for(schools_of(user)))
    if not agreements:
        return []
    accepted = set(
        PolicyAcceptance.objects.filter(user=user, policy__in=agreements).values_list(
            "policy_id", "version"
        )
    )
    return [policy for policy in agreements if (policy.pk, policy.version) not in accepted]


def accept(user, agreements):
    for policy in agreements:
        PolicyAcceptance.objects.get_or_create(user=user, policy=policy, version=policy.version)


# --- the gate's memory ---------------------------------------------------------------
# Checking agreements costs queries on every request. A person who has nothing pending is
# remembered in their session against a token that changes whenever an agreement or a
# membership changes (any school: the token is shared), and for ten minutes at most.
AGREEMENTS_SCOPE = "agreements"
SETTLED_KEY = "class_pages_agreements_settled"
RECHECK_SECONDS = 600


def must_accept_agreement(request):
    """True if the signed-in user has an agreement to accept before anything else."""
    user = request.user
    (token,) = versions(AGREEMENTS_SCOPE)
    now = int(time.time())
    settled = request.session.get(SETTLED_KEY)
    if settled and settled[:2] == [token, user.pk] and now - settled[2] < RECHECK_SECONDS:
        return False
    if pending_agreements(user):
        request.session.pop(SETTLED_KEY, None)
        return True
    request.session[SETTLED_KEY] = [token, user.pk, now]
    return False


def memberships_changed(sender, **kwargs):
    bump(AGREEMENTS_SCOPE)


def connect():
    """Whatever changes which agreements someone must accept forgets every settled gate."""
    from class_pages.models import CarerLink, ClassPage, Pupil

    for model in (PolicyPage, CarerLink, Pupil, SchoolPage, ClassPage):
        uid = f"cp_agreements_{model._meta.model_name}"
        post_save.connect(memberships_changed, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(memberships_changed, sender=model, dispatch_uid=f"{uid}_deleted")
    m2m_changed.connect(
        memberships_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="cp_agreements_groups",
    )
