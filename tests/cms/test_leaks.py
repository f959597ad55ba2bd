"""Nothing reveals a class to someone who may not see it: the stock Wagtail views that
would (search, sitemap, API, documents, public media, the dynamic image serve view) are
not mounted; odd or hostile URLs answer 404 or a sign-in redirect, never a 500 and never
another class's content; and error pages name no class."""

import re
from urllib.parse import urlsplit

import pytest
from wagtail.images.utils import generate_signature

from class_pages.models import ClassIndexPage
from tests.helpers import assert_private

FEED_RENDITION = "fill-800x600"
# Every name that would tell a visitor which classes exist or what happens in them.
CLASS_WORDS = {
    "Oak": [b"Oak, 2026-27", b"Oak news", b"Oak photo", b"oak-2026-27"],
    "Willow": [b"Willow, 2026-27", b"Willow news", b"Willow photo", b"willow-2026-27"],
    "Rowan": [b"Rowan, 2026-27", b"Rowan news", b"Rowan photo", b"rowan-2026-27"],
}
CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def assert_names_no_class(response, *class_names):
    content = response.content if not response.streaming else b""
    for name in class_names or CLASS_WORDS:
        for word in CLASS_WORDS[name]:
            assert word not in content, word


def path_of(page):
    return urlsplit(page.get_url_parts()[2]).path


def sign_in_as(client, world, who):
    if who == "carer:Oak":
        client.force_login(world.a.carers["Oak"])
    elif who == "teacher:Willow":
        client.force_login(world.a.teachers["Willow"])
    return client


# --- stock views that would list private content are not mounted ----------------------


NOT_MOUNTED = [
    "/search/",
    "/search/?q=Oak",
    "/search/?query=news",
    "/sitemap.xml",
    "/api/v2/pages/",
    "/api/v2/pages/?search=news",
    "/api/v2/pages/?type=class_pages.ClassPage",
    "/api/v2/images/",
    "/api/v2/documents/",
    "/documents/",
    "/documents/1/",
    "/documents/1/report.pdf",
    "/media/",
    "/images/",
    "/feed/",
    "/rss/",
    "/calendar.ics",
]


@pytest.mark.parametrize("who", ["anonymous", "carer:Oak", "teacher:Willow"])
@pytest.mark.parametrize("path", NOT_MOUNTED)
def test_listing_views_are_not_mounted(world, client, who, path):
    sign_in_as(client, world, who)
    response = client.get(path)
    assert response.status_code == 404
    assert_private(response)
    assert_names_no_class(response)


@pytest.mark.parametrize("who", ["anonymous", "carer:Oak"])
@pytest.mark.parametrize("kind", ["original", "rendition"])
def test_stored_files_are_not_published_under_media(world, client, who, kind):
    """The real storage names, under /media/ or the storage root: nothing answers."""
    sign_in_as(client, world, who)
    image = world.a.images["Oak"]
    name = image.file.name if kind == "original" else image.get_rendition(FEED_RENDITION).file.name
    for path in (f"/media/{name}", f"/{name}", f"/private-media/{name}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert not response.get("Content-Type", "").startswith("image/")


@pytest.mark.parametrize("who", ["anonymous", "carer:Oak", "teacher:Willow"])
def test_wagtail_image_serve_view_is_not_mounted(world, client, who):
    """Even with a valid signature, /images/<signature>/<id>/<filter>/ answers 404."""
    sign_in_as(client, world, who)
    image = world.a.images["Oak"]
    for spec in (FEED_RENDITION, "original", "width-100"):
        signature = generate_signature(image.pk, spec)
        for path in (
            f"/images/{signature}/{image.pk}/{spec}/",
            f"/images/{signature}/{image.pk}/{spec}/photo.png",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert not response.get("Content-Type", "").startswith("image/")


# --- odd and hostile URLs ----------------------------------------------------------


MALFORMED_FILE_URLS = [
    "/files/../../etc/passwd",
    "/files/%2e%2e/%2e%2e/etc/passwd",
    "/files/images/..%2f..%2f..%2fetc/passwd",
    "/files/..%2fcms%2fsettings%2fbase.py",
    "/files//etc/passwd",
    "/files/%2Fetc%2Fpasswd",
    "/files/%00",
    "/files/images/%00.png",
    "/files/original_images/doesnotexist.png",
    "/files/images/doesnotexist.png",
    "/files/images/",
    "/files/images",
    "/files/.",
    "/files/%ff%fe",
    "/files/" + "a" * 2000,
]


@pytest.mark.parametrize("path", MALFORMED_FILE_URLS)
def test_malformed_file_urls_are_404_for_a_carer(world, client, path):
    client.force_login(world.a.carers["Oak"])
    response = client.get(path)
    assert response.status_code == 404
    assert_private(response)
    assert not response.get("Content-Type", "").startswith("image/")
    assert b"root:" not in response.content  # /etc/passwd
    assert b"SECRET_KEY" not in response.content


@pytest.mark.parametrize("path", MALFORMED_FILE_URLS[:4] + ["/files/%00"])
def test_malformed_file_urls_send_anonymous_visitors_to_sign_in(world, client, path):
    response = client.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"].startswith("/sign-in/?next=")
    assert_private(response)


def test_willow_post_requested_by_the_oak_carer_is_404(world, client):
    client.force_login(world.a.carers["Oak"])
    post = world.a.posts["Willow"]
    for path in (
        path_of(post),
        path_of(post) + "?page=2",
        path_of(world.a.classes["Willow"]) + "?page=<script>",
        path_of(world.a.classes["Willow"]) + "willow-news/../",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_private(response)
        assert_names_no_class(response, "Willow", "Rowan")


def test_rowan_pages_requested_on_the_wrong_site_are_404(world, client):
    """School B's paths asked of school A's host do not reach school B's pages."""
    client.force_login(world.a.carers["Oak"])
    for page in (world.b.classes["Rowan"], world.b.posts["Rowan"]):
        for host in ("testserver", "other.test"):
            response = client.get(path_of(page), HTTP_HOST=host)
            assert response.status_code == 404
            assert_names_no_class(response, "Willow", "Rowan")


def test_script_in_page_number_is_not_reflected(world, client):
    client.force_login(world.a.carers["Oak"])
    response = client.get(path_of(world.a.classes["Oak"]), {"page": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert_names_no_class(response, "Willow", "Rowan")


@pytest.mark.parametrize("who", ["anonymous", "carer:Oak"])
@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page/",
        "/classes/no-such-class/",
        "/classes/oak-2026-27/no-such-post/",
        "/whole-school-story/no-such-post/",
        "/%00/",
        "/classes/%ff/",
        "/classes/oak-2026-27/" + "x" * 1000 + "/",
    ],
)
def test_unknown_urls_are_404_not_500(world, client, who, path):
    sign_in_as(client, world, who)
    response = client.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"].startswith("/sign-in/")
    assert_names_no_class(response, "Willow", "Rowan")


# --- error pages and public pages name no class ---------------------------------------


def test_404_page_for_a_signed_in_carer_names_no_other_class(world, client):
    client.force_login(world.a.carers["Oak"])
    for path in ("/no-such-page/", path_of(world.a.classes["Willow"])):
        response = client.get(path)
        assert response.status_code == 404
        assert_private(response)
        assert b"We could not find that page" in response.content
        assert_names_no_class(response, "Willow", "Rowan")


@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param("class", id="class-page"),
        pytest.param("post", id="post-page"),
    ],
)
def test_a_hidden_class_looks_exactly_like_a_missing_one(world, client, hidden):
    """The carer of Oak cannot tell Willow exists: same status, same page."""
    client.force_login(world.a.carers["Oak"])
    if hidden == "class":
        existing, missing = path_of(world.a.classes["Willow"]), "/classes/no-such-class/"
    else:
        existing, missing = path_of(world.a.posts["Willow"]), "/classes/oak-2026-27/no-such-post/"
    one, other = client.get(existing), client.get(missing)
    assert one.status_code == other.status_code == 404
    assert CSRF_VALUE.sub(b"", one.content) == CSRF_VALUE.sub(b"", other.content)
    assert one.get("Cache-Control") == other.get("Cache-Control")


@pytest.mark.parametrize("method", ["options", "trace"])
def test_other_http_methods_do_not_reveal_a_hidden_class(world, client, method):
    """OPTIONS or TRACE on Willow's page must answer like a page that does not exist."""
    client.force_login(world.a.carers["Oak"])
    request = getattr(client, method)
    existing = request(path_of(world.a.classes["Willow"]))
    missing = request("/classes/no-such-class/")
    assert missing.status_code == 404
    assert existing.status_code == 404
    assert "Allow" not in existing


@pytest.mark.parametrize("who", ["anonymous", "carer:Oak", "teacher:Willow"])
def test_public_school_page_names_no_class(world, client, who):
    sign_in_as(client, world, who)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Alder Primary" in response.content
    assert_names_no_class(response)


def test_class_index_sends_carers_to_my_classes(world, client):
    index = ClassIndexPage.objects.child_of(world.a.school).get()
    assert client.get(path_of(index))["Location"].startswith("/sign-in/")
    client.force_login(world.a.carers["Oak"])
    response = client.get(path_of(index))
    assert response.status_code == 302
    assert response["Location"] == "/my-classes/"
    assert_names_no_class(response)


# --- the admin shows no other class to carers or teachers ------------------------------


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/pages/search/?q=Willow", "/admin/choose-page/search/?q=Willow"],
)
def test_carer_cannot_use_the_admin(world, client, path):
    client.force_login(world.a.carers["Oak"])
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert_names_no_class(response)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/pages/search/?q=Oak",
        "/admin/pages/search/?q=news",
        "/admin/choose-page/",
        "/admin/choose-page/search/?q=Oak",
        "/admin/images/",
        "/admin/images/?q=Oak",
        "/admin/images/chooser/?q=Oak",
    ],
)
def test_teacher_sees_no_other_class_in_the_admin(world, client, path):
    client.force_login(world.a.teachers["Willow"])
    response = client.get(path)
    assert response.status_code == 200
    assert_names_no_class(response, "Oak", "Rowan")


def test_teacher_cannot_open_another_class_in_the_admin(world, client):
    client.force_login(world.a.teachers["Willow"])
    oak, post = world.a.classes["Oak"], world.a.posts["Oak"]
    index = ClassIndexPage.objects.child_of(world.a.school).get()
    for path in (
        f"/admin/pages/{oak.pk}/",
        f"/admin/pages/{oak.pk}/edit/",
        f"/admin/pages/{post.pk}/edit/",
        f"/admin/pages/{post.pk}/view_draft/",
        f"/admin/choose-page/{index.pk}/",
        f"/admin/images/{world.a.images['Oak'].pk}/",
    ):
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404), path
        assert_names_no_class(response, "Oak", "Rowan")
