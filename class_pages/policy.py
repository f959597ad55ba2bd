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
    staff = SchoolPage.objects.filter(Q(leaders_group__in=groups) | Q(office_group__in=groups))
    taught = ClassPage.objects.filter(teachers_group__in=groups)
    ids = set(staff.values_list("pk", flat=True)) | set(
        SchoolPage.objects.filter(pk__in=as_carer).values_list("pk", flat=True)
    )
    for class_page in taught:
        school = SchoolPage.for_page(class_page)
        if school:
            ids.add(school.pk)
    return SchoolPage.objects.filter(pk__in=ids)


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
