"""The admin API's image and document endpoints answer only with media the user may
choose (class_pages.media.admin_api): stock Wagtail 8 lists every image of every school
to any admin user, by id or in the listing."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from tests.helpers import browser

IMAGES = "/admin/api/main/images/"
DOCUMENTS = "/admin/api/main/documents/"


def titles(response):
    return {item["title"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("who", "own", "foreign"),
    [
        ("teacher:Willow", "Willow", "Oak"),
        ("teacher:Oak", "Oak", "Rowan"),
        ("leader:b", "Rowan", "Oak"),
        ("leader:a", "Willow", "Rowan"),
    ],
)
def test_images_api_answers_only_with_what_the_user_may_choose(world, who, own, foreign):
    role, name = who.split(":")
    user = world.a.leader if who == "leader:a" else world.b.leader
    if role == "teacher":
        user = world.a.teachers[name]
    images = {**world.a.images, **world.b.images}
    client = browser(user)
    listing = client.get(IMAGES)
    assert listing.status_code == 200
    assert f"{own} photo" in titles(listing)
    assert f"{foreign} photo" not in titles(listing)
    assert client.get(f"{IMAGES}{images[own].pk}/").status_code == 200
    refused = client.get(f"{IMAGES}{images[foreign].pk}/")
    assert refused.status_code == 404
    assert f"{foreign} photo" not in refused.content.decode()


def test_documents_api_answers_only_with_what_the_user_may_choose(world):
    media_model = get_document_model()
    oak = media_model.objects.create(
        title="Oak recording",
        collection=world.a.classes["Oak"].collection,
        file=ContentFile(b"ID3 not really audio", name="oak.mp3"),
    )
    willow_teacher = browser(world.a.teachers["Willow"])
    assert "Oak recording" not in titles(willow_teacher.get(DOCUMENTS))
    assert willow_teacher.get(f"{DOCUMENTS}{oak.pk}/").status_code == 404
    oak_teacher = browser(world.a.teachers["Oak"])
    assert "Oak recording" in titles(oak_teacher.get(DOCUMENTS))
    assert oak_teacher.get(f"{DOCUMENTS}{oak.pk}/").status_code == 200


def test_the_admin_api_is_read_only(world):
    """It takes no POST (so it needs no CSRF case: tests/security/test_csrf.py)."""
    client = browser(world.a.teachers["Oak"])
    image = world.a.images["Oak"]
    for url in (IMAGES, f"{IMAGES}{image.pk}/", DOCUMENTS):
        assert client.post(url, {"title": "changed"}).status_code == 405, url
    image.refresh_from_db()
    assert image.title == "Oak photo"
