"""The class pages agreement: a new version makes every carer and member of staff of the
school accept it again before anything else, on the site and in the admin; acceptances
are recorded with the version and time."""

import pytest

from class_pages.agreements import pending_agreements
from class_pages.models import PolicyAcceptance, PolicyPage


@pytest.fixture
def agreement(world):
    page = PolicyPage(title="Class pages agreement", slug="agreement-a", body="<p>Be kind.</p>")
    world.a.school.add_child(instance=page)
    page.save_revision().publish()
    return PolicyPage.objects.get(pk=page.pk)


def bump(agreement):
    agreement.version += 1
    agreement.save_revision().publish()
    return PolicyPage.objects.get(pk=agreement.pk)


@pytest.mark.parametrize(
    "who, path",
    [
        ("carer", "/my-classes/"),
        ("carer", "class page"),
        ("carer", "photo"),
        ("teacher", "/admin/"),
        ("leader", "/admin/pages/"),
        ("office", "/admin/pupils/"),
    ],
)
def test_everyone_of_the_school_accepts_first(world, client, agreement, who, path):
    user = {
        "carer": world.a.carers["Oak"],
        "teacher": world.a.teachers["Oak"],
        "leader": world.a.leader,
        "office": world.a.office,
    }[who]
    if path == "class page":
        path = world.a.classes["Oak"].url
    elif path == "photo":
        path = world.a.images["Oak"].get_rendition("fill-800x600").url
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/agreement/?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Be kind." in page.content

    refused = client.post(response["Location"], {"next": path})
    assert refused.status_code == 200 and b"Please tick the box" in refused.content
    accepted = client.post(response["Location"], {"accept": "on", "next": path})
    assert accepted.status_code == 302 and accepted["Location"] == path
    record = PolicyAcceptance.objects.get(user=user, policy=agreement)
    assert record.version == 1 and record.accepted_at is not None
    after = client.get(path)
    assert not after.get("Location", "").startswith("/agreement/")


def test_a_new_version_asks_again(world, client, agreement):
    carer = world.a.carers["Oak"]
    PolicyAcceptance.objects.create(user=carer, policy=agreement, version=1)
    assert pending_agreements(carer) == []
    agreement = bump(agreement)
    assert pending_agreements(carer) == [agreement]
    client.force_login(carer)
    assert client.get("/my-classes/")["Location"].startswith("/agreement/")
    client.post("/agreement/", {"accept": "on"})
    assert set(PolicyAcceptance.objects.filter(user=carer).values_list("version", flat=True)) == {
        1,
        2,
    }
    assert client.get("/my-classes/").status_code == 200


def test_other_schools_people_are_not_asked(world, client, agreement):
    for user in (world.b.carers["Rowan"], world.b.leader, world.b.teachers["Rowan"]):
        assert pending_agreements(user) == []
    client.force_login(world.b.carers["Rowan"])
    assert client.get("/my-classes/").status_code == 200


def test_draft_agreement_asks_nobody(world, agreement):
    agreement.unpublish()
    assert pending_agreements(world.a.carers["Oak"]) == []


def test_next_cannot_leave_the_site(world, client, agreement):
    client.force_login(world.a.carers["Oak"])
    response = client.post("/agreement/", {"accept": "on", "next": "https://evil.example/"})
    assert response["Location"] == "/my-classes/"


def test_anonymous_agreement_page_asks_to_sign_in(client, world):
    response = client.get("/agreement/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_sign_out_stays_reachable(world, client, agreement):
    client.force_login(world.a.carers["Oak"])
    assert client.post("/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session
