"""The academic year rollover end to end: next year's classes, pupils moved by the
confirmed mapping, carers' access following them, last year archived (read-only,
visible to its carers for the archive period, then unpublished), safe to run again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from class_pages.access import rebuild_all_access
from class_pages.lifecycle.rollover import archive_expired_classes, proposed_mapping, rollover
from class_pages.models import ClassPage, Enrolment
from tests.helpers import browser


@pytest.fixture
def school(world):
    ClassPage.objects.filter(pk=world.a.classes["Willow"].pk).update(year_group="4")
    return world.a.school


def test_proposed_mapping_moves_up_a_year_group(world, school):
    mapping = {old.class_name: new for old, new in proposed_mapping(school, "2026-27").items()}
    assert mapping == {"Oak": "Willow", "Willow": "Willow"}  # no Year 5 class: stay together


def test_rollover_end_to_end(world, school):
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    mapping = {
        ClassPage.objects.get(pk=oak.pk): "Willow",
        ClassPage.objects.get(pk=willow.pk): None,
    }
    report = rollover(school, "2026-27", mapping)
    assert sorted(report.created) == ["Oak, 2027-28", "Willow, 2027-28"]
    assert (report.moved, report.leaving) == (1, 1)
    new_willow = ClassPage.objects.get(title="Willow, 2027-28")
    assert new_willow.live and new_willow.teachers_group_id and new_willow.collection_id
    assert (
        Enrolment.objects.current()
        .filter(pupil=world.a.pupils["Oak"], class_page=new_willow)
        .exists()
    )

    oak_carer = browser(world.a.carers["Oak"])
    assert oak_carer.get(new_willow.url).status_code == 200  # access followed the pupil
    assert oak_carer.get(oak.url).status_code == 200  # last year's page, archived
    willow_carer = browser(world.a.carers["Willow"])
    assert willow_carer.get(new_willow.url).status_code == 404  # their child left

    archived = ClassPage.objects.get(pk=oak.pk)
    assert archived.archived_until == timezone.localdate() + timedelta(days=90)
    teacher = browser(world.a.teachers["Oak"])
    assert teacher.get(f"/admin/pages/{world.a.posts['Oak'].pk}/edit/").status_code == 302

    again = rollover(school, "2026-27", mapping)  # safe to run again
    assert (again.created, again.moved, again.archived) == ([], 0, [])
    assert ClassPage.objects.filter(academic_year="2027-28").count() == 2

    # The archive period ends: the page is unpublished and access to it ends.
    end = archived.archived_until
    Enrolment.objects.filter(class_page=oak).update(ended_on=timezone.localdate() - timedelta(1))
    assert archive_expired_classes(today=end) == []  # the last day still shows it
    assert sorted(archive_expired_classes(today=end + timedelta(days=1))) == [
        "Oak, 2026-27",
        "Willow, 2026-27",
    ]
    rebuild_all_access()
    assert oak_carer.get(oak.url).status_code == 404
    assert oak_carer.get(new_willow.url).status_code == 200


def test_leaders_run_it_from_the_admin(world, school):
    leader = browser(world.a.leader)
    page = leader.get("/admin/new-school-year/", {"school": school.pk, "year": "2026-27"})
    assert page.status_code == 200 and b"Oak, 2026-27" in page.content
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    missing = leader.post(
        f"/admin/new-school-year/?school={school.pk}&year=2026-27",
        {f"class_{oak.pk}": "Willow", f"class_{willow.pk}": "__leave__"},
    )
    assert missing.status_code == 200 and not ClassPage.objects.filter(academic_year="2027-28")
    done = leader.post(
        f"/admin/new-school-year/?school={school.pk}&year=2026-27",
        {f"class_{oak.pk}": "Willow", f"class_{willow.pk}": "__leave__", "confirm": "on"},
    )
    assert done.status_code == 302
    assert ClassPage.objects.filter(academic_year="2027-28").count() == 2
    other = browser(world.b.leader).get(
        "/admin/new-school-year/", {"school": school.pk, "year": "2026-27"}
    )
    assert other.status_code == 404
    assert browser(world.a.teachers["Oak"]).get("/admin/new-school-year/").status_code == 302
