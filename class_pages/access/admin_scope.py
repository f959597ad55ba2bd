"""Admin scoping: what a member of staff works on in the Wagtail admin, by their roles.

The register's schools and classes (leaders and office keep or read it) and the pupils
they may tag on an image (pupils of classes they teach, every pupil of schools they
lead). A superuser's scope is everything: granted here, in the open, since roles are
membership only (class_pages.access.roles).
"""

from django.db.models import Q

from class_pages.access.roles import (
    classes_of,
    classes_taught_by,
    schools_kept_by,
    schools_led_by,
)
from class_pages.models.pages import SchoolPage
from class_pages.models.register import Enrolment, Pupil


def register_schools(user):
    """Schools whose register this user keeps or reads (office or leaders)."""
    if user.is_superuser:
        return SchoolPage.objects.all()
    return schools_kept_by(user).distinct()


def register_classes(user):
    """Class pages of the schools whose register this user keeps or reads, by title."""
    return classes_of(register_schools(user)).order_by("title")


def taggable_pupils(user):
    """Current pupils a member of staff may tag on an image: those enrolled in classes
    they teach, and every pupil of schools they lead."""
    if user is None:
        return Pupil.objects.none()
    if user.is_superuser:
        return Pupil.objects.current()
    taught = Enrolment.objects.current().filter(class_page__in=classes_taught_by(user))
    return (
        Pupil.objects.current()
        .filter(Q(pk__in=taught.values("pupil")) | Q(school__in=schools_led_by(user)))
        .distinct()
    )
