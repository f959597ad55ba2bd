"""The academic year rollover of a school: next year's class pages are made from this
year's, pupils move to their new classes by a mapping leaders confirm (carers' access
follows the enrolments), and last year's pages are archived: read-only, still visible to
that year's carers for the archive period (School settings), then unpublished by
`archive_expired_classes()`. Running it again changes nothing."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from wagtail.models import GroupPagePermission

from class_pages.factories import create_class
from class_pages.models import ClassPage, Enrolment
from class_pages.models.school_settings import settings_for_school

YEAR_ORDER = ["N", "R", "1", "2", "3", "4", "5", "6"]


def next_academic_year(year):
    """'2026-27' → '2027-28'."""
    start = int(year[:4]) + 1
    return f"{start}-{str(start + 1)[2:]}"


def next_year_group(group):
    if group in YEAR_ORDER and group != YEAR_ORDER[-1]:
        return YEAR_ORDER[YEAR_ORDER.index(group) + 1]
    return None  # the last year leaves the school (or a mixed class stays as it is)


def classes_of_year(school, year):
    return ClassPage.objects.descendant_of(school).filter(academic_year=year).order_by("title")


def proposed_mapping(school, year):
    """{old class: new class name or None (pupils leave)}: pupils move to the class that
    holds the next year group (class names stay with year groups: Oak stays Year 3); the
    final year leaves; with no class for the next year group they stay together."""
    old = list(classes_of_year(school, year))
    by_group = {class_page.year_group: class_page.class_name for class_page in old}
    mapping = {}
    for class_page in old:
        following = next_year_group(class_page.year_group)
        if class_page.year_group == YEAR_ORDER[-1]:
            mapping[class_page] = None  # the final year leaves
        else:
            # The class of the next year group, or (none, or a mixed class) the same class.
            mapping[class_page] = by_group.get(following, class_page.class_name)
    return mapping


@dataclass
class RolloverReport:
    created: list = field(default_factory=list)
    moved: int = 0
    leaving: int = 0
    archived: list = field(default_factory=list)


@transaction.atomic
def rollover(school, year, mapping, today=None):
    """Roll `school` from `year` to the next. `mapping`: {old ClassPage: new class name
    or None}. New classes keep each old class's name and year group."""
    today = today or timezone.localdate()
    new_year = next_academic_year(year)
    archive_until = today + timedelta(days=settings_for_school(school).archive_days)
    report = RolloverReport()
    new_classes = {}
    for old in classes_of_year(school, year):
        existing = (
            ClassPage.objects.descendant_of(school)
            .filter(class_name=old.class_name, academic_year=new_year)
            .first()
        )
        if existing is None:
            existing = create_class(school, old.class_name, old.year_group, new_year)
            existing.welcome = old.welcome
            existing.save_revision().publish()
            report.created.append(existing.title)
        new_classes[old.class_name] = ClassPage.objects.get(pk=existing.pk)
    for old, new_name in mapping.items():
        for enrolment in Enrolment.objects.current().filter(class_page=old):
            if enrolment.ended_on is None:
                enrolment.ended_on = archive_until
                enrolment.save()  # still sees last year's page until the archive ends
            if new_name is None:
                report.leaving += 1
                continue
            _, created = Enrolment.objects.get_or_create(
                pupil=enrolment.pupil,
                class_page=new_classes[new_name],
                defaults={"started_on": today},
            )
            report.moved += created
        newly_archived = ClassPage.objects.filter(pk=old.pk, archived_until=None).update(
            archived_until=archive_until
        )
        if newly_archived:
            # Read-only: teachers lose their rights on last year's page.
            GroupPagePermission.objects.filter(page=old).delete()
            report.archived.append(old.title)
    return report


def archive_expired_classes(today=None):
    """Unpublish archived class pages whose archive period is over; returns titles."""
    today = today or timezone.localdate()
    expired = ClassPage.objects.live().filter(archived_until__lt=today)
    titles = []
    for class_page in expired:
        class_page.unpublish()
        titles.append(class_page.title)
    return titles
