"""Phone videos carry where and when they were filmed and on which device; audio files carry
ID3 tags, Vorbis comments and INFO chunks. Uploads keep none of it: every recording that
goes through the admin (one at a time or several at once) is stored as a remux that holds
its audio and video and nothing else, it still plays (same streams, duration and frames),
and what is served to the class's teacher and carers is that clean file, byte ranges
included. A file that only looks like a recording is refused with a form error and leaves
nothing in the private media folder."""

import json
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model

from class_pages.factories import StoryPostPageFactory
from tests.class_pages.media import recording_files as made
from tests.helpers import assert_private

# (maker, upload name, kind, stored extension, content type served, streams kept)
FILES = {
    "mp4": (made.phone_mp4, "IMG_0042.mp4", "video", "mp4", "video/mp4", 2),
    "mov": (made.phone_mov, "IMG_0043.MOV", "video", "mov", "video/quicktime", 2),
    "m4a": (made.voice_m4a, "Voice memo.m4a", "audio", "m4a", "audio/mp4", 1),
    "mp3": (made.tagged_mp3, "song.mp3", "audio", "mp3", "audio/mpeg", 1),
    "ogg": (made.tagged_ogg, "song.ogg", "audio", "ogg", "audio/ogg", 1),
    "wav": (made.tagged_wav, "song.wav", "audio", "wav", "audio/wav", 1),
    "webm": (made.tagged_webm, "clip.webm", "video", "webm", "video/webm", 2),
    "matroska as webm": (made.loaded_matroska, "loaded.webm", "video", "webm", "video/webm", 1),
    "vorbis webm": (
        made.vorbis_webm_with_comment_header,
        "vorbis.webm",
        "audio",
        "webm",
        "video/webm",
        1,
    ),
}
# What demuxers report of a file's own structure, whoever wrote it; nothing else may remain.
STRUCTURAL = {
    "major_brand",
    "minor_version",
    "compatible_brands",
    "handler_name",
    "vendor_id",
    "language",
    "DURATION",
    "encoder",
}
STRUCTURAL_VALUES = {
    "handler_name": {"VideoHandler", "SoundHandler"},
    "vendor_id": {"FFMP", "[0][0][0][0]"},
    "language": {"und"},
    # The remuxer's bare name (bitexact: no version); WebM requires a writing application.
    "encoder": {"Lavf"},
}


@pytest.fixture(scope="module")
def hostile():
    """Each file made once per module, and checked to really carry the markers."""
    files = {}
    for key, (maker, *_rest) in FILES.items():
        data = maker()
        found = [marker for marker in made.MARKERS if marker.encode() in data]
        assert made.COMMENT in found or made.LOCATION in found, key
        files[key] = data
    return files


def media_files():
    root = settings.MEDIA_ROOT
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def upload(client, world, name, data, title=None):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title or name,
            "file": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "no_identifiable_pupil": "on",
        },
    )


def upload_several(client, world, name, data):
    return client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "files[]": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def stored_bytes(media):
    with media.file.storage.open(media.file.name, "rb") as handle:
        return handle.read()


def assert_clean(data):
    for marker in made.MARKERS:
        assert marker.encode() not in data, marker
    found = made.describe(data)
    assert found["chapters"] == []
    for metadata in [found["metadata"], *(stream["metadata"] for stream in found["streams"])]:
        assert set(metadata) <= STRUCTURAL, metadata
        for key, value in metadata.items():
            assert value in STRUCTURAL_VALUES.get(key, {value}), (key, value)
            assert not any(marker in value for marker in made.MARKERS), (key, value)
    assert {stream["type"] for stream in found["streams"]} <= {"audio", "video"}
    assert not any(stream["attached_pic"] for stream in found["streams"])
    return found


def assert_still_plays(original, stored, streams):
    before, after = made.describe(original), made.describe(stored)
    assert len(after["streams"]) == streams
    assert after["duration"] == pytest.approx(before["duration"], abs=0.05)
    assert after["frames"] == before["frames"]  # every frame of every kept stream decodes


@pytest.mark.parametrize("key", FILES)
def test_uploaded_recording_is_stored_without_metadata(world, client, hostile, key):
    _, name, kind, extension, _, streams = FILES[key]
    client.force_login(world.a.teachers["Oak"])
    response = upload(client, world, name, hostile[key])
    assert response.status_code == 302, response.context["form"].errors
    media = get_document_model().objects.get(title=name)
    assert media.kind == kind
    assert media.file.name.startswith("media/") and media.file.name.endswith(f".{extension}")
    stored = stored_bytes(media)
    assert_clean(stored)
    assert_still_plays(hostile[key], stored, streams)
    assert media.file_size == len(stored)


@pytest.mark.parametrize("key", ["mov", "mp3", "webm"])
def test_multiple_upload_stores_the_clean_copy_too(world, client, hostile, key):
    _, name, kind, _, _, streams = FILES[key]
    client.force_login(world.a.teachers["Oak"])
    response = upload_several(client, world, name, hostile[key])
    answer = json.loads(response.content)
    assert answer["success"] is True, answer
    media = get_document_model().objects.get(pk=answer["doc_id"])
    assert media.kind == kind
    stored = stored_bytes(media)
    assert_clean(stored)
    assert_still_plays(hostile[key], stored, streams)


@pytest.mark.parametrize("key", ["mp4", "mov", "m4a", "mp3", "webm"])
def test_served_recording_carries_no_metadata_and_still_ranges(world, client, hostile, key):
    _, name, kind, _, content_type, streams = FILES[key]
    teacher = world.a.teachers["Oak"]
    client.force_login(teacher)
    assert upload(client, world, name, hostile[key]).status_code == 302
    media = get_document_model().objects.get(title=name)
    stored = stored_bytes(media)

    whole = client.get(media.url)  # the teacher, before any post uses it
    assert whole.status_code == 200 and whole["Content-Type"] == content_type
    assert b"".join(whole.streaming_content) == stored

    StoryPostPageFactory(
        parent=world.a.classes["Oak"],
        title=f"{kind} post",
        media=[(kind, {"recording": media, "description": "Singing", "caption": ""})],
        published=True,
    )
    client.force_login(world.a.carers["Oak"])
    served = client.get(media.url)
    assert served.status_code == 200
    assert_private(served)
    data = b"".join(served.streaming_content)
    assert data == stored
    assert_clean(data)
    assert_still_plays(hostile[key], data, streams)

    first = client.get(media.url, headers={"range": "bytes=0-99"})
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-99/{len(stored)}"
    assert b"".join(first.streaming_content) == stored[:100]


GARBAGE = {
    "mp4 signature": (
        "broken.mp4",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4000),
    ),
    "mp4 signature, random tail": (
        "random.mp4",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40,
    ),
    "mov signature": (
        "broken.mov",
        b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x07" * 999,
    ),
    "webm signature": ("broken.webm", b"\x1a\x45\xdf\xa3" + b"\x93" * 2000),
    "mp3 signature": ("broken.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8),
    "wav signature": ("broken.wav", b"RIFF\x00\x10\x00\x00WAVEfmt " + bytes(300)),
    "ogg signature": ("broken.ogg", b"OggS" + bytes(500)),
}


@pytest.mark.parametrize("case", GARBAGE)
def test_garbage_with_a_signature_gets_a_form_error_and_leaves_nothing(
    world, client, case, settings, tmp_path
):
    name, data = GARBAGE[case]
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)  # where the clean copy would have gone
    client.force_login(world.a.teachers["Oak"])
    before = media_files()
    response = upload(client, world, name, data)
    assert response.status_code == 200
    codes = {error.code for error in response.context["form"].errors.as_data()["file"]}
    assert codes & {"invalid_recording", "empty_recording", "damaged_recording"}, codes
    assert not get_document_model().objects.filter(title=name).exists()
    assert media_files() == before

    several = upload_several(client, world, name, data)
    assert several.status_code == 200
    answer = json.loads(several.content)
    assert answer["success"] is False and answer["error_message"]
    assert media_files() == before
    assert list(tmp_path.iterdir()) == []


def mjpeg_mov():
    """MJPEG: every frame may carry its own EXIF (with GPS); it is never stored as is."""

    def build(out):
        stream = made.video_stream(out, "mjpeg")
        stream.pix_fmt = "yuvj420p"
        made.encode_video(out, stream, seconds=0.2)

    return made.write("mov", build)


def h264_matroska():
    """H.264 in Matroska, named .webm: WebM cannot hold it."""

    def build(out):
        made.encode_video(out, made.video_stream(out), seconds=0.2)

    return made.write("matroska", build)


@pytest.mark.parametrize(
    "name, maker, codec", [("camera.mov", mjpeg_mov, "mjpeg"), ("clip.webm", h264_matroska, "h264")]
)
def test_a_video_phones_cannot_play_is_refused_clearly(world, client, name, maker, codec):
    client.force_login(world.a.teachers["Oak"])
    before = media_files()
    response = upload(client, world, name, maker())
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["file"]
    assert [error.code for error in errors] == ["unsupported_codec"]
    assert codec in errors[0].messages[0] and "MP4" in errors[0].messages[0]
    assert media_files() == before


def test_a_file_whose_packets_outweigh_it_is_refused(world, client, hostile, monkeypatch):
    """Sample tables can point at the same bytes again and again, so a small file would
    remux into a huge one; the copy stops once it holds more than the upload. Shown here
    by lowering the allowance below a real file's own payload."""
    from class_pages.media import recordings

    monkeypatch.setattr(recordings, "PAYLOAD_SLACK", -len(hostile["wav"]) // 2)
    client.force_login(world.a.teachers["Oak"])
    before = media_files()
    response = upload(client, world, "song.wav", hostile["wav"])
    assert response.status_code == 200
    codes = [error.code for error in response.context["form"].errors.as_data()["file"]]
    assert codes == ["damaged_recording"]
    assert media_files() == before


def test_audio_in_an_mp4_is_audio_and_keeps_the_audio_limit(world, client, settings):
    def build(out):
        made.encode_audio(out, made.audio_stream(out, "aac"))

    data = made.write("mp4", build)
    client.force_login(world.a.teachers["Oak"])
    assert upload(client, world, "talk.mp4", data).status_code == 302
    assert get_document_model().objects.get(title="talk.mp4").kind == "audio"
    settings.CLASSPAGES_MAX_AUDIO_BYTES = len(data) - 1
    before = media_files()
    response = upload(client, world, "talk.mp4", data, title="too long")
    assert response.status_code == 200
    assert "limit" in str(response.context["form"].errors["file"])
    assert media_files() == before


def test_a_large_upload_is_read_from_and_remuxed_to_temporary_files(
    world, client, hostile, settings, tmp_path
):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE the upload and its clean copy are files on disk;
    afterwards neither is left in the temporary folder."""
    temporary = tmp_path / "uploads"
    temporary.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(world.a.teachers["Oak"])
    response = upload(client, world, "IMG_0044.MOV", hostile["mov"])
    assert response.status_code == 302
    stored = stored_bytes(get_document_model().objects.get(title="IMG_0044.MOV"))
    assert_clean(stored)
    assert_still_plays(hostile["mov"], stored, 2)
    assert list(temporary.iterdir()) == []


@pytest.mark.parametrize("kind", ["recording", "photo"])
def test_multiple_upload_with_another_field_wrong_keeps_no_raw_copy(world, client, hostile, kind):
    """Wagtail's multiple upload would keep the file as it came (wagtail_uploads/, GPS and
    all, under its own name) when another field fails, then make the item from those raw
    bytes. The file is refused instead, saying why."""
    from wagtail.models import UploadedFile

    from tests.class_pages.media.test_metadata_stripping import phone_photo

    url, name, data = {
        "recording": ("wagtaildocs:add_multiple", "IMG_0045 Amira.mov", hostile["mov"]),
        "photo": ("wagtailimages:add_multiple", "IMG_0046 Amira.jpg", phone_photo()),
    }[kind]
    client.force_login(world.a.teachers["Oak"])
    before = media_files()
    response = client.post(
        reverse(url),
        {
            "files[]": SimpleUploadedFile(name, data),
            "title": "x" * 300,  # longer than a title may be
            "collection": world.a.classes["Oak"].collection_id,
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert "not saved" in answer["error_message"] and "at most 255" in answer["error_message"]
    assert not UploadedFile.objects.exists()
    assert media_files() == before
