"""Who may see which class page, story post and image: the one place that decides it.

Carers see a class through a django-guardian object permission (`view_classpage`) that
only `sync_carer_access()` grants or revokes, deriving it from active carer links and
current enrolments; `rebuild_all_access()` redoes it for everyone from the register.
Staff see what their school/class groups give them.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, Q
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from class_pages.caching.invalidation import class_access_changed
from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassPage,
    ClassPageUserObjectPermission,
    Enrolment,
    LiveImageUse,
    LiveMediaUse,
    SchoolPage,
    SchoolStoryIndexPage,
)

VIEW_CLASS = "class_pages.view_classpage"


# --- carers' grants, derived from the register -------------------------------------


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


# --- checks used when serving ----------------------------------------------------


def _group_ids(user):
    if not hasattr(user, "_class_pages_group_ids"):
        user._class_pages_group_ids = set(user.groups.values_list("pk", flat=True))
    return user._class_pages_group_ids


def is_school_leader(user, school):
    return bool(school.leaders_group_id) and school.leaders_group_id in _group_ids(user)


def is_class_teacher(user, class_page):
    return bool(class_page.teachers_group_id) and class_page.teachers_group_id in _group_ids(user)


def is_school_staff(user, school):
    staff_groups = {school.leaders_group_id, school.office_group_id} - {None}
    if staff_groups & _group_ids(user):
        return True
    return (
        ClassPage.objects.descendant_of(school).filter(teachers_group__in=_group_ids(user)).exists()
    )


def can_view_class(user, class_page):
    """Carer with the guardian grant, a teacher of the class, a leader of its school."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or is_class_teacher(user, class_page):
        return True
    if has_class_grant(user, class_page):
        return True
    school = SchoolPage.for_page(class_page)
    return school is not None and is_school_leader(user, school)


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


def can_view_school_story(user, school):
    """Any carer with an active link to a current pupil of the school, or its staff."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or is_school_staff(user, school):
        return True
    return (
        CarerLink.objects.active()
        .filter(carer=user, pupil__school=school, pupil__left_on__isnull=True)
        .exists()
    )


def visible_classes(user):
    """ClassPages this user may see on the site ("My classes")."""
    if not (user.is_authenticated and user.is_active):
        return ClassPage.objects.none()
    if user.is_superuser:
        return ClassPage.objects.all()
    groups = _group_ids(user)
    granted = (
        get_objects_for_user(
            user, VIEW_CLASS, klass=ClassPage, use_groups=False, with_superuser=False
        )
        .filter(pk__in=entitled_class_ids(user))
        .values("pk")
    )
    led_schools = SchoolPage.objects.filter(leaders_group__in=groups)
    qs = ClassPage.objects.filter(pk__in=granted) | ClassPage.objects.filter(
        teachers_group__in=groups
    )
    for school in led_schools:
        qs = qs | ClassPage.objects.descendant_of(school)
    return qs.distinct()


def guarding_page(page):
    """The page whose rule guards this one: the ClassPage at or above it, the school's
    SchoolStoryIndexPage at or above it, or None for public pages."""
    if isinstance(page, ClassPage | SchoolStoryIndexPage):
        return page
    steplen = ClassPage.steplen
    if page.depth >= 4:
        class_page = ClassPage.objects.filter(path=page.path[: 4 * steplen]).first()
        if class_page is not None:
            return class_page
    if page.depth >= 3:
        story_index = SchoolStoryIndexPage.objects.filter(path=page.path[: 3 * steplen]).first()
        if story_index is not None:
            return story_index
    return None


def can_view_page(user, guard):
    """Apply the rule of a guarding page (see guarding_page)."""
    if isinstance(guard, ClassPage):
        return can_view_class(user, guard)
    school = SchoolPage.for_page(guard)
    return school is not None and can_view_school_story(user, school)


def can_view_image_as_carer(user, image):
    """A carer may fetch an image only if a live post on a page they may see shows it,
    and that post may use it (its class's own media: class_pages.media.post_media)."""
    return _shown_to(user, LiveImageUse.objects.filter(image=image), image)


def can_view_media_as_carer(user, media):
    """The same rule for a video or audio recording."""
    return _shown_to(user, LiveMediaUse.objects.filter(media=media), media)


def _shown_to(user, uses, medium):
    from class_pages.media.post_media import may_use

    for use in uses.filter(post__live=True).select_related("post"):
        guard = guarding_page(use.post)
        if (
            guard is not None
            and guard.live
            and may_use(guard, medium)
            and can_view_page(user, guard)
        ):
            return True
    return False


# --- staff scopes in the admin ---------------------------------------------------


def register_schools(user):
    """Schools whose register this user keeps or reads (office or leaders)."""
    if user.is_superuser:
        return SchoolPage.objects.all()
    groups = _group_ids(user)
    return SchoolPage.objects.filter(
        Q(leaders_group__in=groups) | Q(office_group__in=groups)
    ).distinct()


def register_classes(user):
    """Class pages of the schools whose register this user keeps or reads, by title."""
    classes = ClassPage.objects.none()
    for school in register_schools(user):
        classes = classes | ClassPage.objects.descendant_of(school)
    return classes.order_by("title")


def taggable_pupils(user):
    """Current pupils a member of staff may tag on an image: those enrolled in classes
    they teach, and every pupil of schools they lead."""
    from class_pages.models import Pupil

    if user is None:
        return Pupil.objects.none()
    if user.is_superuser:
        return Pupil.objects.current()
    groups = _group_ids(user)
    taught = Enrolment.objects.current().filter(class_page__teachers_group__in=groups)
    return (
        Pupil.objects.current()
        .filter(Q(pk__in=taught.values("pupil")) | Q(school__leaders_group__in=groups))
        .distinct()
    )
