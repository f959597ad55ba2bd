"""Page decisions: who may see a class page, a school's whole-school story and the posts
under them on the site, and which classes someone sees ("My classes").

A page is guarded by the ClassPage or SchoolStoryIndexPage at or above it
(`guarding_page`); public pages have no guard. A class: its carers (a grant backed by the
register today), its teachers, its school's leaders, superusers. A whole-school story:
carers of a current pupil of the school, its staff, superusers. Inactive accounts see
nothing.
"""

from guardian.shortcuts import get_objects_for_user

from class_pages.access import grants
from class_pages.access.roles import (
    classes_led_by,
    classes_taught_by,
    is_class_teacher,
    is_school_carer,
    is_school_staff,
    leads_school,
)
from class_pages.models.pages import ClassPage, SchoolPage, SchoolStoryIndexPage
from class_pages.tree import CLASS_DEPTH, SECTION_DEPTH, ancestor_path


def _signed_in_and_active(user):
    return user.is_authenticated and user.is_active


def can_view_class(user, class_page):
    """Carer with the guardian grant, a teacher of the class, a leader of its school."""
    if not _signed_in_and_active(user):
        return False
    if user.is_superuser or is_class_teacher(user, class_page):
        return True
    # Through the module, so a test can replace the grant check alone.
    if grants.has_class_grant(user, class_page):
        return True
    school = SchoolPage.for_page(class_page)
    return school is not None and leads_school(user, school)


def can_view_school_story(user, school):
    """Any carer with an active link to a current pupil of the school, or its staff."""
    if not _signed_in_and_active(user):
        return False
    if user.is_superuser or is_school_staff(user, school):
        return True
    return is_school_carer(user, school)


def visible_classes(user):
    """ClassPages this user may see on the site ("My classes")."""
    if not _signed_in_and_active(user):
        return ClassPage.objects.none()
    if user.is_superuser:
        return ClassPage.objects.all()
    granted = (
        get_objects_for_user(
            user, grants.VIEW_CLASS, klass=ClassPage, use_groups=False, with_superuser=False
        )
        .filter(pk__in=grants.entitled_class_ids(user))
        .values("pk")
    )
    qs = ClassPage.objects.filter(pk__in=granted) | classes_taught_by(user) | classes_led_by(user)
    return qs.distinct()


def guarding_page(page):
    """The page whose rule guards this one: the ClassPage at or above it, the school's
    SchoolStoryIndexPage at or above it, or None for public pages."""
    if isinstance(page, ClassPage | SchoolStoryIndexPage):
        return page
    if page.depth >= CLASS_DEPTH:
        class_page = ClassPage.objects.filter(path=ancestor_path(page.path, CLASS_DEPTH)).first()
        if class_page is not None:
            return class_page
    if page.depth >= SECTION_DEPTH:
        story_index = SchoolStoryIndexPage.objects.filter(
            path=ancestor_path(page.path, SECTION_DEPTH)
        ).first()
        if story_index is not None:
            return story_index
    return None


def can_view_page(user, guard):
    """Apply the rule of a guarding page (see guarding_page)."""
    if isinstance(guard, ClassPage):
        return can_view_class(user, guard)
    school = SchoolPage.for_page(guard)
    return school is not None and can_view_school_story(user, school)
