"""A photo or recording never moves to another school's collection (a leader of two
schools, a superuser): the file view remembers answers under the school a stored file
belongs to, in every process, so that school must never change. Moves between classes
of one school stay possible."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from class_pages.factories import UserFactory
from class_pages.models.media import SCHOOL_MOVE_MESSAGE
from tests.helpers import browser


def edit(session, image, collection):
    return session.post(
        reverse("wagtailimages:edit", args=[image.pk]),
        {
            "title": image.title,
            "collection": collection.pk,
            "tags": "",
            "pupils": [pupil.pk for pupil in image.pupils.all()],
            "no_identifiable_pupil": "",
        },
    )


@pytest.fixture
def superuser():
    return browser(UserFactory(username="root", is_superuser=True, is_staff=True))


def test_moving_a_photo_to_another_school_is_refused(world, superuser):
    image = world.a.images["Oak"]
    response = edit(superuser, image, world.b.classes["Rowan"].collection)
    assert response.status_code == 200
    assert SCHOOL_MOVE_MESSAGE in response.content.decode()
    image.refresh_from_db()
    assert image.collection_id == world.a.classes["Oak"].collection_id


def test_the_model_refuses_it_too(world):
    image = world.a.images["Oak"]
    image.collection = world.b.school.collection
    with pytest.raises(ValidationError):
        image.save()


def test_moving_within_the_school_is_allowed(world, superuser):
    image = world.a.images["Oak"]
    response = edit(superuser, image, world.a.classes["Willow"].collection)
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.collection_id == world.a.classes["Willow"].collection_id
