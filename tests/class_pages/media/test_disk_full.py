"""The private media disk fills up while an upload is being stored. The teacher gets a form
page that says so (never a 500), nothing is kept (no partial file, no empty file, no
database row), for photos and recordings, one at a time or several at once; a rendition
made later, while a page renders, leaves no partial file either.

The disk is real where it can be: a 8 MiB tmpfs (needs root, as CI has), filled to within
a few KiB. Where mounting is refused the tmpfs cases skip, saying why, and the same cases
run with a full disk injected into the storage's write path after some bytes were written
(that variant runs everywhere)."""

import errno
import io
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.factories import ClassImageFactory, StoryPostPageFactory
from class_pages.media import storage
from class_pages.media.storage import DISK_FULL_MESSAGE, StorageFullError
from tests.class_pages.media import recording_files as made

FREE_AFTER_FILLING = 16 * 1024  # every file below is larger than this


def noisy_png(size=(300, 300)):
    """Noise does not compress: a PNG of about width × height × 3 bytes."""
    pixels = np.random.default_rng(3).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


class RealFullDisk:
    """A small tmpfs as the private media folder; fill() leaves a few KiB free."""

    kind = "tmpfs"

    def __init__(self, root):
        self.root = root
        self.filler = root / "filler.bin"

    def mount(self):
        if shutil.which("mount") is None:
            pytest.skip("no mount command: the injected full disk covers this case")
        self.root.mkdir()
        done = subprocess.run(  # noqa: S603 - fixed arguments, our own temporary folder
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(self.root)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                "cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN: "
                f"{done.stderr.strip()}); the injected full disk covers this case"
            )

    def unmount(self):
        subprocess.run(["umount", str(self.root)], check=False)  # noqa: S603, S607

    def fill(self):
        stats = os.statvfs(self.root)
        free = stats.f_bavail * stats.f_frsize
        with open(self.filler, "wb") as handle:
            handle.write(bytes(free - FREE_AFTER_FILLING))
        self.fixed = {self.filler.relative_to(self.root).as_posix()}


class InjectedFullDisk:
    """The storage's own write path reports ENOSPC once some bytes of a file are on disk
    (and, like a second filesystem, refuses to move temporary files, so they are copied)."""

    kind = "injected"

    def __init__(self, root, monkeypatch):
        self.root = root
        self.monkeypatch = monkeypatch

    def mount(self):
        self.root.mkdir()

    def unmount(self):
        pass

    def fill(self):
        self.fixed = set()
        real_open = storage._open_for_writing

        def open_on_a_full_disk(fd):
            return FillingFile(real_open(fd), room=FREE_AFTER_FILLING)

        def no_move(source, destination):
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        self.monkeypatch.setattr(storage, "_open_for_writing", open_on_a_full_disk)
        self.monkeypatch.setattr(storage, "_move", no_move)


class FillingFile:
    """A real file that takes `room` bytes, then fails as a full disk does."""

    def __init__(self, handle, room):
        self.handle, self.room = handle, room

    def write(self, data):
        if len(data) > self.room:
            self.handle.write(data[: self.room])
            self.handle.flush()  # the partial bytes really are on disk
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request, tmp_path, settings, monkeypatch):
    root = tmp_path / "private-media"
    disk = RealFullDisk(root) if request.param == "tmpfs" else InjectedFullDisk(root, monkeypatch)
    disk.mount()
    try:
        settings.MEDIA_ROOT = str(root)
        settings.PRIVATE_MEDIA_ROOT = root
        yield disk
    finally:
        disk.unmount()


def files_under(root):
    """{relative name: size} of every file in the media folder."""
    return {
        os.path.relpath(os.path.join(folder, name), root): os.path.getsize(
            os.path.join(folder, name)
        )
        for folder, _, names in os.walk(root)
        for name in names
    }


def assert_nothing_kept(disk):
    kept = files_under(disk.root)
    assert set(kept) == disk.fixed, kept
    assert 0 not in kept.values()


def assert_disk_full_form(response):
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["file"]
    assert [error.code for error in errors] == ["disk_full"]
    assert errors[0].messages == [DISK_FULL_MESSAGE]
    html = response.content.decode()
    assert "the server&#x27;s disk is full. Nothing was saved." in html


def single(client, world, url, name, data, **extra):
    return client.post(
        reverse(url),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "no_identifiable_pupil": "on",
            **extra,
        },
    )


def several(client, world, url, name, data):
    return client.post(
        reverse(url),
        {
            "files[]": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def test_photo_upload_on_a_full_disk_is_a_form_error_and_keeps_nothing(world, client, disk):
    client.force_login(world.a.teachers["Oak"])
    disk.fill()
    response = single(
        client, world, "wagtailimages:add", "class trip.png", noisy_png(), **{"description": ""}
    )
    assert_disk_full_form(response)
    assert_nothing_kept(disk)
    assert not get_image_model().objects.filter(title="class trip.png").exists()


def test_several_photos_on_a_full_disk(world, client, disk):
    client.force_login(world.a.teachers["Oak"])
    disk.fill()
    count = get_image_model().objects.count()
    response = several(client, world, "wagtailimages:add_multiple", "trip.png", noisy_png())
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer == {"success": False, "error_message": DISK_FULL_MESSAGE}
    assert_nothing_kept(disk)
    assert get_image_model().objects.count() == count


def test_recording_upload_on_a_full_disk_is_a_form_error_and_keeps_nothing(world, client, disk):
    client.force_login(world.a.teachers["Oak"])
    disk.fill()
    response = single(client, world, "wagtaildocs:add", "song.wav", made.tagged_wav())
    assert_disk_full_form(response)
    assert_nothing_kept(disk)
    assert not get_document_model().objects.filter(title="song.wav").exists()


def test_several_recordings_on_a_full_disk(world, client, disk):
    client.force_login(world.a.teachers["Oak"])
    disk.fill()
    count = get_document_model().objects.count()
    response = several(client, world, "wagtaildocs:add_multiple", "clip.mp4", made.noisy_mp4(1))
    assert response.status_code == 200
    assert json.loads(response.content) == {"success": False, "error_message": DISK_FULL_MESSAGE}
    assert_nothing_kept(disk)
    assert get_document_model().objects.count() == count


def test_rendition_made_while_a_page_renders_leaves_no_partial_file(world, client, disk):
    image = ClassImageFactory(
        title="Big photo",
        collection=world.a.classes["Oak"].collection,
        file=ImageFile(io.BytesIO(noisy_png((900, 700))), name="big.png"),
        pupils=[world.a.pupils["Oak"]],
    )
    post = StoryPostPageFactory(parent=world.a.classes["Oak"], title="Trip", photos=[image])
    disk.fill()
    disk.fixed |= set(files_under(disk.root))  # the original, stored while there was room
    client.force_login(world.a.carers["Oak"])
    with pytest.raises(StorageFullError):
        client.get(post.url)
    assert_nothing_kept(disk)
    assert not image.renditions.exists()


def test_remux_on_a_full_temporary_disk_is_a_form_error_and_keeps_nothing(
    world, client, disk, settings
):
    """The clean copy of a recording is written by FFmpeg to the temporary folder first."""
    if disk.kind != "tmpfs":
        pytest.skip("FFmpeg writes the temporary copy itself: only a real full disk shows it")
    temporary = disk.root / "tmp"
    temporary.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)
    client.force_login(world.a.teachers["Oak"])
    disk.fill()
    response = single(client, world, "wagtaildocs:add", "song.wav", made.tagged_wav())
    assert_disk_full_form(response)
    assert_nothing_kept(disk)
    assert not get_document_model().objects.filter(title="song.wav").exists()
