"""Every hostile image made in code (hostile_images.py: truncated, bombs, polyglots, zero
width and height, bad EXIF) and, where ../shared/ is beside this checkout, every file of
the shared bad-image corpus, uploaded through the admin (single and multiple upload),
ends in a clear form error or a clean accepted image: never a 500, and a refused file
leaves nothing on disk. Bombs and images of no pixels are always refused."""

import io
import json
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

from tests.class_pages.media.hostile_images import CASES
from tests.helpers import audit_unless_sampled

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "bad-images"
CORPUS_FILES = sorted(CORPUS.glob("*"))
UPLOADS = [
    pytest.param(case.name, case.make, case.must_refuse, id=f"generated:{case.name}")
    for case in CASES
] + [
    audit_unless_sampled(pytest.param(path.name, path.read_bytes, False, id=f"corpus:{path.name}"))
    for path in CORPUS_FILES
]


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def assert_clean(image):
    """Accepted: a readable image with no metadata left in the stored original."""
    with image.open_file() as handle, Image.open(handle) as picture:
        picture.load()
        assert not picture.getexif(), f"EXIF left in {image.file.name}"
        for key in ("exif", "xmp", "comment", "icc_profile", "photoshop", "XML:com.adobe.xmp"):
            assert key not in picture.info, f"{key} left in {image.file.name}"


def test_corpus_is_there():
    if not CORPUS.parent.parent.exists():
        pytest.skip("no ../shared/ beside this checkout: the corpus uploads run where it is")
    assert len(CORPUS_FILES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_generated_file_is_as_hostile_as_it_says(case):
    """So that a maker that drifts into making a harmless file fails here."""
    data = case.make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if case.pillow is not None:
            with pytest.raises(case.pillow), Image.open(io.BytesIO(data)) as picture:
                picture.load()
            return
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            if case.hidden == "gps":
                assert picture.getexif().get_ifd(0x8825)
            else:
                assert case.hidden in data


@pytest.mark.parametrize(("name", "content", "must_refuse"), UPLOADS)
def test_single_upload(world, client, name, content, must_refuse):
    client.force_login(world.a.teachers["Oak"])
    before = stored_files()
    upload = SimpleUploadedFile(name, content())
    title = Path(name).stem
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": title,
            "file": upload,
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "description": "",
        },
    )
    assert response.status_code in (200, 302), response.status_code
    image = get_image_model().objects.filter(title=title).first()
    assert not (must_refuse and image), "accepted"
    if response.status_code == 200:
        assert image is None
        assert response.context["form"].errors.get("file"), "refused without a clear message"
        assert stored_files() == before, "a refused upload left a file behind"
    else:
        assert image is not None
        assert_clean(image)


@pytest.mark.parametrize(("name", "content", "must_refuse"), UPLOADS)
def test_multiple_upload(world, client, name, content, must_refuse):
    client.force_login(world.a.teachers["Oak"])
    before = stored_files()
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {
            "files[]": SimpleUploadedFile(name, content()),
            "collection": world.a.classes["Oak"].collection_id,
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200, response.status_code
    result = json.loads(response.content)
    assert not (must_refuse and result.get("success")), "accepted"
    if result.get("success"):
        image = get_image_model().objects.get(pk=result["image_id"])
        assert_clean(image)
    else:
        assert result.get("error_message"), "refused without a clear message"
        assert stored_files() == before, "a refused upload left a file behind"
