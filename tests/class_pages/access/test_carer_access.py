"""Who may fetch what on the carers' side of the site: a permission matrix over every
carer-facing URL (class page, post page, image rendition, original image, "My classes",
the whole-school story) for carers, staff, anonymous visitors and accounts whose access
has ended. Everything goes through the real URLs with Django's test client."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    StoryPostPageFactory,
)
from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassPageUserObjectPermission,
    Enrolment,
    SchoolStoryIndexPage,
)
from tests.helpers import RENDITION_SRC, assert_private

FEED_RENDITION = "fill-800x600"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASS_TITLES = {"Oak": "Oak, 2026-27", "Willow": "Willow, 2026-27", "Rowan": "Rowan, 2026-27"}


# --- helpers ------------------------------------------------------------------------


def assert_sign_in_redirect(response, path):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/sign-in/"
    assert parse_qs(location.query)["next"] == [path]


def school_of(world, class_name):
    return world.a if class_name in world.a.classes else world.b


def where(page):
    """(path, host) that reaches a page on its own school's site."""
    _, root_url, path = page.get_url_parts()
    return path, urlsplit(root_url).hostname


def urls_of(world, class_name):
    """Every carer-facing URL around one class, as (path, host)."""
    ns = school_of(world, class_name)
    _, host = where(ns.school)
    image = ns.images[class_name]
    story = SchoolStoryIndexPage.objects.child_of(ns.school).get()
    return {
        "class": where(ns.classes[class_name]),
        "post": where(ns.posts[class_name]),
        "rendition": (image.get_rendition(FEED_RENDITION).url, host),
        "original": (image.file.url, host),
        "my_classes": ("/my-classes/", host),
        "story": where(story),
    }


def fetch(client, target):
    path, host = target
    return client.get(path, HTTP_HOST=host)


def person(world, who):
    """The user named like carer:Oak, teacher:Willow, leader:a or office:b."""
    role, _, name = who.partition(":")
    if role in ("leader", "office"):
        return getattr(getattr(world, name), role)
    return getattr(school_of(world, name), role + "s")[name]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- the carer of the class --------------------------------------------------------


@pytest.mark.parametrize("class_name", ["Oak", "Willow", "Rowan"])
@pytest.mark.parametrize("kind", ["class", "post"])
def test_carer_of_the_class_sees_its_pages(world, client, class_name, kind):
    ns = school_of(world, class_name)
    client.force_login(ns.carers[class_name])
    response = fetch(client, urls_of(world, class_name)[kind])
    assert response.status_code == 200
    assert_private(response)
    assert f"{class_name} news".encode() in response.content
    if kind == "class":
        assert CLASS_TITLES[class_name].encode() in response.content


@pytest.mark.parametrize("class_name", ["Oak", "Willow", "Rowan"])
def test_carer_of_the_class_fetches_the_renditions_its_page_shows(world, client, class_name):
    ns = school_of(world, class_name)
    client.force_login(ns.carers[class_name])
    page = fetch(client, urls_of(world, class_name)["class"])
    shown = RENDITION_SRC.findall(page.content.decode())
    # The URL carers really get is the one the matrix uses, and it tells nothing.
    assert shown == [ns.images[class_name].get_rendition(FEED_RENDITION).url]
    assert class_name.lower() not in shown[0] and "photo" not in shown[0]

    response = client.get(shown[0], HTTP_HOST=where(ns.school)[1])
    assert response.status_code == 200
    assert_private(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert body(response).startswith(PNG_MAGIC)


@pytest.mark.parametrize("class_name", ["Oak", "Rowan"])
def test_carer_gets_my_classes_and_the_school_story(world, client, class_name):
    ns = school_of(world, class_name)
    client.force_login(ns.carers[class_name])
    urls = urls_of(world, class_name)
    for kind in ("my_classes", "story"):
        response = fetch(client, urls[kind])
        assert response.status_code == 200, kind
        assert_private(response)


def test_original_is_not_for_the_carer_even_of_the_class(world, client):
    client.force_login(world.a.carers["Oak"])
    assert fetch(client, urls_of(world, "Oak")["rendition"]).status_code == 200
    response = fetch(client, urls_of(world, "Oak")["original"])
    assert response.status_code == 404
    assert_private(response)


# --- other carers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "class_name"),
    [
        pytest.param("carer:Willow", "Oak", id="same-school-other-class"),
        pytest.param("carer:Oak", "Willow", id="same-school-other-class-2"),
        pytest.param("carer:Rowan", "Oak", id="other-school"),
        pytest.param("carer:Oak", "Rowan", id="other-school-2"),
    ],
)
@pytest.mark.parametrize("kind", ["class", "post", "rendition", "original"])
def test_carer_of_another_class_gets_404(world, client, viewer, class_name, kind):
    client.force_login(person(world, viewer))
    response = fetch(client, urls_of(world, class_name)[kind])
    assert response.status_code == 404
    assert_private(response)
    assert CLASS_TITLES[class_name].encode() not in response.content
    assert f"{class_name} news".encode() not in response.content


@pytest.mark.parametrize(
    ("viewer", "school", "status"),
    [
        ("carer:Oak", "a", 200),
        ("carer:Willow", "a", 200),
        ("carer:Rowan", "a", 404),
        ("carer:Oak", "b", 404),
        ("carer:Rowan", "b", 200),
    ],
)
def test_whole_school_story_is_for_carers_of_that_school(world, client, viewer, school, status):
    ns = getattr(world, school)
    story = SchoolStoryIndexPage.objects.child_of(ns.school).get()
    image = ClassImageFactory(title="Assembly photo", collection=ns.school.collection)
    image.pupils.set(ns.pupils.values())
    post = StoryPostPageFactory(parent=story, title="Sports day", photos=[image])
    client.force_login(person(world, viewer))

    for target in (
        where(story),
        where(post),
        (image.get_rendition(FEED_RENDITION).url, where(ns.school)[1]),
    ):
        response = fetch(client, target)
        assert response.status_code == status, target
        assert_private(response)
    index = fetch(client, where(story))
    assert (b"Sports day" in index.content) is (status == 200)


# --- anonymous and signed-out --------------------------------------------------------


@pytest.mark.parametrize("class_name", ["Oak", "Rowan"])
@pytest.mark.parametrize("kind", ["class", "post", "rendition", "original", "my_classes", "story"])
def test_anonymous_visitor_is_sent_to_sign_in(world, client, class_name, kind):
    target = urls_of(world, class_name)[kind]
    response = fetch(client, target)
    assert_sign_in_redirect(response, target[0])
    assert_private(response)
    assert CLASS_TITLES[class_name].encode() not in response.content


def test_sign_in_redirect_keeps_the_query_string(world, client):
    path, host = urls_of(world, "Oak")["class"]
    response = client.get(path, {"page": "2"}, HTTP_HOST=host)
    assert_sign_in_redirect(response, f"{path}?page=2")


@pytest.mark.parametrize("kind", ["class", "post", "rendition", "my_classes", "story"])
def test_deactivated_account_is_treated_as_signed_out(world, client, kind):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    target = urls_of(world, "Oak")[kind]
    assert fetch(client, target).status_code == 200

    carer.is_active = False
    carer.save()

    response = fetch(client, target)
    assert_sign_in_redirect(response, target[0])
    assert_private(response)
    # The grant itself went too, so nothing is left to misuse.
    assert not ClassPageUserObjectPermission.objects.filter(user=carer).exists()


def test_reactivated_account_gets_its_classes_back(world, client):
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()
    carer.is_active = True
    carer.save()
    client.force_login(carer)
    assert fetch(client, urls_of(world, "Oak")["class"]).status_code == 200


# --- access that ends: link revoked, enrolment ended, pupil left ----------------------


@pytest.mark.parametrize("status", [CarerLink.Status.REVOKED, CarerLink.Status.SUSPENDED])
@pytest.mark.parametrize("kind", ["class", "post", "rendition", "story"])
def test_revoked_link_ends_access_on_the_very_next_request(world, client, status, kind):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    target = urls_of(world, "Oak")[kind]
    assert fetch(client, target).status_code == 200

    link = CarerLink.objects.get(carer=carer)
    link.status = status
    link.status_reason = "court order"
    link.save()

    response = fetch(client, target)
    assert response.status_code == 404
    assert_private(response)
    assert AccessChange.objects.filter(
        carer=carer, class_page=world.a.classes["Oak"], change=AccessChange.Change.REVOKED
    ).exists()


def test_revoked_link_removes_the_class_from_my_classes(world, client):
    carer = world.a.carers["Oak"]
    client.force_login(carer)
    assert CLASS_TITLES["Oak"].encode() in client.get("/my-classes/").content

    link = CarerLink.objects.get(carer=carer)
    link.status = CarerLink.Status.REVOKED
    link.save()

    response = client.get("/my-classes/")
    assert response.status_code == 200
    assert_private(response)
    assert CLASS_TITLES["Oak"].encode() not in response.content


def _delete_enrolment(world):
    Enrolment.objects.get(pupil=world.a.pupils["Oak"]).delete()


def _end_enrolment_yesterday(world):
    enrolment = Enrolment.objects.get(pupil=world.a.pupils["Oak"])
    enrolment.started_on = timezone.localdate() - datetime.timedelta(days=30)
    enrolment.ended_on = timezone.localdate() - datetime.timedelta(days=1)
    enrolment.save()


def _pupil_left(world):
    pupil = world.a.pupils["Oak"]
    pupil.left_on = timezone.localdate()
    pupil.save()


REGISTER_CHANGES = [
    pytest.param(_delete_enrolment, id="enrolment-deleted"),
    pytest.param(_end_enrolment_yesterday, id="enrolment-ended"),
    pytest.param(_pupil_left, id="pupil-left"),
]


@pytest.mark.parametrize("change", REGISTER_CHANGES)
@pytest.mark.parametrize("kind", ["class", "post", "rendition"])
def test_register_change_ends_class_access(world, client, change, kind):
    client.force_login(world.a.carers["Oak"])
    target = urls_of(world, "Oak")[kind]
    assert fetch(client, target).status_code == 200

    change(world)

    response = fetch(client, target)
    assert response.status_code == 404
    assert_private(response)
    my_classes = client.get("/my-classes/")
    assert my_classes.status_code == 200
    assert CLASS_TITLES["Oak"].encode() not in my_classes.content


def test_pupil_who_left_takes_the_school_story_with_them(world, client):
    client.force_login(world.a.carers["Oak"])
    target = urls_of(world, "Oak")["story"]
    assert fetch(client, target).status_code == 200
    _pupil_left(world)
    response = fetch(client, target)
    assert response.status_code == 404
    assert_private(response)


def test_other_carers_keep_their_access_when_one_is_revoked(world, client):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status = CarerLink.Status.REVOKED
    link.save()
    client.force_login(world.a.carers["Willow"])
    assert fetch(client, urls_of(world, "Willow")["class"]).status_code == 200


# --- originals: staff of that class or school only ------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("carer:Oak", 404),
        ("carer:Willow", 404),
        ("carer:Rowan", 404),
        ("teacher:Oak", 200),
        ("leader:a", 200),
        ("teacher:Willow", 404),
        ("teacher:Rowan", 404),
        ("leader:b", 404),
    ],
)
def test_original_image_file_is_for_staff_of_the_class_and_school(world, client, who, status):
    client.force_login(person(world, who))
    response = fetch(client, urls_of(world, "Oak")["original"])
    assert response.status_code == status
    assert_private(response)
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert body(response).startswith(PNG_MAGIC)


# --- staff on the site --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "class_name", "status"),
    [
        ("teacher:Oak", "Oak", 200),
        ("leader:a", "Oak", 200),
        ("leader:a", "Willow", 200),
        ("leader:b", "Rowan", 200),
        ("teacher:Willow", "Oak", 404),
        ("teacher:Rowan", "Oak", 404),
        ("leader:b", "Oak", 404),
        ("leader:a", "Rowan", 404),
    ],
)
@pytest.mark.parametrize("kind", ["class", "post", "rendition"])
def test_staff_see_class_pages_of_their_class_or_school(
    world, client, who, class_name, kind, status
):
    client.force_login(person(world, who))
    response = fetch(client, urls_of(world, class_name)[kind])
    assert response.status_code == status
    assert_private(response)
    if kind == "class":
        assert (CLASS_TITLES[class_name].encode() in response.content) is (status == 200)


# --- "My classes" lists exactly the right classes ------------------------------------


@pytest.mark.parametrize(
    ("who", "listed"),
    [
        ("carer:Oak", {"Oak"}),
        ("carer:Willow", {"Willow"}),
        ("carer:Rowan", {"Rowan"}),
        ("teacher:Oak", {"Oak"}),
        ("teacher:Rowan", {"Rowan"}),
        ("leader:a", {"Oak", "Willow"}),
        ("leader:b", {"Rowan"}),
        ("office:a", set()),
    ],
)
def test_my_classes_lists_exactly_the_classes_the_user_may_see(world, client, who, listed):
    client.force_login(person(world, who))
    response = client.get("/my-classes/")
    assert response.status_code == 200
    assert_private(response)
    for name, title in CLASS_TITLES.items():
        assert (title.encode() in response.content) is (name in listed), name
    # Every listed class can be opened; the links lead to pages that answer 200.
    for name in listed:
        assert fetch(client, urls_of(world, name)["class"]).status_code == 200


def test_my_classes_for_a_carer_with_children_in_two_schools(world, client):
    carer = world.a.carers["Oak"]
    CarerLinkFactory(carer=carer, pupil=world.b.pupils["Rowan"])
    client.force_login(carer)
    response = client.get("/my-classes/")
    assert response.status_code == 200
    content = response.content.decode()
    assert CLASS_TITLES["Oak"] in content and CLASS_TITLES["Rowan"] in content
    assert CLASS_TITLES["Willow"] not in content
    # Grouped by school, each class under its own school's heading.
    assert content.index("Alder Primary") < content.index(CLASS_TITLES["Oak"])
    assert content.index("Birch Primary") < content.index(CLASS_TITLES["Rowan"])
    assert fetch(client, urls_of(world, "Rowan")["class"]).status_code == 200
    assert fetch(client, urls_of(world, "Willow")["class"]).status_code == 404
