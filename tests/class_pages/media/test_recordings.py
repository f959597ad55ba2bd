"""Video and audio: uploaded through the admin and judged by content, tagged like photos,
consent checked by medium, served only to those who may see the post, with byte ranges
so phones can play them."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model

from class_pages.factories import StoryPostPageFactory, give_consent
from class_pages.models import Medium
from tests.class_pages.media import recording_files as made
from tests.helpers import assert_private
from workflows.checks.consent import check_consent

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 20
HTML = b"<html><script>alert(1)</script></html>" * 10


def recording(world, data=MP4, kind="video", class_name="Oak", pupils=None, title="Clip"):
    media = get_document_model()(
        title=title, kind=kind, collection=world.a.classes[class_name].collection
    )
    media.file.save(f"x.{'mp4' if kind == 'video' else 'mp3'}", ContentFile(data), save=True)
    media.pupils.set(pupils if pupils is not None else [world.a.pupils[class_name]])
    return media


def post_with(world, media, class_name="Oak", published=True):
    kind = media.kind
    return StoryPostPageFactory(
        parent=world.a.classes[class_name],
        title=f"{kind} post",
        media=[(kind, {"recording": media, "description": "Singing practice", "caption": ""})],
        published=published,
    )


def upload(client, world, name, data):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
        },
    )


def test_video_upload_is_recognised_by_content_and_renamed(world, client):
    client.force_login(world.a.teachers["Oak"])
    # A real MP4 (it is remuxed on upload: bytes that only start like one are refused).
    response = upload(client, world, "IMG_0042 Amira.mov", made.phone_mp4())
    assert response.status_code == 302
    media = get_document_model().objects.get(title="IMG_0042 Amira.mov")
    assert media.kind == "video"
    assert media.file.name.startswith("media/") and "Amira" not in media.file.name
    assert media.file.name.endswith(".mp4")
    assert media.url.startswith("/files/media/")


def test_audio_upload_is_audio(world, client):
    client.force_login(world.a.teachers["Oak"])
    assert upload(client, world, "song.mp3", made.tagged_mp3()).status_code == 302
    assert get_document_model().objects.get(title="song.mp3").kind == "audio"


@pytest.mark.parametrize("name", ["trick.mp4", "trick.mp3", "page.html", "vector.svg"])
def test_disguised_files_are_refused_with_a_clear_message(world, client, name):
    client.force_login(world.a.teachers["Oak"])
    response = upload(client, world, name, HTML)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and not get_document_model().objects.filter(title=name).exists()


def test_multiple_upload_judges_content_too(world, client):
    client.force_login(world.a.teachers["Oak"])
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "files[]": SimpleUploadedFile("fake.mp4", HTML),
            "collection": world.a.classes["Oak"].collection_id,
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    assert json.loads(response.content)["success"] is False


def test_oversized_recording_is_refused(world, client, settings):
    settings.CLASSPAGES_MAX_AUDIO_BYTES = 100
    client.force_login(world.a.teachers["Oak"])
    response = upload(client, world, "long.mp3", MP3)
    assert response.status_code == 200
    assert "limit" in str(response.context["form"].errors["file"])


def test_consent_is_checked_by_medium(world):
    pupil = world.a.pupils["Oak"]
    video = recording(world)
    post = post_with(world, video, published=False)
    assert check_consent(post, world.a.classes["Oak"]) == []
    give_consent(pupil, (Medium.VIDEO,), given=False)
    codes = {finding.code for finding in check_consent(post, world.a.classes["Oak"])}
    assert codes == {"no-video-consent"}
    audio = recording(world, MP3, kind="audio", title="Song")
    audio_post = post_with(world, audio, published=False)
    assert check_consent(audio_post, world.a.classes["Oak"]) == []  # audio consent stands


def test_untagged_recording_needs_the_statement(world):
    video = recording(world, pupils=[])
    codes = {
        f.code
        for f in check_consent(post_with(world, video, published=False), world.a.classes["Oak"])
    }
    assert codes == {"untagged-media"}


USERS = {
    "carer of the class": (lambda w: w.a.carers["Oak"], 200),
    "carer of another class": (lambda w: w.a.carers["Willow"], 404),
    "carer of another school": (lambda w: w.b.carers["Rowan"], 404),
    "teacher of the class": (lambda w: w.a.teachers["Oak"], 200),
    "teacher of another class": (lambda w: w.a.teachers["Willow"], 404),
    "leader of the school": (lambda w: w.a.leader, 200),
    "leader of another school": (lambda w: w.b.leader, 404),
}


@pytest.mark.parametrize("who", USERS)
def test_recording_in_a_live_post(world, client, who):
    person, expected = USERS[who]
    media = recording(world)
    post_with(world, media)
    client.force_login(person(world))
    response = client.get(media.url)
    assert response.status_code == expected
    assert_private(response)
    if expected == 200:
        assert response["Content-Type"] == "video/mp4"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline;")
        assert b"".join(response.streaming_content) == MP4


@pytest.mark.parametrize("state", ["draft only", "unused", "unpublished"])
def test_carer_never_gets_a_recording_outside_a_live_post(world, client, state):
    media = recording(world)
    if state == "draft only":
        post_with(world, media, published=False)
    elif state == "unpublished":
        post = post_with(world, media)
        post.unpublish()
    client.force_login(world.a.carers["Oak"])
    assert client.get(media.url).status_code == 404
    client.force_login(world.a.teachers["Oak"])
    assert client.get(media.url).status_code == 200


def test_anonymous_is_sent_to_sign_in(world, client):
    media = recording(world)
    post_with(world, media)
    response = client.get(media.url)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_byte_ranges_for_phones(world, client):
    media = recording(world)
    post_with(world, media)
    client.force_login(world.a.carers["Oak"])
    response = client.get(media.url, headers={"range": "bytes=10-19"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-19/{len(MP4)}"
    assert b"".join(response.streaming_content) == MP4[10:20]
    assert_private(response)
    tail = client.get(media.url, headers={"range": "bytes=-5"})
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == MP4[-5:]
    open_ended = client.get(media.url, headers={"range": f"bytes={len(MP4) - 3}-"})
    assert b"".join(open_ended.streaming_content) == MP4[-3:]
    beyond = client.get(media.url, headers={"range": f"bytes={len(MP4) + 10}-"})
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(MP4)}"
    garbage = client.get(media.url, headers={"range": "bytes=abc"})
    assert garbage.status_code == 200  # ignored, the whole file
    assert client.get(media.url)["Accept-Ranges"] == "bytes"


def test_range_request_by_wrong_carer_reveals_nothing(world, client):
    media = recording(world)
    post_with(world, media)
    client.force_login(world.a.carers["Willow"])
    response = client.get(media.url, headers={"range": "bytes=0-10"})
    assert response.status_code == 404
    assert "Content-Range" not in response


def test_withdrawing_video_consent_takes_down_video_posts_only(world):
    pupil = world.a.pupils["Oak"]
    video_post = post_with(world, recording(world))
    audio_post = post_with(world, recording(world, MP3, kind="audio", title="Song"))
    give_consent(pupil, (Medium.VIDEO,), given=False)
    video_post.refresh_from_db()
    audio_post.refresh_from_db()
    world.a.posts["Oak"].refresh_from_db()
    assert not video_post.live
    assert audio_post.live
    assert world.a.posts["Oak"].live  # the photo post stays


def test_carer_page_plays_the_recording(world, client):
    media = recording(world)
    post = post_with(world, media)
    client.force_login(world.a.carers["Oak"])
    html = client.get(post.url).content.decode()
    assert f'src="{media.url}"' in html and "<video" in html and "Singing practice" in html
