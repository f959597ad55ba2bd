"""Withdrawn consent takes down exactly the live posts that show the pupil, tells the
teacher and the leaders, and logs it."""

from django.core import mail
from wagtail.models import PageLogEntry

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, give_consent
from class_pages.models import Medium, StoryPostPage


def test_withdrawal_unpublishes_exactly_the_affected_posts(world, client):
    oak, pupil = world.a.classes["Oak"], world.a.pupils["Oak"]
    teacher = world.a.teachers["Oak"]
    shown = world.a.posts["Oak"]  # live, shows the pupil
    shown.owner = teacher
    shown.save()
    landscape = ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)
    other = StoryPostPageFactory(parent=oak, title="Autumn leaves", photos=[landscape])
    draft_with_pupil = StoryPostPageFactory(
        parent=oak, title="Draft", photos=[world.a.images["Oak"]], published=False
    )
    willow_post = world.a.posts["Willow"]
    mail.outbox.clear()

    give_consent(pupil, (Medium.PHOTO,), given=False, recorded_by=world.a.carers["Oak"])

    live = dict(StoryPostPage.objects.values_list("pk", "live"))
    assert live[shown.pk] is False
    assert live[other.pk] is True
    assert live[willow_post.pk] is True
    assert live[draft_with_pupil.pk] is False  # was never live, untouched
    assert PageLogEntry.objects.filter(page=shown, action="workflows.consent_takedown").exists()
    recipients = {address for message in mail.outbox for address in message.to}
    assert {teacher.email, world.a.leader.email} <= recipients
    assert world.a.carers["Oak"].email not in recipients
    assert all("http" in message.body and "<img" not in message.body for message in mail.outbox)

    client.force_login(world.a.carers["Oak"])
    assert client.get(shown.url).status_code == 404
    rendition_url = world.a.images["Oak"].get_rendition("fill-800x600").url
    assert client.get(rendition_url).status_code == 404
    assert client.get(other.url).status_code == 200


def test_withdrawing_video_leaves_photo_posts_alone(world):
    give_consent(world.a.pupils["Oak"], (Medium.VIDEO,), given=False)
    world.a.posts["Oak"].refresh_from_db()
    assert world.a.posts["Oak"].live


def test_giving_consent_again_does_not_republish(world):
    pupil = world.a.pupils["Oak"]
    give_consent(pupil, (Medium.PHOTO,), given=False)
    give_consent(pupil, (Medium.PHOTO,), given=True)
    world.a.posts["Oak"].refresh_from_db()
    assert not world.a.posts["Oak"].live


def test_withdrawing_participation_takes_down_photo_posts(world):
    give_consent(world.a.pupils["Willow"], (Medium.PARTICIPATION,), given=False)
    world.a.posts["Willow"].refresh_from_db()
    world.a.posts["Oak"].refresh_from_db()
    assert not world.a.posts["Willow"].live
    assert world.a.posts["Oak"].live
