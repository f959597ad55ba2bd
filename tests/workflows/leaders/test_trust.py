"""The trust overview: aggregate figures for every school, no families' data, and only
for the trust oversight group."""

from django.contrib.auth.models import Group, Permission
from django.test import Client

from class_pages.factories import UserFactory
from workflows.leaders.gate import TRUST_GROUP


def trust_user():
    """A member of the trust oversight group, which can enter the admin."""
    group = Group.objects.get_or_create(name=TRUST_GROUP)[0]
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = UserFactory(username="trust.officer")
    user.groups.add(group)
    return user


def test_trust_sees_every_school_in_figures_only(world):
    user = trust_user()
    client = Client()
    client.force_login(user)
    html = client.get("/admin/trust/").content.decode()
    assert "Alder Primary" in html and "Birch Primary" in html
    # Alder: 2 classes with one live post each this week; Birch: 1 class.
    assert "<td>Alder Primary</td><td>2</td><td>2</td><td>2</td>" in html
    assert "<td>Birch Primary</td><td>1</td><td>1</td><td>1</td>" in html
    for private in ("Oakkid", "Smith", "oak.carer", "Oak news"):
        assert private not in html
    assert client.get("/admin/audit/").status_code in (302, 403)
    assert client.get("/admin/pupils/").status_code in (302, 403)


def test_leaders_are_not_trust_viewers(world):
    client = Client()
    client.force_login(world.a.leader)
    assert client.get("/admin/trust/").status_code in (302, 403)
