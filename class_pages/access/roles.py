"""Who is leader, office, teacher or carer where: one named query per role.

A role is membership of a group a page names: a school's `leaders_group` and
`office_group`, a class's `teachers_group`; a carer belongs to a school through the
register. Every question about a person's roles starts from `group_ids(user)`, which
asks the database once per user object, so once per request (Django loads request.user
afresh each time) however many role questions a page asks.

The one rule, for every function here:

* Superusers: roles are membership only. A superuser leads, keeps or teaches nothing
  they are not a member of; the powers a superuser has beyond that are granted by the
  callers that decide access (class_pages.access.pages, admin_scope), in the open.
* Inactive accounts hold no role: for an anonymous or inactive user every question is
  no (or an empty queryset), and the people a school's roles name (`leaders_of`,
  `staff_of`) are active accounts only, since they are who gets told and who can act.
* Pupils who left: a carer belongs to a school through an active link to a current
  pupil of it, one with no `left_on` (Pupil.objects.current()). An ended enrolment ends
  the sight of a class (class_pages.access.grants), not belonging to the school: a pupil
  between classes is still the school's.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from class_pages.models.pages import ClassPage, SchoolPage
from class_pages.models.register import CarerLink
from class_pages.tree import below, school_path


def group_ids(user):
    """The ids of the groups an active user is in (empty for anyone else), remembered on
    the user object so a request asks once."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    if not hasattr(user, "_class_pages_group_ids"):
        user._class_pages_group_ids = frozenset(user.groups.values_list("pk", flat=True))
    return user._class_pages_group_ids


def _active_members(groups):
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


# --- leaders ------------------------------------------------------------------------


def schools_led_by(user):
    """Schools whose leaders group the user is in."""
    return SchoolPage.objects.filter(leaders_group__in=group_ids(user))


def leads_school(user, school):
    return bool(school.leaders_group_id) and school.leaders_group_id in group_ids(user)


def leaders_of(school):
    """Active members of the school's leaders group (who leaders' e-mails go to); none
    for no school, or a school with no leaders group yet."""
    if school is None or school.leaders_group_id is None:
        return get_user_model().objects.none()
    return _active_members([school.leaders_group_id])


def leaders_anywhere():
    """Active members of any school's leaders group (whom the leaders' tools may admit)."""
    return _active_members(SchoolPage.objects.exclude(leaders_group=None).values("leaders_group"))


def classes_of(schools):
    """Every class of the given schools (a queryset or a list)."""
    within = Q(pk__in=[])
    for school in schools:
        within |= below(school)
    return ClassPage.objects.filter(within)


def classes_led_by(user):
    """Every class of the schools the user leads (not the classes they merely teach)."""
    return classes_of(schools_led_by(user))


# --- staff: leaders, office, teachers -----------------------------------------------


def schools_kept_by(user):
    """Schools whose register the user keeps or reads: their leaders and office."""
    groups = group_ids(user)
    return SchoolPage.objects.filter(Q(leaders_group__in=groups) | Q(office_group__in=groups))


def teachers_groups_of(school):
    """The teachers groups of the school's classes."""
    classes = ClassPage.objects.filter(below(school)).exclude(teachers_group=None)
    return Group.objects.filter(pk__in=classes.values("teachers_group"))


def is_school_staff(user, school):
    """A leader or office member of the school, or a teacher of one of its classes."""
    groups = group_ids(user)
    if not groups:
        return False
    if {school.leaders_group_id, school.office_group_id} & groups:
        return True
    return ClassPage.objects.filter(below(school), teachers_group__in=groups).exists()


def staff_of(school):
    """Active leaders and office members of the school and teachers of its classes."""
    named = [pk for pk in (school.leaders_group_id, school.office_group_id) if pk]
    return (
        get_user_model()
        .objects.filter(
            Q(groups__in=named) | Q(groups__in=teachers_groups_of(school)), is_active=True
        )
        .distinct()
    )


# --- teachers -----------------------------------------------------------------------


def is_class_teacher(user, class_page):
    return bool(class_page.teachers_group_id) and class_page.teachers_group_id in group_ids(user)


def classes_taught_by(user):
    return ClassPage.objects.filter(teachers_group__in=group_ids(user))


# --- carers and everyone ------------------------------------------------------------


def _links_to_current_pupils(user):
    return CarerLink.objects.active().filter(carer=user, pupil__left_on__isnull=True)


def is_school_carer(user, school):
    """The carer, by an active link, of a current pupil of the school."""
    if not (user.is_authenticated and user.is_active):
        return False
    return _links_to_current_pupils(user).filter(pupil__school=school).exists()


def schools_of(user):
    """Every school a person belongs to: as the carer (by an active link) of a current
    pupil of it, or as its staff."""
    if not (user.is_authenticated and user.is_active):
        return SchoolPage.objects.none()
    groups = group_ids(user)
    taught = classes_taught_by(user).values_list("path", flat=True) if groups else []
    return SchoolPage.objects.filter(
        Q(leaders_group__in=groups)
        | Q(office_group__in=groups)
        | Q(pk__in=_links_to_current_pupils(user).values("pupil__school"))
        | Q(path__in={school_path(path) for path in taught})
    )
