"""The composer's upload endpoint and its "remove": one file at a time through the admin's
own image and media forms, into the chosen class's library, for staff who may post
there only; refusals are clear JSON and leave nothing behind."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images import get_image_model

from class_pages.media.storage import DISK_FULL_MESSAGE
from tests.class_pages.media.test_disk_full import InjectedFullDisk, files_under, noisy_png
from tests.helpers import browser
from tests.workflows.composer.helpers import COMPOSE, REMOVE, composed, upload

Image = get_image_model()


def test_a_photo_goes_into_the_class_library_and_comes_back_described(world):
    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    response = upload(browser(teacher), oak)
    assert response.status_code == 200, response.content
    data = response.json()
    image = Image.objects.get(pk=data["id"])
    assert data["kind"] == "photo"
    assert data["faces"] == 0
    assert data["thumbnail"].startswith("/files/images/")
    assert image.collection_id == oak.collection_id
    assert image.uploaded_by_user == teacher
    assert "Oak" in data["alt_text"]


def test_a_file_that_is_not_a_photo_is_refused_plainly(world):
    before = Image.objects.count()
    response = upload(
        browser(world.a.teachers["Oak"]),
        world.a.classes["Oak"],
        SimpleUploadedFile("notes.png", b"this is not a picture at all", "image/png"),
    )
    assert response.status_code == 400
    assert "not a photo we can accept" in response.json()["error"]
    assert Image.objects.count() == before


@pytest.mark.parametrize(
    "who, where",
    [
        ("oak teacher", "Willow"),  # a class of the same school they do not teach
        ("oak teacher", "Rowan"),  # another school's class
        ("oak teacher", "no such class"),
        ("carer", "Oak"),
        ("anonymous", "Oak"),
        ("other school's leader", "Oak"),
    ],
)
def test_uploads_only_to_a_class_the_user_may_post_to(world, who, where):
    user = {
        "oak teacher": world.a.teachers["Oak"],
        "carer": world.a.carers["Oak"],
        "anonymous": None,
        "other school's leader": world.b.leader,
    }[who]
    target = {**world.a.classes, **world.b.classes}.get(where, 999_999)
    before = Image.objects.count()
    response = upload(browser(user), target)
    assert response.status_code in (302, 403), response.status_code
    assert Image.objects.count() == before


def test_a_disk_that_fills_mid_upload_leaves_nothing(world, tmp_path, settings, monkeypatch):
    root = tmp_path / "private-media"
    disk = InjectedFullDisk(root, monkeypatch)
    disk.mount()
    settings.MEDIA_ROOT = str(root)
    settings.PRIVATE_MEDIA_ROOT = root
    disk.fill()
    before = Image.objects.count()
    big = SimpleUploadedFile("trip.png", noisy_png(), "image/png")
    response = upload(browser(world.a.teachers["Oak"]), world.a.classes["Oak"], big)
    assert response.status_code == 400
    assert response.json()["error"] == DISK_FULL_MESSAGE
    assert Image.objects.count() == before
    assert files_under(root) == {}


def test_an_unused_upload_can_be_removed_by_its_uploader_only(world):
    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    image_id = upload(browser(teacher), oak).json()["id"]
    other = browser(world.a.teachers["Willow"])
    refused = other.post(REMOVE, {"class_page": oak.pk, "item": f"photo:{image_id}"})
    assert refused.status_code in (403, 404)
    own = browser(teacher)
    assert own.post(REMOVE, {"class_page": oak.pk, "item": f"photo:{image_id}"}).json() == {
        "removed": True
    }
    assert not Image.objects.filter(pk=image_id).exists()


def test_a_photo_a_post_uses_is_not_removed(world):
    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    client = browser(teacher)
    image_id = upload(client, oak).json()["id"]
    key = f"photo:{image_id}"
    data = composed(oak, [(key, "Seeds", [], True)], action="submit")
    assert client.post(COMPOSE, data).status_code in (200, 302)
    response = client.post(REMOVE, {"class_page": oak.pk, "item": key})
    assert json.loads(response.content) == {"removed": False}
    assert Image.objects.filter(pk=image_id).exists()


def test_a_recording_goes_into_the_library_as_audio_and_into_the_post(world):
    from class_pages.models import StoryPostPage
    from tests.class_pages.media import recording_files as made

    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    client = browser(teacher)
    voice = SimpleUploadedFile("song.m4a", made.voice_m4a(), "audio/mp4")
    answer = upload(client, oak, voice).json()
    assert answer["kind"] == "audio" and answer["thumbnail"] == ""
    key = f"audio:{answer['id']}"
    data = composed(oak, [(key, "We sang a song", [world.a.pupils["Oak"]], False)], "submit")
    assert client.post(COMPOSE, data).status_code == 302
    post = StoryPostPage.objects.child_of(oak).get(title="Our seed trip").specific
    assert post.recording_entries() == [("audio", answer["id"], "We sang a song", "")]


@pytest.mark.parametrize("who", ["willow teacher", "other school's leader", "carer", "anonymous"])
def test_others_cannot_remove_an_upload_or_read_its_submitted_page(world, who):
    user = {
        "willow teacher": world.a.teachers["Willow"],
        "other school's leader": world.b.leader,
        "carer": world.a.carers["Oak"],
        "anonymous": None,
    }[who]
    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    image_id = upload(browser(teacher), oak).json()["id"]
    client = browser(user)
    for class_page in (oak, world.b.classes["Rowan"]):
        response = client.post(REMOVE, {"class_page": class_page.pk, "item": f"photo:{image_id}"})
        assert response.status_code in (302, 403, 404)
    assert Image.objects.filter(pk=image_id).exists()
    post = world.a.posts["Oak"]
    post.owner = teacher
    post.save(update_fields=["owner"])
    assert client.get(f"/admin/write/submitted/{post.pk}/").status_code in (302, 403, 404)
    assert browser(teacher).get(f"/admin/write/submitted/{post.pk}/").status_code == 200
