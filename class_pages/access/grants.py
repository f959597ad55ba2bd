"""Carers' class grants: the django-guardian `view_classpage` object permission, derived
from the register and nothing else.

`sync_carer_access()` is the only code that grants or revokes it, making a carer's grants
equal what `entitled_class_ids()` says (active carer links to pupils with a current
enrolment) and logging each change as an AccessChange; `rebuild_all_access()` redoes it
for everyone. `has_class_grant()` is what serving asks: the grant, still backed by the
register today.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists
from guardian.shortcuts import assign_perm, remove_perm

from class_pages.caching.invalidation import class_access_changed
from class_pages.models.pages import ClassPage
from class_pages.models.permissions import AccessChange, ClassPageUserObjectPermission
from class_pages.models.register import CarerLink, Enrolment

VIEW_CLASS = "class_pages.view_classpage"


def entitled_class_ids(carer):
    """Classes the register entitles this carer to see right now."""
    if not carer.is_active:
        return set()
    pupils = CarerLink.objects.active().filter(carer=carer).values("pupil")
    return set(
        Enrolment.objects.current().filter(pupil__in=pupils).values_list("class_page_id", flat=True)
    )


def granted_class_ids(carer):
    return set(
        ClassPageUserObjectPermission.objects.filter(
            user=carer, permission__codename="view_classpage"
        ).values_list("content_object_id", flat=True)
    )


@transaction.atomic
def sync_carer_access(carer, reason="register changed"):
    """Make the carer's grants equal what the register entitles them to. Returns the
    (granted, revoked) sets of class page ids."""
    wanted, held = entitled_class_ids(carer), granted_class_ids(carer)
    to_grant, to_revoke = wanted - held, held - wanted
    if to_grant:
        assign_perm(VIEW_CLASS, carer, ClassPage.objects.filter(pk__in=to_grant))
    if to_revoke:
        remove_perm(VIEW_CLASS, carer, ClassPage.objects.filter(pk__in=to_revoke))
    AccessChange.objects.bulk_create(
        [
            AccessChange(carer=carer, class_page_id=pk, change=change, reason=reason)
            for ids, change in (
                (to_grant, AccessChange.Change.GRANTED),
                (to_revoke, AccessChange.Change.REVOKED),
            )
            for pk in sorted(ids)
        ]
    )
    if to_grant or to_revoke:
        class_access_changed(carer.pk, to_grant | to_revoke)
    return to_grant, to_revoke


def carers_of_pupils(pupils):
    return get_user_model().objects.filter(carer_links__pupil__in=pupils).distinct()


def sync_carers_of_pupils(pupils, reason):
    for carer in carers_of_pupils(pupils):
        sync_carer_access(carer, reason=reason)


def rebuild_all_access(reason="rebuilt from the register"):
    """Re-derive every carer's grants from the register; returns (granted, revoked)
    counts. Users who hold grants but are no longer carers lose them too."""
    users = get_user_model().objects.filter(
        pk__in=CarerLink.objects.values("carer")
    ) | get_user_model().objects.filter(pk__in=ClassPageUserObjectPermission.objects.values("user"))
    granted = revoked = 0
    for user in users.distinct():
        added, removed = sync_carer_access(user, reason=reason)
        granted, revoked = granted + len(added), revoked + len(removed)
    return granted, revoked


def has_class_grant(user, class_page):
    """The carer's guardian grant on this class, still backed by the register today (an
    active link to a pupil whose enrolment has not ended, by date too), in one query.
    Grants are re-derived when the register changes, but nothing changes when an end date
    simply passes: the register is asked again here. Carers hold direct user grants only
    (sync_carer_access); group object grants are never made."""
    enrolled_child = Enrolment.objects.current().filter(
        class_page=class_page,
        pupil__carer_links__carer=user,
        pupil__carer_links__status=CarerLink.Status.ACTIVE,
    )
    return (
        ClassPageUserObjectPermission.objects.filter(
            user=user, content_object=class_page, permission__codename=VIEW_CLASS.split(".")[1]
        )
        .filter(Exists(enrolled_child))
        .exists()
    )
