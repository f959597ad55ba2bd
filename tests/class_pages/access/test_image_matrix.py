"""The privacy matrix for photos: every kind of file URL (rendition, original) × who asks
× where the photo is used (live post, draft only, rejected post, unused)."""

import uuid

import pytest

from class_pages.factories import (
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    enrol,
    give_consent,
)
from class_pages.models import Medium
from tests.helpers import assert_private

PEOPLE = {
    "carer of the class": lambda w: w.a.carers["Oak"],
    "carer of another class": lambda w: w.a.carers["Willow"],
    "carer of another school": lambda w: w.b.carers["Rowan"],
    "revoked carer": lambda w: revoked(w),
    "teacher of the class": lambda w: w.a.teachers["Oak"],
    "teacher of another class": lambda w: w.a.teachers["Willow"],
    "leader of the school": lambda w: w.a.leader,
    "leader of another school": lambda w: w.b.leader,
}
STAFF_OF_THE_CLASS = {"teacher of the class", "leader of the school"}


def revoked(world):
    link = world.a.carers["Oak"].carer_links.get()
    link.status = link.Status.REVOKED
    link.save()
    return world.a.carers["Oak"]


def photo_in(world, state):
    oak = world.a.classes["Oak"]
    if state == "live post":
        return world.a.images["Oak"]
    if state == "draft only":
        image = ClassImageFactory(collection=oak.collection, pupils=[world.a.pupils["Oak"]])
        StoryPostPageFactory(parent=oak, photos=[image], published=False)
        return image
    if state == "rejected post":
        pupil = PupilFactory(school=world.a.school)
        enrol(pupil, oak)
        give_consent(pupil, (Medium.PARTICIPATION,))
        give_consent(pupil, (Medium.PHOTO,), given=False)
        image = ClassImageFactory(collection=oak.collection, pupils=[pupil])
        post = StoryPostPageFactory(parent=oak, photos=[image], published=False)
        post.save_revision(user=world.a.teachers["Oak"])
        state = post.get_workflow().start(post, world.a.teachers["Oak"])
        assert state.status == state.STATUS_NEEDS_CHANGES  # the consent check refused it
        return image
    return ClassImageFactory(collection=oak.collection, pupils=[world.a.pupils["Oak"]])


@pytest.mark.parametrize("state", ["live post", "draft only", "rejected post", "unused"])
@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("kind", ["rendition", "original"])
def test_photo_urls(world, client, state, who, kind):
    image = photo_in(world, state)
    url = image.get_rendition("fill-800x600").url if kind == "rendition" else image.file.url
    client.force_login(PEOPLE[who](world))
    response = client.get(url)
    if who in STAFF_OF_THE_CLASS:
        expected = 200
    elif who == "carer of the class" and kind == "rendition" and state == "live post":
        expected = 200
    else:
        expected = 404
    assert response.status_code == expected
    assert_private(response)


@pytest.mark.parametrize("kind", ["rendition", "original"])
def test_anonymous_gets_sign_in(world, client, kind):
    image = world.a.images["Oak"]
    url = image.get_rendition("fill-800x600").url if kind == "rendition" else image.file.url
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(
    "folder", ["images", "original_images", "media", "documents", "private", "x/y/z"]
)
@pytest.mark.parametrize("who", ["carer of the class", "teacher of the class"])
def test_guessed_paths_are_404(world, client, folder, who):
    client.force_login(PEOPLE[who](world))
    for extension in ("png", "jpg", "mp4"):
        response = client.get(f"/files/{folder}/{uuid.uuid4().hex}.{extension}")
        assert response.status_code == 404
