"""class_pages.access.admin_guards: the guarded stock admin views still work for those allowed
(the page's own teacher, a superuser) and name nothing to anyone else. The sweep in
tests/security/test_idor_sweep.py covers every role; these are the allowed side."""

import json

import pytest

from class_pages.factories import UserFactory
from tests.helpers import browser as signed_in_browser


def browser(user=None):
    """Server errors come back as 500 responses (and are logged), so a test can say what
    the admin answered and still look at what was stored."""
    return signed_in_browser(user, raise_request_exception=False)


def test_chosen_multiple_for_own_pages_only(world):
    teacher = browser(world.a.teachers["Oak"])
    oak_post, willow_post = world.a.posts["Oak"], world.a.posts["Willow"]
    url = "/admin/choose-page/chosen-multiple/"
    own = teacher.get(f"{url}?id={oak_post.pk}")
    assert own.status_code == 200
    assert json.loads(own.content)["result"][0]["adminTitle"] == "Oak news"
    for query in (f"id={willow_post.pk}", f"id={oak_post.pk}&id={willow_post.pk}"):
        refused = teacher.get(f"{url}?{query}")
        assert refused.status_code == 404
        assert b"Willow" not in refused.content


@pytest.mark.parametrize("odd", ["x", "-1", "0", str(2**70)])
def test_chosen_multiple_answers_404_to_an_id_of_no_page(world, odd):
    teacher = browser(world.a.teachers["Oak"])
    assert teacher.get(f"/admin/choose-page/chosen-multiple/?id={odd}").status_code == 404


def test_bulk_confirmation_names_only_explorable_pages(world):
    oak_post, rowan_post = world.a.posts["Oak"], world.b.posts["Rowan"]
    teacher = browser(world.a.teachers["Oak"])
    page = teacher.get(f"/admin/bulk/wagtailcore/page/delete/?id={oak_post.pk}&id={rowan_post.pk}")
    assert page.status_code == 200
    assert b"Oak news" in page.content  # their own post, which they may not delete
    assert b"Rowan news" not in page.content
    superuser = browser(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = superuser.get(f"/admin/bulk/wagtailcore/page/delete/?id={rowan_post.pk}")
    assert b"Rowan news" in page.content


def test_move_confirmation_needs_the_right_to_move_there(world):
    oak_post, willow = world.a.posts["Oak"], world.a.classes["Willow"]
    url = f"/admin/pages/{oak_post.pk}/move/{willow.pk}/confirm/"
    for user in (world.a.teachers["Oak"], world.a.teachers["Willow"], world.b.leader):
        response = browser(user).get(url)
        assert response.status_code == 404
        assert b"Oak news" not in response.content
    superuser = browser(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = superuser.get(url)
    assert response.status_code == 200
    assert b"Oak news" in response.content


def test_page_types_report_names_only_explorable_pages(world):
    teacher = browser(world.a.teachers["Willow"])
    for url in ("/admin/reports/page-types-usage/", "/admin/reports/page-types-usage/results/"):
        response = teacher.get(url)
        assert response.status_code == 200
        assert b"Rowan news" not in response.content
        assert b"Oak news" not in response.content
    own = world.a.posts["Willow"]
    own.save_revision(user=world.a.teachers["Willow"])  # now the last edited story post
    response = teacher.get("/admin/reports/page-types-usage/")
    assert b"Willow news" in response.content
