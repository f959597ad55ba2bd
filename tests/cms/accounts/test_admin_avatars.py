"""The Wagtail admin shows staff avatars without asking a third party: with Gravatar, every
admin page would send an MD5 of each shown person's e-mail address to gravatar.com."""

import pytest

from class_pages.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(
        username="root.admin", email="root.admin@school.example", is_superuser=True, is_staff=True
    )


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/account/", "/admin/users/", "/admin/users/?q=oak", "/admin/groups/"],
)
def test_no_admin_page_names_gravatar(world, client, superuser, path):
    client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode().lower()
    assert "gravatar" not in page, f"{path} links to Gravatar"
    assert "wagtailadmin/images/default-user-avatar" in page  # the admin's own image instead


def test_a_leader_sees_no_gravatar_either(world, client):
    client.force_login(world.a.leader)
    for path in ("/admin/", "/admin/account/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "gravatar" not in response.content.decode().lower(), path
