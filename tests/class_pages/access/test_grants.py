"""Carers' class grants (guardian rows) are derived from the register: rebuilding them
from scratch gives exactly what the signal-driven, incremental grants gave, after any
series of register changes; every grant and revocation is logged with its reason."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import assign_perm

from class_pages.access import rebuild_all_access
from class_pages.factories import CarerLinkFactory, PupilFactory, UserFactory, enrol
from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassPageUserObjectPermission,
    Enrolment,
)
from class_pages.register.carer_links import save_link


def grant_rows():
    """Every carer grant as (username, class title, permission codename)."""
    return set(
        ClassPageUserObjectPermission.objects.values_list(
            "user__username", "content_object__title", "permission__codename"
        )
    )


def expected(*pairs):
    return {(username, title, "view_classpage") for username, title in pairs}


def rebuilt_from_scratch(use_command=False):
    ClassPageUserObjectPermission.objects.all().delete()
    assert grant_rows() == set()
    if use_command:
        call_command("rebuild_class_access", stdout=io.StringIO())
    else:
        rebuild_all_access()
    return grant_rows()


def browser_for(user):
    """A signed-in browser. Sign in first, then change the register: signing in saves the
    user, which re-derives their grants, and must not hide a missed incremental update."""
    browser = Client()
    browser.force_login(user)
    return browser


def can_open(browser, class_page):
    _, root, path = class_page.get_url_parts()
    host = root.split("//", 1)[1] if root else "testserver"
    return browser.get(path, HTTP_HOST=host).status_code == 200


def sees(user, class_page):
    return can_open(browser_for(user), class_page)


@pytest.mark.parametrize("use_command", [False, True], ids=["function", "command"])
def test_rebuild_gives_the_incremental_grants(world, use_command):
    incremental = grant_rows()
    assert incremental == expected(
        ("oak.carer", "Oak, 2026-27"),
        ("willow.carer", "Willow, 2026-27"),
        ("rowan.carer", "Rowan, 2026-27"),
    )

    assert rebuilt_from_scratch(use_command) == incremental
    assert sees(world.a.carers["Oak"], world.a.classes["Oak"])
    assert sees(world.b.carers["Rowan"], world.b.classes["Rowan"])


def test_rebuild_command_reports_its_work(world):
    ClassPageUserObjectPermission.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_class_access", stdout=out)
    assert "Granted 3, revoked 0" in out.getvalue()

    out = io.StringIO()
    call_command("rebuild_class_access", stdout=out)
    assert "Granted 0, revoked 0" in out.getvalue()


def test_rebuild_removes_grants_the_register_does_not_support(world):
    stray = UserFactory(username="stray")
    assign_perm("class_pages.view_classpage", stray, world.a.classes["Willow"])
    assign_perm("class_pages.view_classpage", world.a.carers["Oak"], world.a.classes["Willow"])
    assert stray.has_perm("class_pages.view_classpage", world.a.classes["Willow"])
    assert ("stray", "Willow, 2026-27", "view_classpage") in grant_rows()

    granted, revoked = rebuild_all_access()

    assert (granted, revoked) == (0, 2)
    assert grant_rows() == expected(
        ("oak.carer", "Oak, 2026-27"),
        ("willow.carer", "Willow, 2026-27"),
        ("rowan.carer", "Rowan, 2026-27"),
    )
    assert not sees(stray, world.a.classes["Willow"])
    assert not sees(world.a.carers["Oak"], world.a.classes["Willow"])


def apply_register_changes(world):
    """A term's worth of office work, each step through ordinary model saves/deletes
    (what the admin views do), so only the signal handlers keep the grants in step."""
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    rowan = world.b.classes["Rowan"]

    # A second child of oak.carer joins Willow; a grandparent is linked to the Oak pupil.
    sibling = PupilFactory(school=world.a.school, first_name="Sibling", last_name="Smith")
    enrol(sibling, willow)
    CarerLinkFactory(carer=world.a.carers["Oak"], pupil=sibling)
    grandparent = UserFactory(username="grandparent")
    CarerLinkFactory(
        carer=grandparent,
        pupil=world.a.pupils["Oak"],
        relationship=CarerLink.Relationship.GRANDPARENT,
    )

    # willow.carer's link is revoked.
    link = CarerLink.objects.get(carer=world.a.carers["Willow"])
    link.status = CarerLink.Status.REVOKED
    link.status_reason = "court order"
    link.save()

    # The Oak pupil moves to Willow: the enrolment is edited.
    enrolment = Enrolment.objects.get(pupil=world.a.pupils["Oak"], class_page=oak)
    enrolment.class_page = willow
    enrolment.save()

    # The Rowan pupil leaves school B.
    pupil = world.b.pupils["Rowan"]
    pupil.left_on = timezone.localdate() - datetime.timedelta(days=1)
    pupil.save()

    # A new family in Rowan, then their link is deleted again.
    newcomer = PupilFactory(school=world.b.school, first_name="New", last_name="Kid")
    enrol(newcomer, rowan)
    short_lived = CarerLinkFactory(carer=UserFactory(username="short.lived"), pupil=newcomer)
    short_lived.delete()
    return grandparent


def test_incremental_grants_equal_rebuild_after_register_changes(world):
    apply_register_changes(world)
    incremental = grant_rows()

    # The incremental result is what the register says ...
    assert incremental == expected(
        ("oak.carer", "Willow, 2026-27"),  # both children now in Willow
        ("grandparent", "Willow, 2026-27"),
    )
    # ... a rebuild on top of it changes nothing ...
    assert rebuild_all_access() == (0, 0)
    assert grant_rows() == incremental
    # ... and a rebuild from nothing gives the same rows.
    assert rebuilt_from_scratch() == incremental
    assert rebuilt_from_scratch(use_command=True) == incremental


def test_register_changes_take_effect_on_the_next_request(world):
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    rowan = world.b.classes["Rowan"]
    oak_carer = browser_for(world.a.carers["Oak"])
    willow_carer = browser_for(world.a.carers["Willow"])
    rowan_carer = browser_for(world.b.carers["Rowan"])
    assert can_open(oak_carer, oak)
    assert not can_open(oak_carer, willow)
    assert can_open(willow_carer, willow)
    assert can_open(rowan_carer, rowan)

    grandparent = apply_register_changes(world)

    assert not can_open(willow_carer, willow)
    assert not can_open(oak_carer, oak)
    assert can_open(oak_carer, willow)
    assert not can_open(rowan_carer, rowan)
    assert sees(grandparent, willow)


def test_deactivated_carer_loses_access_and_rebuild_agrees(world):
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()

    assert ("oak.carer", "Oak, 2026-27", "view_classpage") not in grant_rows()
    incremental = grant_rows()
    assert rebuilt_from_scratch() == incremental

    carer.is_active = True
    carer.save()
    assert ("oak.carer", "Oak, 2026-27", "view_classpage") in grant_rows()


def test_ended_enrolment_is_revoked_and_rebuild_agrees(world):
    enrolment = Enrolment.objects.get(pupil=world.a.pupils["Willow"])
    enrolment.ended_on = timezone.localdate() - datetime.timedelta(days=1)
    enrolment.save()

    assert ("willow.carer", "Willow, 2026-27", "view_classpage") not in grant_rows()
    assert rebuilt_from_scratch() == grant_rows()


# --- the log of grants and revocations ------------------------------------------------


def log_rows(carer):
    return list(
        AccessChange.objects.filter(carer=carer)
        .order_by("pk")
        .values_list("class_page__title", "change", "reason")
    )


def test_initial_grants_are_logged(world):
    assert log_rows(world.a.carers["Oak"]) == [
        ("Oak, 2026-27", AccessChange.Change.GRANTED, "carer link active")
    ]


def test_revoked_link_is_logged_with_reason(world):
    carer = world.a.carers["Willow"]
    link = CarerLink.objects.get(carer=carer)
    link.status = CarerLink.Status.REVOKED
    link.save()

    assert log_rows(carer)[-1] == (
        "Willow, 2026-27",
        AccessChange.Change.REVOKED,
        "carer link revoked",
    )


def test_suspended_link_is_logged_with_reason(world):
    carer = world.a.carers["Willow"]
    link = CarerLink.objects.get(carer=carer)
    link.status = CarerLink.Status.SUSPENDED
    link.save()

    assert log_rows(carer)[-1] == (
        "Willow, 2026-27",
        AccessChange.Change.REVOKED,
        "carer link suspended",
    )


def test_moved_enrolment_logs_revocation_and_grant(world):
    carer = world.a.carers["Oak"]
    enrolment = Enrolment.objects.get(pupil=world.a.pupils["Oak"])
    enrolment.class_page = world.a.classes["Willow"]
    enrolment.save()

    assert sorted(log_rows(carer)[-2:]) == [
        ("Oak, 2026-27", AccessChange.Change.REVOKED, "enrolment changed"),
        ("Willow, 2026-27", AccessChange.Change.GRANTED, "enrolment changed"),
    ]


def test_pupil_leaving_is_logged(world):
    pupil = world.b.pupils["Rowan"]
    pupil.left_on = timezone.localdate()
    pupil.save()

    assert log_rows(world.b.carers["Rowan"])[-1] == (
        "Rowan, 2026-27",
        AccessChange.Change.REVOKED,
        "pupil record changed",
    )


def test_deleted_link_is_logged(world):
    carer = world.a.carers["Oak"]
    CarerLink.objects.get(carer=carer).delete()

    assert log_rows(carer)[-1] == (
        "Oak, 2026-27",
        AccessChange.Change.REVOKED,
        "carer link deleted",
    )


def test_rebuild_logs_what_it_changes_and_nothing_else(world):
    before = AccessChange.objects.count()
    assert rebuild_all_access() == (0, 0)
    assert AccessChange.objects.count() == before

    ClassPageUserObjectPermission.objects.filter(user=world.a.carers["Oak"]).delete()
    rebuild_all_access()

    new = list(
        AccessChange.objects.order_by("pk").values_list(
            "carer__username", "class_page__title", "change", "reason"
        )[before:]
    )
    assert new == [
        ("oak.carer", "Oak, 2026-27", AccessChange.Change.GRANTED, "rebuilt from the register")
    ]


def test_no_log_row_when_nothing_changes(world):
    carer = world.a.carers["Oak"]
    before = log_rows(carer)
    link = CarerLink.objects.get(carer=carer)
    link.relationship = CarerLink.Relationship.STEP_PARENT
    save_link(link)
    assert log_rows(carer) == before
