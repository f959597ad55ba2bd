"""Taking a live post down, through the real admin views: the post's own class teacher and
the school's leaders may (no approval needed); it is logged as their unpublish, the
school's leaders get an e-mail, and the carers of the class no longer see it. Refused,
with nothing changed, for a teacher of another class, another school's leader, a carer
and anonymous visitors, whatever post id they send."""

import pytest
from django.core import mail
from wagtail.models import PageLogEntry

from class_pages.models import StoryPostPage
from tests.helpers import browser, edit_url


def take_down_url(post):
    return f"/admin/posts/{post.pk}/take-down/"


def fresh(post):
    return StoryPostPage.objects.get(pk=post.pk)


def mails_to(user):
    return [message for message in mail.outbox if user.email in message.to]


@pytest.mark.parametrize("who", ["teacher", "leader"])
def test_own_teacher_or_leader_takes_a_live_post_down(world, who):
    ns = world.a
    post, carer = ns.posts["Oak"], browser(ns.carers["Oak"])
    assert carer.get(post.url).status_code == 200
    user = ns.teachers["Oak"] if who == "teacher" else ns.leader
    client = browser(user)

    editor = client.get(edit_url(post)).content.decode()
    assert take_down_url(post) in editor, "no Take down in the action menu"
    confirm = client.get(take_down_url(post))
    assert confirm.status_code == 200
    assert "families will no longer see it" in confirm.content.decode()
    assert fresh(post).live, "a GET took it down"

    response = client.post(take_down_url(post))
    assert response.status_code == 302
    assert response["Location"] == edit_url(post)
    assert not fresh(post).live
    entry = PageLogEntry.objects.filter(page=post, action="wagtail.unpublish").get()
    assert entry.user_id == user.pk
    (message,) = mails_to(ns.leader)
    assert post.title in message.subject
    assert not mails_to(ns.carers["Oak"])

    assert carer.get(post.url).status_code == 404
    assert post.title not in carer.get(ns.classes["Oak"].url).content.decode()

    # Again (a second tab): nothing more happens, nobody is told twice.
    assert client.post(take_down_url(post)).status_code == 302
    assert len(mails_to(ns.leader)) == 1
    assert PageLogEntry.objects.filter(page=post, action="wagtail.unpublish").count() == 1


@pytest.mark.parametrize("who", ["other_teacher", "other_leader", "carer", "anonymous"])
def test_others_may_not_take_a_post_down(world, who):
    ns = world.a
    post = ns.posts["Oak"]
    user = {
        "other_teacher": ns.teachers["Willow"],
        "other_leader": world.b.leader,
        "carer": ns.carers["Oak"],
        "anonymous": None,
    }[who]
    client = browser(user)
    for response in (client.get(take_down_url(post)), client.post(take_down_url(post))):
        if user is None or who == "carer":  # no admin access: Wagtail's sign-in page
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")
        else:
            assert response.status_code == 404
    assert fresh(post).live
    assert not PageLogEntry.objects.filter(page=post, action="wagtail.unpublish").exists()
    assert not mail.outbox


def test_teacher_of_one_class_cannot_take_down_another_schools_post(world):
    oak_teacher = browser(world.a.teachers["Oak"])
    rowan_post = world.b.posts["Rowan"]
    assert oak_teacher.post(take_down_url(rowan_post)).status_code == 404
    assert oak_teacher.get(take_down_url(rowan_post)).status_code == 404
    assert oak_teacher.post("/admin/posts/999999/take-down/").status_code == 404
    assert fresh(rowan_post).live


def test_no_take_down_in_the_editor_for_a_draft_nor_for_another_class(world):
    ns = world.a
    willow_teacher = browser(ns.teachers["Willow"])
    # Wagtail refuses the other class's editor altogether; the menu item is not the gate.
    assert (
        take_down_url(ns.posts["Oak"])
        not in willow_teacher.get(edit_url(ns.posts["Oak"])).content.decode()
    )
    post = ns.posts["Oak"]
    browser(ns.teachers["Oak"]).post(take_down_url(post))
    editor = browser(ns.teachers["Oak"]).get(edit_url(post)).content.decode()
    assert take_down_url(post) not in editor
