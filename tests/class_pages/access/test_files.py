"""class_pages.access.files: the file decision on its own, without the file view (which
keeps only the HTTP): what a stored name belongs to, and who may fetch it by its kind.
The whole matrix through the real URLs is tests/class_pages/access/test_image_matrix.py."""

import pytest

from class_pages.access import files
from tests.class_pages.access.test_carer_access import FEED_RENDITION


@pytest.fixture
def photo(world):
    image = world.a.images["Oak"]
    return image, image.get_rendition(FEED_RENDITION), image.get_rendition("width-40")


def test_a_stored_name_is_traced_to_its_image_and_school(world, photo):
    image, shown, _ = photo
    for name in (image.file.name, shown.file.name):
        assert files.stored_object(name) == image
        assert files.school_path_of(name) == world.a.school.path
    assert files.school_of_stored(world.b.images["Rowan"]) == world.b.school


@pytest.mark.parametrize("name", ["images/missing.jpg", "original_images/x.png", "other/a.jpg"])
def test_a_name_of_no_file_of_ours_belongs_nowhere_and_is_refused(world, name):
    assert files.stored_object(name) is None
    assert files.school_path_of(name) is None
    assert not files.decide_file(world.a.leader, name)


def test_who_may_fetch_what(world, photo):
    image, shown, small = photo
    carer, teacher = world.a.carers["Oak"], world.a.teachers["Oak"]
    assert files.decide_file(carer, shown.file.name)  # a rendition carers are shown
    assert not files.decide_file(carer, small.file.name)  # one they are not shown
    assert not files.decide_file(carer, image.file.name)  # never the original
    assert files.decide_file(teacher, image.file.name)
    assert files.decide_file(teacher, small.file.name)
    for other in (world.a.carers["Willow"], world.b.carers["Rowan"], world.b.leader):
        assert not files.decide_file(other, shown.file.name)
        assert not files.decide_file(other, image.file.name)


def test_the_remembered_answer_is_the_decision(world, photo):
    _, shown, _ = photo
    for person in (world.a.carers["Oak"], world.a.carers["Willow"]):
        first = files.file_allowed(person, shown.file.name)
        assert first == files.decide_file(person, shown.file.name)
        assert files.file_allowed(person, shown.file.name) == first
