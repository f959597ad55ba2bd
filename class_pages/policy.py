"""Which agreements a person still has to accept: the live agreement of every school
they belong to (as a carer of a current pupil, or as staff), at its current version."""

from django.db.models import Q

from .access import _group_ids
from .models import CarerLink, ClassPage, PolicyAcceptance, PolicyPage, SchoolPage


def schools_of(user):
    """Schools a user belongs to: linked carer, or leader/office/teacher."""
    if not user.is_authenticated:
        return SchoolPage.objects.none()
    groups = _group_ids(user)
    as_carer = CarerLink.objects.active().filter(carer=user).values("pupil__school")
    # A class's school is the first two steps of its path: no query per class.
    taught = ClassPage.objects.filter(teachers_group__in=groups).values_list("path", flat=True)
    school_paths = {path[: 2 * SchoolPage.steplen] for path in taught}
    return SchoolPage.objects.filter(
        Q(leaders_group__in=groups)
        | Q(office_group__in=groups)
        | Q(pk__in=as_carer)
        | Q(path__in=school_paths)
    )


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
