"""A school can print its name on every photo carers see; then carers get only the
watermarked display rendition, never the plain one."""

import io

from PIL import Image
from wagtail.models import Site

from class_pages.media.photos import DISPLAY_SPEC, WATERMARKED_SPEC
from class_pages.models import SchoolSettings
from tests.helpers import RENDITION_SRC


def watermark_on(world):
    settings = SchoolSettings.for_site(Site.objects.get(root_page=world.a.school))
    settings.watermark_carer_photos = True
    settings.save()


def pixels(response):
    return Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB")


def test_carers_see_watermarked_photos_when_the_school_asks(world, client):
    image = world.a.images["Oak"]
    plain_url = image.get_rendition(DISPLAY_SPEC).url
    watermark_on(world)
    client.force_login(world.a.carers["Oak"])
    html = client.get(world.a.classes["Oak"].url).content.decode()
    shown = RENDITION_SRC.findall(html)
    marked = image.get_rendition(WATERMARKED_SPEC)
    assert shown == [marked.url]
    assert client.get(world.a.posts["Oak"].url).content.decode().count(marked.url) == 1

    response = client.get(marked.url)
    assert response.status_code == 200
    plain = image.get_rendition(DISPLAY_SPEC)
    with plain.file.open("rb") as handle:
        original = Image.open(io.BytesIO(handle.read())).convert("RGB")
    stamped = pixels(response)
    corner = (stamped.width - 5, stamped.height - 5)
    assert stamped.getpixel(corner) != original.getpixel(corner)  # darkened band
    assert stamped.getpixel((5, 5)) == original.getpixel((5, 5))  # rest untouched

    assert client.get(plain_url).status_code == 404  # the plain one is not for carers now


def test_staff_still_get_plain_renditions(world, client):
    watermark_on(world)
    client.force_login(world.a.teachers["Oak"])
    url = world.a.images["Oak"].get_rendition(DISPLAY_SPEC).url
    assert client.get(url).status_code == 200


def test_without_the_setting_carers_get_the_plain_display_size_only(world, client):
    client.force_login(world.a.carers["Oak"])
    image = world.a.images["Oak"]
    assert client.get(image.get_rendition(DISPLAY_SPEC).url).status_code == 200
    for spec in ("original", "width-3000", "max-165x165", WATERMARKED_SPEC):
        assert client.get(image.get_rendition(spec).url).status_code == 404, spec
