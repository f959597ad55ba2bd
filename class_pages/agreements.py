"""Which agreements a person still has to accept: the live agreement of every school
they belong to (as a carer of a current pupil, or as staff), at its current version."""

import time

from django.db.models import Q

from class_pages.access.roles import schools_of
from class_pages.caching.tokens import AGREEMENTS_SCOPE, versions
from class_pages.models import PolicyAcceptance, PolicyPage
from class_pages.tree import children_of


def agreements_for(schools):
    """The live agreement of each of the given schools."""
    agreements = PolicyPage.objects.live()
    wanted = Q(pk__in=[])
    for school in schools:
        wanted |= children_of(school)
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
# membership changes (any school: the token is shared; class_pages.caching.invalidation
# says what bumps it), and for ten minutes at most.
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
