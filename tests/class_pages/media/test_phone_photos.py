"""Phone photos: HEIC (iPhones, iPads) and AVIF go in through the real admin upload views
and are stored as JPEG with no EXIF, GPS or XMP left, upright, and at most 3000 px on the
long edge. Wagtail's "duplicate" offer never hands anyone an older image (of another
class, another school, or their own with its old pupil tags) in place of a new upload.
Hostile HEIC/AVIF files are in hostile_images.py (every upload view, test_upload_corpus)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

from class_pages.media.uploads import STORED_MAX_SIDE
from tests.class_pages.media.hostile_images import heic_dimension_bomb, truncated_heic
from tests.class_pages.media.test_metadata_stripping import (
    GPS_IFD,
    ORIENTATION,
    assert_no_metadata,
)


def phone_photo(fmt, size=(300, 200)):
    """A photo as a phone writes it: GPS, camera make, orientation 6 (turn 90°), XMP.
    The left half is blue, to see the turn. pillow-heif turns a HEIC's pixels itself on
    saving (as an iPhone does with its `irot` box); AVIF keeps the EXIF orientation."""
    picture = Image.new("RGB", size, (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    buffer = io.BytesIO()
    picture.save(buffer, fmt, quality=70, exif=exif.tobytes(), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>")
    data = buffer.getvalue()
    assert b"PhoneMaker" in data and b"xmpmeta" in data  # the fixture really carries it
    return data


def add_one(client, world, data, name, class_name="Oak", school="a"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": getattr(world, school).classes[class_name].collection_id,
            "tags": "",
            "description": "",
        },
    )


def add_multiple(client, collection_id, data, name):
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile(name, data), "collection": collection_id},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    return json.loads(response.content)


def stored_bytes(image):
    with image.open_file() as handle:
        return handle.read()


def assert_stored_upright_jpeg(image):
    data = stored_bytes(image)
    assert data[:3] == b"\xff\xd8\xff" and image.file.name.endswith(".jpg")
    assert_no_metadata(data)
    assert (image.width, image.height) == (200, 300)  # orientation applied
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG" and picture.size == (200, 300)
        # The blue half was on the left; after the 90° turn it is at the top.
        assert picture.convert("RGB").getpixel((100, 10))[2] > 150
        assert picture.convert("RGB").getpixel((100, 290))[0] > 150


def test_heic_through_the_one_file_form_is_stored_as_clean_upright_jpeg(world, client):
    client.force_login(world.a.teachers["Oak"])
    assert add_one(client, world, phone_photo("HEIF"), "IMG_0001.HEIC").status_code == 302
    assert_stored_upright_jpeg(get_image_model().objects.get(title="IMG_0001.HEIC"))


def test_avif_through_multiple_upload_is_stored_as_clean_upright_jpeg(world, client):
    client.force_login(world.a.teachers["Oak"])
    result = add_multiple(
        client, world.a.classes["Oak"].collection_id, phone_photo("AVIF"), "photo.avif"
    )
    assert result["success"], result
    assert_stored_upright_jpeg(get_image_model().objects.get(pk=result["image_id"]))


def test_upload_dialog_offers_heic_and_avif(world, client):
    client.force_login(world.a.teachers["Oak"])
    html = client.get(reverse("wagtailimages:add_multiple")).content.decode()
    assert "image/heic" in html and "image/avif" in html


@pytest.mark.parametrize(("fmt", "size"), [("HEIF", (3400, 160)), ("JPEG", (200, 3600))])
def test_large_photos_are_scaled_to_the_stored_maximum(world, client, fmt, size):
    picture = Image.new("RGB", size, (90, 140, 60))
    buffer = io.BytesIO()
    picture.save(buffer, fmt, quality=60)
    client.force_login(world.a.teachers["Oak"])
    assert add_one(client, world, buffer.getvalue(), f"big-{fmt}").status_code == 302
    image = get_image_model().objects.get(title=f"big-{fmt}")
    with Image.open(io.BytesIO(stored_bytes(image))) as stored:
        assert max(stored.size) == STORED_MAX_SIDE == max(image.width, image.height)
        ratio = stored.size[0] / stored.size[1]
        assert abs(ratio - size[0] / size[1]) / ratio < 0.02  # proportions kept


@pytest.mark.parametrize("fmt", ["JPEG", "AVIF"])
def test_a_scaled_photo_is_turned_upright_too(world, client, fmt):
    client.force_login(world.a.teachers["Oak"])
    data = phone_photo(fmt, size=(3200, 200))  # orientation 6: upright it is 200 x 3200
    assert add_one(client, world, data, f"tall-{fmt}").status_code == 302
    image = get_image_model().objects.get(title=f"tall-{fmt}")
    stored = stored_bytes(image)
    assert_no_metadata(stored)
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (188, 3000)
        assert picture.convert("RGB").getpixel((94, 100))[2] > 150  # blue at the top
        assert picture.convert("RGB").getpixel((94, 2900))[0] > 150  # red at the bottom


@pytest.mark.parametrize("make", [truncated_heic, heic_dimension_bomb])
def test_hostile_heic_is_a_clear_error_in_the_form(world, client, make):
    client.force_login(world.a.teachers["Oak"])
    response = add_one(client, world, make(), "hostile.heic")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "damaged" in errors or "not a photo" in errors, errors
    assert not get_image_model().objects.filter(title="hostile.heic").exists()


# --- duplicates ----------------------------------------------------------------------------

SAME_PHOTO = phone_photo("HEIF")


def test_reupload_of_own_tagged_photo_is_a_new_untagged_image(world, client):
    """Without the fix Wagtail's multiple upload answers duplicate=True and offers the old
    image, whose tags (another pupil) the teacher never chose for this upload."""
    teacher, oak = world.a.teachers["Oak"], world.a.classes["Oak"]
    client.force_login(teacher)
    first = add_multiple(client, oak.collection_id, SAME_PHOTO, "trip.heic")
    old = get_image_model().objects.get(pk=first["image_id"])
    old.pupils.set([world.a.pupils["Oak"]])

    second = add_multiple(client, oak.collection_id, SAME_PHOTO, "trip.heic")
    assert second["success"] and second["duplicate"] is False
    assert "confirm_duplicate_upload" not in second
    new = get_image_model().objects.get(pk=second["image_id"])
    assert new.pk != old.pk and list(new.pupils.all()) == []
    assert stored_bytes(new) == stored_bytes(old)  # the same photo: only the offer is gone

    # The teacher's own choice of tags (none here, with the statement) is what is stored.
    response = client.post(
        reverse("wagtailimages:edit_multiple", args=[new.pk]),
        {
            f"image-{new.pk}-title": "trip",
            f"image-{new.pk}-collection": oak.collection_id,
            f"image-{new.pk}-tags": "",
            f"image-{new.pk}-description": "",
            f"image-{new.pk}-no_identifiable_pupil": "on",
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert json.loads(response.content)["success"]
    new.refresh_from_db()
    assert list(new.pupils.all()) == [] and new.no_identifiable_pupil
    assert list(old.pupils.all()) == [world.a.pupils["Oak"]]  # the old image untouched


@pytest.mark.parametrize(
    ("owner", "uploader"),
    [
        (("a", "Willow"), "leader"),  # a leader may choose every class's images
        (("a", "Willow"), "teacher"),  # another class of the same school
        (("b", "Rowan"), "teacher"),  # another school
    ],
)
def test_no_upload_is_offered_an_image_of_another_class(world, client, owner, uploader):
    school, class_name = owner
    client.force_login(getattr(world, school).teachers[class_name])
    first = add_multiple(
        client, getattr(world, school).classes[class_name].collection_id, SAME_PHOTO, "same.heic"
    )
    assert first["success"]
    other = get_image_model().objects.get(pk=first["image_id"])
    other.pupils.set([getattr(world, school).pupils[class_name]])
    get_image_model().objects.filter(pk=other.pk).update(title=f"{class_name} class trip")

    user = world.a.leader if uploader == "leader" else world.a.teachers["Oak"]
    client.force_login(user)
    result = add_multiple(client, world.a.classes["Oak"].collection_id, SAME_PHOTO, "same.heic")
    assert result["success"] and result["duplicate"] is False
    offered = json.dumps(result)
    assert f"{class_name} class trip" not in offered and f"/images/{other.pk}/" not in offered
    assert get_image_model().objects.get(pk=result["image_id"]).pupils.count() == 0


def test_chooser_upload_never_offers_the_existing_image(world, client):
    """The image chooser's upload (inside the page editor) offers "Use existing and delete
    new" on a duplicate: that would put the old image, with its old tags, into the post."""
    oak = world.a.classes["Oak"]
    client.force_login(world.a.teachers["Oak"])
    assert add_multiple(client, oak.collection_id, SAME_PHOTO, "class.heic")["success"]
    response = client.post(
        reverse("wagtailimages_chooser:create"),
        {
            "image-chooser-upload-title": "class again",
            "image-chooser-upload-file": SimpleUploadedFile("class.heic", SAME_PHOTO),
            "image-chooser-upload-collection": oak.collection_id,
            "image-chooser-upload-tags": "",
            "image-chooser-upload-description": "",
            "image-chooser-upload-no_identifiable_pupil": "on",
        },
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["step"] == "chosen", data.get("step")
    assert data["result"]["title"] == "class again"
