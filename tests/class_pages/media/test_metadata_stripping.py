"""Photos from a phone carry where and when they were taken. Uploads keep none of it:
EXIF (GPS included), XMP and comments are gone from the stored original and from every
rendition served, and the orientation is applied first so nothing ends up sideways."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model

from tests.helpers import RENDITION_SRC

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_photo(fmt="JPEG"):
    """A 300x200 photo with GPS position, camera make, orientation 6 (rotate 90°), an
    XMP packet and a comment, as a phone would write it."""
    picture = Image.new("RGB", (300, 200), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, 150, 200))  # left half blue, to see the rotation
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 12"
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    buffer = io.BytesIO()
    extra = {"comment": b"Taken at 12 Acacia Avenue"} if fmt == "JPEG" else {}
    picture.save(buffer, fmt, exif=exif, xmp=b"<x:xmpmeta>GPS 51.5 -0.12</x:xmpmeta>", **extra)
    data = buffer.getvalue()
    assert b"PhoneMaker" in data and b"xmpmeta" in data  # the fixture really carries it
    return data


def assert_no_metadata(data):
    assert b"PhoneMaker" not in data and b"xmpmeta" not in data and b"Acacia" not in data
    with Image.open(io.BytesIO(data)) as picture:
        assert not picture.getexif()
        assert not picture.getexif().get_ifd(GPS_IFD)
        for key in ("exif", "xmp", "comment", "XML:com.adobe.xmp"):
            assert key not in picture.info


def upload(client, world, data, name):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, data),
            "collection": world.a.classes["Oak"].collection_id,
            "tags": "",
            "description": "",
        },
    )


def test_uploaded_jpeg_is_stored_without_metadata_and_upright(world, client):
    client.force_login(world.a.teachers["Oak"])
    assert upload(client, world, phone_photo(), "IMG_0001.jpg").status_code == 302
    image = get_image_model().objects.get(title="IMG_0001.jpg")
    with image.open_file() as handle:
        stored = handle.read()
    assert_no_metadata(stored)
    assert (image.width, image.height) == (200, 300)  # orientation 6 applied
    with Image.open(io.BytesIO(stored)) as picture:
        # The blue half was on the left; after the 90° turn it is at the top.
        assert picture.convert("RGB").getpixel((100, 10))[2] > 150


def test_webp_with_metadata_is_cleaned_too(world, client):
    client.force_login(world.a.teachers["Oak"])
    assert upload(client, world, phone_photo("WEBP"), "phone.webp").status_code == 302
    image = get_image_model().objects.get(title="phone.webp")
    with image.open_file() as handle:
        assert_no_metadata(handle.read())


def test_served_renditions_carry_no_metadata(world, client):
    client.force_login(world.a.teachers["Oak"])
    upload(client, world, phone_photo(), "IMG_0002.jpg")
    image = get_image_model().objects.get(title="IMG_0002.jpg")
    for spec in ("fill-800x600", "width-400", "original"):
        url = image.get_rendition(spec).url
        response = client.get(url)
        assert response.status_code == 200
        assert_no_metadata(b"".join(response.streaming_content))


def test_carer_feed_images_carry_no_metadata(world, client):
    client.force_login(world.a.carers["Oak"])
    html = client.get(world.a.classes["Oak"].url).content.decode()
    urls = RENDITION_SRC.findall(html)
    assert urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        with Image.open(io.BytesIO(data)) as picture:
            assert not picture.getexif()
