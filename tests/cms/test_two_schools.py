"""Two schools side by side with identical class names, each on its own host: nothing
crosses from one to the other, for carers or for staff."""

import pytest
from django.test import Client

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    create_class,
    enrol,
    give_consent,
)

HOST_A, HOST_B = "testserver", "other.test"


@pytest.fixture
def twins(world):
    """School B gets an "Oak" class too, with its own pupil, carer, teacher and post."""
    oak_b = create_class(world.b.school, "Oak")
    pupil = PupilFactory(school=world.b.school, first_name="Bobkid", last_name="Twin")
    enrol(pupil, oak_b)
    give_consent(pupil)
    carer = UserFactory(username="oak.b.carer")
    CarerLinkFactory(carer=carer, pupil=pupil)
    teacher = UserFactory(username="oak.b.teacher")
    teacher.groups.add(oak_b.teachers_group)
    image = ClassImageFactory(collection=oak_b.collection, pupils=[pupil], title="B oak photo")
    post = StoryPostPageFactory(parent=oak_b, title="Birch oak news", photos=[image])
    assert oak_b.url_path.endswith("/classes/oak-2026-27/")  # same path as A's Oak
    return {"class": oak_b, "carer": carer, "teacher": teacher, "post": post, "image": image}


def browser(user, host):
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_same_path_on_each_host_is_each_schools_own_class(world, twins):
    a_carer = browser(world.a.carers["Oak"], HOST_A)
    b_carer = browser(twins["carer"], HOST_B)
    path = "/classes/oak-2026-27/"
    assert b"Oak news" in a_carer.get(path).content
    assert b"Birch oak news" in b_carer.get(path).content
    # Each carer asking the other school's host for "their" path gets nothing.
    assert browser(world.a.carers["Oak"], HOST_B).get(path).status_code == 404
    assert browser(twins["carer"], HOST_A).get(path).status_code == 404


def test_photos_do_not_cross(world, twins):
    b_url = twins["image"].get_rendition("fill-800x600").url
    a_url = world.a.images["Oak"].get_rendition("fill-800x600").url
    for host in (HOST_A, HOST_B):
        assert browser(world.a.carers["Oak"], host).get(b_url).status_code == 404
        assert browser(twins["carer"], host).get(a_url).status_code == 404
        assert (
            browser(world.a.teachers["Oak"], host).get(twins["image"].file.url).status_code == 404
        )
        assert (
            browser(twins["teacher"], host).get(world.a.images["Oak"].file.url).status_code == 404
        )


def test_my_classes_lists_own_school_only(world, twins):
    html = browser(twins["carer"], HOST_B).get("/my-classes/").content.decode()
    assert "Birch Primary" in html and "Alder Primary" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/pages/search/?q=oak",
        "/admin/images/",
        "/admin/choose-page/",
        "/admin/choose-page/search/?q=news",
        "/admin/documents/",
    ],
)
def test_staff_screens_do_not_cross(world, twins, url):
    b_teacher = browser(twins["teacher"], HOST_B).get(url).content.decode()
    assert "Oak news" not in b_teacher and "Oak photo" not in b_teacher
    a_teacher = browser(world.a.teachers["Oak"], HOST_A).get(url).content.decode()
    assert "Birch oak news" not in a_teacher and "B oak photo" not in a_teacher


def test_leaders_exports_do_not_cross(world, twins):
    csv_a = browser(world.a.leader, HOST_A).get("/admin/audit.csv").content.decode()
    assert "Birch" not in csv_a and "Bobkid" not in csv_a
    csv_b = browser(world.b.leader, HOST_B).get("/admin/audit.csv").content.decode()
    assert "Alder" not in csv_b and "Oakkid" not in csv_b
    pupils_b = browser(world.b.office, HOST_B).get("/admin/pupils/").content.decode()
    assert "Bobkid" in pupils_b and "Oakkid" not in pupils_b
