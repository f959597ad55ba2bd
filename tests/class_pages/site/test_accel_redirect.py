"""The authorising file view with MEDIA_ACCEL_REDIRECT set: it decides who may see a
file exactly as before, but hands the bytes to nginx with an `X-Accel-Redirect` header
(an `internal` location) instead of streaming them. Refusals must never carry that
header, or nginx would serve the file anyway."""

from urllib.parse import urlsplit

import pytest

from class_pages.models import ClassRendition
from tests.helpers import assert_private

ACCEL = "/protected-files/"
FEED_RENDITION = "fill-800x600"


@pytest.fixture(autouse=True)
def _accel(settings):
    settings.MEDIA_ACCEL_REDIRECT = ACCEL


def host_of(ns):
    """The hostname of a school's own site."""
    _, root_url, _ = ns.school.get_url_parts()
    return urlsplit(root_url).hostname


def rendition_of(ns, class_name):
    return ns.images[class_name].get_rendition(FEED_RENDITION)


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_carer_of_the_class_gets_the_rendition_through_nginx(world, client):
    ns = world.a
    rendition = rendition_of(ns, "Oak")
    name = rendition.file.name
    assert name.startswith("images/")
    assert rendition.url == "/files/" + name
    client.force_login(ns.carers["Oak"])

    response = client.get(rendition.url, HTTP_HOST=host_of(ns))

    assert response.status_code == 200
    # Exactly the stored name under the internal location, nothing more.
    assert response["X-Accel-Redirect"] == "/protected-files/" + name
    assert response["X-Accel-Redirect"].startswith("/protected-files/images/")
    assert not response.streaming
    assert body(response) == b""
    assert_private(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_the_header_names_the_stored_file_whatever_the_prefix_spelling(world, client, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-files"  # no trailing slash
    ns = world.a
    rendition = rendition_of(ns, "Oak")
    client.force_login(ns.carers["Oak"])
    response = client.get(rendition.url, HTTP_HOST=host_of(ns))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == ACCEL + rendition.file.name


@pytest.mark.parametrize(
    ("viewer_school", "viewer_class", "class_name"),
    [
        pytest.param("a", "Willow", "Oak", id="same-school-other-class"),
        pytest.param("b", "Rowan", "Oak", id="other-school"),
        pytest.param("a", "Oak", "Rowan", id="other-school-2"),
    ],
)
def test_carer_of_another_class_gets_404_without_the_header(
    world, client, viewer_school, viewer_class, class_name
):
    owner = world.a if class_name in world.a.classes else world.b
    rendition = rendition_of(owner, class_name)
    client.force_login(getattr(world, viewer_school).carers[viewer_class])

    response = client.get(rendition.url, HTTP_HOST=host_of(owner))

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    assert_private(response)


def test_anonymous_visitor_is_sent_to_sign_in_without_the_header(world, client):
    ns = world.a
    rendition = rendition_of(ns, "Oak")

    response = client.get(rendition.url, HTTP_HOST=host_of(ns))

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/sign-in/"
    assert "X-Accel-Redirect" not in response
    assert_private(response)


def test_original_is_refused_to_the_carer_without_the_header(world, client):
    ns = world.a
    image = ns.images["Oak"]
    client.force_login(ns.carers["Oak"])
    # The carer does see the rendition: the refusal is about the original only.
    assert client.get(rendition_of(ns, "Oak").url, HTTP_HOST=host_of(ns)).status_code == 200

    response = client.get(image.file.url, HTTP_HOST=host_of(ns))

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    assert_private(response)


def test_original_goes_to_the_class_teacher_through_nginx(world, client):
    ns = world.a
    image = ns.images["Oak"]
    name = image.file.name
    assert name.startswith("original_images/")
    assert not ClassRendition.objects.filter(file=name).exists()
    client.force_login(ns.teachers["Oak"])

    response = client.get(image.file.url, HTTP_HOST=host_of(ns))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-files/" + name
    assert body(response) == b""
    assert_private(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_teacher_of_another_class_gets_404_for_the_original_without_the_header(world, client):
    ns = world.a
    client.force_login(ns.teachers["Willow"])
    response = client.get(ns.images["Oak"].file.url, HTTP_HOST=host_of(ns))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


@pytest.mark.parametrize(
    "tail",
    ["images/../original_images/x.png", "images/%00.png", "../etc/passwd", "images/"],
)
def test_names_that_are_not_ours_get_404_without_the_header(world, client, tail):
    client.force_login(world.a.teachers["Oak"])
    response = client.get("/files/" + tail, HTTP_HOST=host_of(world.a))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
