"""class_pages.access.roles against the copies it replaced (issue 15): every role query,
old and new, for every person of a world with superusers, inactive accounts, leavers
and two schools.

Each old copy is kept here verbatim as an oracle, named after where it lived. Where the
new rule differs on purpose (roles.py's docstring: superusers by membership only,
inactive accounts hold no role, a carer belongs to a school through a current pupil),
the test states the difference as the expected answer and a second test proves the world
really contains the case, so the adjustment is never vacuous."""

import datetime
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from class_pages.access import (
    register_classes,
    register_schools,
    roles,
    taggable_pupils,
    visible_classes,
)
from class_pages.access.grants import VIEW_CLASS, entitled_class_ids
from class_pages.factories import CarerLinkFactory, PupilFactory, UserFactory, enrol
from class_pages.models import CarerLink, ClassPage, Enrolment, Pupil, SchoolPage

# --- the old copies, verbatim (only the memo's attribute is renamed, so the oracle's
# memo and the new one can never answer for each other) --------------------------------


def old_group_ids(user):  # class_pages/access.py _group_ids, before issue 15
    if not hasattr(user, "_oracle_group_ids"):
        user._oracle_group_ids = set(user.groups.values_list("pk", flat=True))
    return user._oracle_group_ids


def old_is_school_leader(user, school):  # class_pages/access.py, before issue 15
    return bool(school.leaders_group_id) and school.leaders_group_id in old_group_ids(user)


def old_is_class_teacher(user, class_page):  # class_pages/access.py, before issue 15
    return bool(class_page.teachers_group_id) and class_page.teachers_group_id in old_group_ids(
        user
    )


def old_is_school_staff(user, school):  # class_pages/access.py, before issue 15
    staff_groups = {school.leaders_group_id, school.office_group_id} - {None}
    if staff_groups & old_group_ids(user):
        return True
    return (
        ClassPage.objects.descendant_of(school)
        .filter(teachers_group__in=old_group_ids(user))
        .exists()
    )


def old_register_schools(user):  # class_pages/access.py register_schools, before issue 15
    if user.is_superuser:
        return SchoolPage.objects.all()
    groups = old_group_ids(user)
    return SchoolPage.objects.filter(
        Q(leaders_group__in=groups) | Q(office_group__in=groups)
    ).distinct()


def old_visible_classes_roles(user):  # the role queries of access.visible_classes, before 15
    if not (user.is_authenticated and user.is_active):
        return SchoolPage.objects.none(), ClassPage.objects.none()
    groups = old_group_ids(user)
    led_schools = SchoolPage.objects.filter(leaders_group__in=groups)
    return led_schools, ClassPage.objects.filter(teachers_group__in=groups)


def old_school_story_as_carer(user, school):  # carer part of access.can_view_school_story
    return (
        CarerLink.objects.active()
        .filter(carer=user, pupil__school=school, pupil__left_on__isnull=True)
        .exists()
    )


def old_schools_of(user):  # class_pages/policy.py (later agreements.py), before issue 15
    if not user.is_authenticated:
        return SchoolPage.objects.none()
    groups = old_group_ids(user)
    as_carer = CarerLink.objects.active().filter(carer=user).values("pupil__school")
    taught = ClassPage.objects.filter(teachers_group__in=groups).values_list("path", flat=True)
    school_paths = {path[: 2 * SchoolPage.steplen] for path in taught}
    return SchoolPage.objects.filter(
        Q(leaders_group__in=groups)
        | Q(office_group__in=groups)
        | Q(pk__in=as_carer)
        | Q(path__in=school_paths)
    )


def old_two_factor_staff(user):  # class_pages/models/accounts.py role_requires_two_factor
    groups = Group.objects.filter(user=user).values("pk")
    staff = models.Q(leaders_group__in=groups) | models.Q(office_group__in=groups)
    return SchoolPage.objects.filter(staff).exists()


def old_leaders_of(page):  # workflows/mail.py leaders_of, before issue 15
    school = SchoolPage.for_page(page)
    if school is None or school.leaders_group is None:
        return []
    return list(school.leaders_group.user_set.filter(is_active=True))


def old_report_deciders(school):  # workflows/concern_admin.py LeadersOnlyPolicy, before 15
    users = get_user_model().objects.filter(is_active=True)  # users_with_any_permission
    if school is None or school.leaders_group_id is None:  # ..._for_instance
        return users.filter(is_superuser=True)
    return users.filter(Q(is_superuser=True) | Q(groups=school.leaders_group_id)).distinct()


def old_any_report_decider():  # workflows/concern_admin.py users_with_any_permission
    users = get_user_model().objects.filter(is_active=True)
    leaders = SchoolPage.objects.exclude(leaders_group=None).values("leaders_group")
    return users.filter(Q(is_superuser=True) | Q(groups__in=leaders)).distinct()


def old_led_schools(user):  # workflows/dashboard.py led_schools, before issue 15
    if not (user.is_authenticated and user.is_active):
        return SchoolPage.objects.none()
    if user.is_superuser:
        return SchoolPage.objects.all()
    return SchoolPage.objects.filter(leaders_group__in=user.groups.values("pk"))


def old_is_leader(user):  # workflows/dashboard.py is_leader (memo left out), before 15
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or old_led_schools(user).exists()


def old_led_classes(user, schools=None):  # workflows/dashboard.py led_classes, before 15
    if user.is_authenticated and user.is_active and user.is_superuser:
        return ClassPage.objects.all()
    schools = list(old_led_schools(user) if schools is None else schools)
    within = Q(pk__in=[])
    for school in schools:
        within |= Q(path__startswith=school.path, depth__gt=school.depth)
    return ClassPage.objects.filter(within)


def old_staff_classes(user):  # workflows/panels.py staff_classes, before issue 15
    groups = user.groups.values("pk")
    classes = ClassPage.objects.filter(teachers_group__in=groups)
    for school in SchoolPage.objects.filter(leaders_group__in=groups):
        classes = classes | ClassPage.objects.descendant_of(school)
    return classes.distinct().order_by("title")


def old_teachers_groups_of_school(school):  # workflows/access_removal.py, before issue 15
    return (
        ClassPage.objects.descendant_of(school)
        .exclude(teachers_group=None)
        .values("teachers_group")
    )


def old_staff_of_schools(schools):  # workflows/session_admin.py, before issue 15
    users = get_user_model().objects.none()
    for school in schools:
        groups = Q(groups__in=old_teachers_groups_of_school(school)) | Q(
            groups__in=[pk for pk in (school.leaders_group_id, school.office_group_id) if pk]
        )
        users = users | get_user_model().objects.filter(groups)
    return users


# --- the world: the shared two schools, and the people that make the rules differ ----

PEOPLE = (
    "superuser",  # in no group
    "superuser_leading_b",  # a superuser who is also in Birch's leaders group
    "leader_a",
    "inactive_leader_a",
    "office_a",
    "oak_teacher",
    "leader_b",
    "in_both",  # teaches Willow (Alder), in Birch's office, carer of a Birch pupil
    "oak_carer",
    "inactive_carer",  # linked to Oak's pupil, account deactivated
    "ended_carer",  # only child's enrolment ended yesterday; the child has not left
    "left_carer",  # only child left the school (left_on set, enrolment ended)
    "stranger",  # an account with no role anywhere
    "anonymous",
)


def _build_people(world):
    a, b = world.a, world.b
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    people = {
        "leader_a": a.leader,
        "office_a": a.office,
        "oak_teacher": a.teachers["Oak"],
        "leader_b": b.leader,
        "oak_carer": a.carers["Oak"],
        "superuser": UserFactory(username="roles.superuser", is_superuser=True),
        "stranger": UserFactory(username="roles.stranger"),
    }
    people["superuser_leading_b"] = UserFactory(username="roles.super_b", is_superuser=True)
    people["superuser_leading_b"].groups.add(b.school.leaders_group)
    people["inactive_leader_a"] = UserFactory(username="roles.inactive_leader")
    people["inactive_leader_a"].groups.add(a.school.leaders_group)
    people["inactive_leader_a"].is_active = False
    people["inactive_leader_a"].save()

    people["in_both"] = UserFactory(username="roles.in_both")
    people["in_both"].groups.add(a.classes["Willow"].teachers_group, b.school.office_group)
    birch_pupil = PupilFactory(school=b.school)
    enrol(birch_pupil, b.classes["Rowan"])
    CarerLinkFactory(carer=people["in_both"], pupil=birch_pupil)

    people["inactive_carer"] = UserFactory(username="roles.inactive_carer")
    CarerLinkFactory(carer=people["inactive_carer"], pupil=a.pupils["Oak"])
    people["inactive_carer"].is_active = False
    people["inactive_carer"].save()

    ended_pupil = PupilFactory(school=a.school)
    enrolment = enrol(ended_pupil, a.classes["Willow"])
    people["ended_carer"] = UserFactory(username="roles.ended_carer")
    CarerLinkFactory(carer=people["ended_carer"], pupil=ended_pupil)
    Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=yesterday)

    left_pupil = PupilFactory(school=a.school)
    enrolment = enrol(left_pupil, a.classes["Oak"])
    people["left_carer"] = UserFactory(username="roles.left_carer")
    CarerLinkFactory(carer=people["left_carer"], pupil=left_pupil)
    enrolment.ended_on = yesterday
    enrolment.save()
    left_pupil.left_on = yesterday
    left_pupil.save()
    return {name: person.pk for name, person in people.items()}


@pytest.fixture(scope="module")
def _people(_session_world, django_db_blocker):
    """The extra people, built once for this module in a savepoint it rolls back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_people(_session_world)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def place(_session_world, db, _people):
    """Freshly loaded schools, classes and people (fresh objects: no memo carried over)."""
    users = get_user_model().objects.in_bulk(_people.values())
    people = {name: users[pk] for name, pk in _people.items()}
    people["anonymous"] = AnonymousUser()
    schools = [_session_world.a.school, _session_world.b.school]
    return SimpleNamespace(
        people=people,
        schools=list(SchoolPage.objects.filter(pk__in=[s.pk for s in schools]).order_by("path")),
        classes=list(ClassPage.objects.order_by("path")),
    )


def ids(rows):
    return {row.pk for row in rows}


def only_active(rows):
    return {row.pk for row in rows if row.is_active}


@pytest.fixture(params=PEOPLE)
def person(request, place):
    return place.people[request.param]


# --- per person ----------------------------------------------------------------------


def test_leads_school(person, place):
    for school in place.schools:
        # Differs: an inactive account leads nothing (every old caller checked first).
        expected = old_is_school_leader(person, school) and person.is_active
        assert roles.leads_school(person, school) is expected


def test_is_class_teacher(person, place):
    for class_page in place.classes:
        expected = old_is_class_teacher(person, class_page) and person.is_active
        assert roles.is_class_teacher(person, class_page) is expected


def test_is_school_staff(person, place):
    for school in place.schools:
        expected = old_is_school_staff(person, school) and person.is_active
        assert roles.is_school_staff(person, school) is expected


def test_schools_led_by(person):
    led_by_visible_classes, _ = old_visible_classes_roles(person)
    assert ids(roles.schools_led_by(person)) == ids(led_by_visible_classes)
    if not person.is_superuser:
        assert ids(roles.schools_led_by(person)) == ids(old_led_schools(person))
        assert roles.schools_led_by(person).exists() is old_is_leader(person)
    else:
        # Differs: the oversight tools' copy gave a superuser every school; roles are
        # membership only (the workflows' leaders' gate adds superusers itself).
        assert ids(old_led_schools(person)) == ids(SchoolPage.objects.all())
        assert ids(roles.schools_led_by(person)) == {
            school.pk for school in SchoolPage.objects.all() if old_is_school_leader(person, school)
        }


def test_classes_led_by(person):
    if person.is_superuser:  # differs as schools_led_by does
        expected = {
            pk
            for pk in ids(old_led_classes(person, SchoolPage.objects.all()))
            if old_is_school_leader(person, SchoolPage.for_page(ClassPage.objects.get(pk=pk)))
        }
    else:
        expected = ids(old_led_classes(person))
    assert ids(roles.classes_led_by(person)) == expected


def test_classes_taught_and_led_are_the_staff_panel(person):
    _, taught = old_visible_classes_roles(person)
    assert ids(roles.classes_taught_by(person)) == ids(taught)
    new = ids(roles.classes_taught_by(person)) | ids(roles.classes_led_by(person))
    if person.is_authenticated:
        # Differs: the staff panel's copy did not look at is_active.
        assert new == (ids(old_staff_classes(person)) if person.is_active else set())


def test_schools_kept_by(person):
    new = ids(roles.schools_kept_by(person))
    if person.is_superuser:
        # Differs: register_schools gave a superuser every school; the admin scope keeps
        # that grant itself (admin_scope.register_schools), roles are membership only.
        assert ids(old_register_schools(person)) == ids(SchoolPage.objects.all())
        assert new == {
            school.pk
            for school in SchoolPage.objects.all()
            if {school.leaders_group_id, school.office_group_id} & old_group_ids(person)
        }
    else:
        assert new == (ids(old_register_schools(person)) if person.is_active else set())
    if person.is_authenticated:
        assert bool(new) is (old_two_factor_staff(person) and person.is_active)


def test_schools_of(person, place):
    new = ids(roles.schools_of(person))
    # Differs: an inactive account belongs nowhere, and a carer of a pupil who left no
    # longer belongs to that school (the old copy counted any active link).
    expected = set()
    if person.is_authenticated and person.is_active:
        left = set(
            CarerLink.objects.active()
            .filter(carer=person, pupil__left_on__isnull=False)
            .values_list("pupil__school", flat=True)
        )
        expected = {
            pk
            for pk in ids(old_schools_of(person))
            if pk not in left
            or old_is_school_staff(person, SchoolPage.objects.get(pk=pk))
            or old_school_story_as_carer(person, SchoolPage.objects.get(pk=pk))
        }
    assert new == expected
    for school in place.schools:
        if person.is_authenticated and not old_is_school_staff(person, school):
            assert (school.pk in new) is old_school_story_as_carer(person, school)


# --- per school ----------------------------------------------------------------------


def test_leaders_of(place):
    for school in place.schools:
        for page in (school, *ClassPage.objects.descendant_of(school)):
            assert ids(roles.leaders_of(SchoolPage.for_page(page))) == ids(old_leaders_of(page))
        superusers = ids(get_user_model().objects.filter(is_active=True, is_superuser=True))
        assert ids(roles.leaders_of(school)) | superusers == ids(old_report_deciders(school))
    assert not roles.leaders_of(None).exists()


def test_leaders_anywhere(place):
    old = old_any_report_decider()
    superusers = ids(get_user_model().objects.filter(is_active=True, is_superuser=True))
    assert ids(roles.leaders_anywhere()) | superusers == ids(old)


def test_teachers_groups_of(place):
    for school in place.schools:
        old = {row["teachers_group"] for row in old_teachers_groups_of_school(school)}
        assert ids(roles.teachers_groups_of(school)) == old


def test_staff_of(place):
    for school in place.schools:
        # Differs: the session admin's copy listed inactive staff too.
        assert ids(roles.staff_of(school)) == only_active(old_staff_of_schools([school]))


# --- the differences are real in this world ------------------------------------------


def test_the_world_holds_every_difference(place):
    p = place.people
    alder, birch = place.schools
    assert old_is_school_leader(p["inactive_leader_a"], alder)
    assert not roles.leads_school(p["inactive_leader_a"], alder)
    assert p["inactive_leader_a"].pk in ids(old_staff_of_schools([alder]))
    assert p["inactive_leader_a"].pk not in ids(roles.staff_of(alder))
    assert alder.pk in ids(old_schools_of(p["left_carer"]))
    assert not roles.schools_of(p["left_carer"]).exists()
    assert ids(roles.schools_of(p["ended_carer"])) == {alder.pk}
    assert not roles.schools_of(p["inactive_carer"]).exists()
    assert ids(old_led_schools(p["superuser"])) == {alder.pk, birch.pk}
    assert not roles.schools_led_by(p["superuser"]).exists()
    assert ids(roles.schools_led_by(p["superuser_leading_b"])) == {birch.pk}
    assert ids(roles.schools_of(p["in_both"])) == {alder.pk, birch.pk}


def test_one_query_per_person_for_their_groups(place, django_assert_num_queries):
    leader = place.people["leader_a"]
    with django_assert_num_queries(1):
        for school in place.schools:
            roles.leads_school(leader, school)
            roles.leads_school(leader, school)
        for class_page in place.classes:
            roles.is_class_teacher(leader, class_page)
    with django_assert_num_queries(0):
        roles.leads_school(place.people["anonymous"], place.schools[0])
        roles.is_school_staff(place.people["inactive_leader_a"], place.schools[0])


# --- the decisions that were built on the copies -------------------------------------


def old_visible_classes(user):  # class_pages/access.py visible_classes, before issue 15
    if not (user.is_authenticated and user.is_active):
        return ClassPage.objects.none()
    if user.is_superuser:
        return ClassPage.objects.all()
    groups = old_group_ids(user)
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


def old_register_classes(user):  # class_pages/access.py register_classes, before issue 15
    classes = ClassPage.objects.none()
    for school in old_register_schools(user):
        classes = classes | ClassPage.objects.descendant_of(school)
    return classes.order_by("title")


def old_taggable_pupils(user):  # class_pages/access.py taggable_pupils, before issue 15
    if user is None:
        return Pupil.objects.none()
    if user.is_superuser:
        return Pupil.objects.current()
    groups = old_group_ids(user)
    taught = Enrolment.objects.current().filter(class_page__teachers_group__in=groups)
    return (
        Pupil.objects.current()
        .filter(Q(pk__in=taught.values("pupil")) | Q(school__leaders_group__in=groups))
        .distinct()
    )


def test_visible_classes(person):
    assert ids(visible_classes(person)) == ids(old_visible_classes(person))


def test_admin_scope(person):
    counted = person.is_active or person.is_superuser
    assert ids(register_schools(person)) == (
        ids(old_register_schools(person)) if counted else set()
    )
    assert list(register_classes(person)) == (list(old_register_classes(person)) if counted else [])
    # Differs only for an inactive account (who cannot sign in to tag anyone).
    expected = ids(old_taggable_pupils(person)) if counted else set()
    assert ids(taggable_pupils(person)) == expected


# --- one home: no role query written out anywhere else --------------------------------

ROOT = Path(__file__).resolve().parents[3]
# A lookup through a role group field: `leaders_group__in=`, `teachers_group=None`,
# `.values("office_group")`, `leaders_group.user_set`.
ROLE_LOOKUP = re.compile(
    r"(?<![.\w])(?:leaders|office|teachers)_group(?:__\w+)?\s*=(?!=)"
    r"|[\"'](?:leaders|office|teachers)_group(?:__\w+)?[\"']"
    r"|(?:leaders|office|teachers)_group\.user_set"
)
# Where the role fields are defined or the groups made, not asked about.
ROLE_FIELDS_HOME = {
    "class_pages/access/roles.py": "the one home of the role queries",
    "class_pages/models/pages.py": "the fields themselves",
    "class_pages/lifecycle/school_setup.py": "makes a school's and a class's groups",
}


# Copies not yet replaced, each with what replaces it (their owners adopt it). An entry
# whose copy is gone fails, so this list only shrinks.
NOT_YET_ADOPTED = {
    "workflows/leaders/concerns.py": "roles.leaders_anywhere() in users_with_any_permission",
}


def role_lookups():
    found = {}
    for package in ("class_pages", "workflows", "cms"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ROLE_FIELDS_HOME:
                continue
            text = path.read_text(encoding="utf-8")
            lines = [n for n, line in enumerate(text.splitlines(), 1) if ROLE_LOOKUP.search(line)]
            if lines:
                found[relative] = lines
    return found


def test_role_queries_have_one_home():
    """Who is leader, office or teacher where is asked through class_pages.access.roles;
    a query written out again elsewhere (how the dozen copies began) fails here."""
    assert set(role_lookups()) == set(NOT_YET_ADOPTED)


def test_role_lookup_pattern_finds_each_form():
    for line in (
        "SchoolPage.objects.filter(leaders_group__in=groups)",
        "ClassPage.objects.exclude(teachers_group=None)",
        'classes.values("teachers_group")',
        "school.leaders_group.user_set.filter(is_active=True)",
        "Q(office_group__in=groups)",
    ):
        assert ROLE_LOOKUP.search(line), line
    for line in ("school.leaders_group = _group(title)", "if school.leaders_group is None:"):
        assert not ROLE_LOOKUP.search(line), line
