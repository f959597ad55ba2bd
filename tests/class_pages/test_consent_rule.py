"""The consent rule between several adults and the school (issue 14, hole 2): a current
"no" from an adult with parental responsibility, or recorded by the school, stands until
that adult or the school changes it; consent that lapses by date counts as withdrawn
from that day, and live posts come down when it lapses. The consent check, the takedown
and "My children" all answer from the same rule."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from class_pages.factories import CarerLinkFactory, UserFactory
from class_pages.lifecycle.consent_lapse import end_lapsed_consents
from class_pages.models import ConsentRecord, Medium, StoryPostPage, current_consent
from workflows.checks.consent import check_consent

PAPER = ConsentRecord.Method.PAPER


@pytest.fixture
def family(world):
    """The Oak pupil with two adults with parental responsibility (A: the existing carer,
    B: a second parent) and one linked adult without it (C: a childminder)."""
    pupil = world.a.pupils["Oak"]
    second = UserFactory(username="second.parent")
    childminder = UserFactory(username="childminder")
    CarerLinkFactory(carer=second, pupil=pupil)
    CarerLinkFactory(carer=childminder, pupil=pupil, has_responsibility=False)
    return world.a.carers["Oak"], second, childminder, pupil


def say(pupil, who, given, medium=Medium.PHOTO, **extra):
    method = PAPER if who == "office" else ConsentRecord.Method.ONLINE
    recorder = None if who == "office" else who
    return ConsentRecord.objects.create(
        pupil=pupil, medium=medium, given=given, method=method, recorded_by=recorder, **extra
    )


def photo_ok(pupil):
    return current_consent(pupil, Medium.PHOTO)


def test_one_adults_yes_does_not_outweigh_anothers_no(family):
    a, b, _, pupil = family
    assert photo_ok(pupil)  # the school's record of consent, from the fixture
    say(pupil, a, False)
    assert not photo_ok(pupil)
    say(pupil, b, True)  # later, and still no
    assert not photo_ok(pupil)
    say(pupil, b, False)
    say(pupil, a, True)  # A changes their mind; B's no now stands
    assert not photo_ok(pupil)
    say(pupil, b, True)
    assert photo_ok(pupil)


def test_the_schools_no_stands_until_the_school_changes_it(family):
    a, b, _, pupil = family
    say(pupil, "office", False)
    say(pupil, a, True)
    say(pupil, b, True)
    assert not photo_ok(pupil)
    say(pupil, "office", True)  # the office copies in the family's new paper form
    assert photo_ok(pupil)


def test_an_adult_without_responsibility_neither_gives_nor_refuses(family):
    _, _, childminder, pupil = family
    say(pupil, childminder, False)
    assert photo_ok(pupil)
    say(pupil, "office", False)
    say(pupil, childminder, True)
    assert not photo_ok(pupil)


def test_a_lapsed_yes_counts_as_a_no(family):
    a, _, _, pupil = family
    yesterday = timezone.localdate() - timedelta(days=1)
    say(pupil, a, True, valid_until=yesterday)
    assert not photo_ok(pupil)
    say(pupil, a, True, valid_until=timezone.localdate())  # valid through today
    assert photo_ok(pupil)


def test_the_consent_check_refuses_after_a_second_adults_yes(world, family):
    a, b, _, pupil = family
    post = world.a.posts["Oak"]
    say(pupil, a, False)
    say(pupil, b, True)
    codes = {finding.code for finding in check_consent(post, world.a.classes["Oak"], False)}
    assert "no-photo-consent" in codes


def test_a_no_takes_the_post_down_even_after_another_yes(world, family):
    a, b, _, pupil = family
    post = world.a.posts["Oak"]
    say(pupil, b, True)
    say(pupil, a, False)
    assert not StoryPostPage.objects.get(pk=post.pk).live


def test_lapse_takes_live_posts_down_without_a_new_record(world, family):
    a, _, _, pupil = family
    post = world.a.posts["Oak"]
    # Everything the school had, replaced by a yes given until yesterday.
    say(pupil, "office", True, valid_until=timezone.localdate() - timedelta(days=1))
    assert StoryPostPage.objects.get(pk=post.pk).live  # nothing happened yet
    ended = end_lapsed_consents()
    assert (pupil, Medium.PHOTO) in ended
    assert not StoryPostPage.objects.get(pk=post.pk).live
    carer = Client()
    carer.force_login(a)
    assert carer.get(post.url).status_code == 404
    # Running it again changes nothing; the command says what it did.
    output = io.StringIO()
    call_command("end_lapsed_consents", stdout=output)
    assert "0 lapsed consent(s) applied" not in output.getvalue()  # still lapsed: reported
    assert not StoryPostPage.objects.get(pk=post.pk).live


def test_lapse_job_leaves_current_consent_alone(world, family):
    a, _, _, pupil = family
    say(pupil, a, True, valid_until=timezone.localdate() - timedelta(days=30))
    say(pupil, a, True)  # renewed without an end date
    assert end_lapsed_consents() == []
    assert StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).live


def test_my_children_shows_the_rule_and_why(world, family):
    a, b, _, pupil = family
    say(pupil, a, False)
    browser = Client()
    browser.force_login(b)
    html = browser.get("/my-children/").content.decode()
    assert "another adult with parental responsibility" not in html
    response = browser.post(
        f"/my-children/{pupil.pk}/consent/",
        {"participation": "yes", "photo": "yes", "video": "yes", "audio": "yes"},
        follow=True,
    )
    html = response.content.decode()
    assert "still will not appear in: photographs" in html
    row = next(c for c in response.context["children"] if c["pupil"].pk == pupil.pk)
    photo = next(r for r in row["consents"] if r[0] == Medium.PHOTO.label)
    assert photo[1] is False and photo[2] is True
