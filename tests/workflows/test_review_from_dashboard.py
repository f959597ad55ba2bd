"""The leaders' "Awaiting your review" panel: each waiting post with the photos of the
revision under review (served only to staff of the class), Approve in one POST to
Wagtail's workflow-action URL, Request changes with a required comment; the leader lands
back on the dashboard told what was done. Every rule of the approval task still holds
(other school, teacher, own post), and the photos cost no query per row."""

import re

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import TaskState

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, UserFactory
from class_pages.models import StoryPostPage
from tests.helpers import action_url, browser
from tests.workflows.test_moderation_flow import assert_refused, submitted_to_leaders

DASHBOARD = "/admin/"
PANEL = 'id="awaiting-review-section"'
THUMBNAIL = re.compile(
    r'<ul class="review-queue__photos"[^>]*>.*?<img src="(/files/images/[^"]+)"', re.S
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def dashboard(user):
    response = browser(user).get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def said(client, response):
    assert response.status_code == 302
    landing = client.get(response["Location"])
    return [str(message) for message in get_messages(landing.wsgi_request)]


def test_waiting_post_shows_its_photos_to_the_leader_only(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Frog spawn", "frog-spawn")

    html = dashboard(ns.leader)

    assert PANEL in html and "Frog spawn" in html
    thumbnail = THUMBNAIL.search(html)
    assert thumbnail is not None, "no photo in the row"
    src = thumbnail[1]
    assert browser(ns.leader).get(src).status_code == 200
    assert browser(ns.carers["Oak"]).get(src).status_code == 404
    assert browser(world.b.leader).get(src).status_code == 404
    assert browser(ns.teachers["Willow"]).get(src).status_code == 404
    assert browser().get(src).status_code == 302  # to sign in


def test_approve_from_the_dashboard_is_one_post_with_csrf(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Sports day", "sports-day")
    url = action_url(post, "approve", task_state)
    client = browser(ns.leader, enforce_csrf_checks=True)
    html = client.get(DASHBOARD).content.decode()
    assert f'action="{url}"' in html

    assert client.post(url, {"comment": ""}).status_code == 403  # no token: refused
    token = CSRF.search(html)[1]
    response = client.post(url, {"comment": "", "csrfmiddlewaretoken": token})

    assert response["Location"].startswith(DASHBOARD + "?")
    assert "You approved “Sports day”: it is now live." in said(client, response)
    post = StoryPostPage.objects.get(pk=post.pk)
    assert post.live and post.live_revision_id == task_state.revision_id


def test_request_changes_needs_a_comment_and_sends_it(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Art show", "art-show")
    url = action_url(post, "reject", task_state)
    leader = browser(ns.leader)
    html = dashboard(ns.leader)
    assert f'action="{url}"' in html
    assert re.search(r'<textarea[^>]*name="comment"[^>]*required', html)

    messages = said(leader, leader.post(url, {"comment": "   "}))
    assert any("Nothing was sent for “Art show”" in text for text in messages), messages
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS

    messages = said(leader, leader.post(url, {"comment": "Please blur the name badge."}))
    assert "You asked for changes to “Art show”: its teacher has your comment." in messages
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == "Please blur the name badge."
    assert not StoryPostPage.objects.get(pk=post.pk).live


def test_other_school_and_teacher_see_no_buttons_and_are_refused(world):
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Class trip", "class-trip")
    approve = action_url(post, "approve", task_state)
    reject = action_url(post, "reject", task_state)

    for user in (world.b.leader, ns.teachers["Oak"], ns.teachers["Willow"]):
        html = dashboard(user)
        if user == world.b.leader:
            assert "Nothing is waiting for your review." in html
        else:
            assert PANEL not in html
        assert approve not in html and reject not in html
        assert_refused(browser(user).post(approve, {"comment": ""}))
        assert_refused(browser(user).post(reject, {"comment": "No."}))
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS


def test_the_message_is_only_for_the_leader_who_decided(world):
    """The dashboard's parameter names a task state; nobody else is told about it."""
    ns = world.a
    post, task_state = submitted_to_leaders(world, "Harvest", "harvest")
    leader = browser(ns.leader)
    leader.post(action_url(post, "approve", task_state), {"comment": ""})

    for user in (world.b.leader, ns.teachers["Oak"]):
        page = browser(user).get(f"{DASHBOARD}?reviewed={task_state.pk}&unsent={task_state.pk}")
        assert page.status_code == 200
        assert not any("Harvest" in str(m) for m in get_messages(page.wsgi_request))
    for junk in ("x", "-1", "99999999", "1e3"):
        assert leader.get(f"{DASHBOARD}?reviewed={junk}&unsent={junk}").status_code == 200


def test_own_post_has_no_approve_button_while_another_leader_could(world):
    ns = world.a
    second = UserFactory(username="leader2.testserver")
    second.groups.add(ns.school.leaders_group)
    post, task_state = submitted_to_leaders(world, "My own", "my-own", author=ns.leader)
    approve = action_url(post, "approve", task_state)

    own = dashboard(ns.leader)
    assert "My own" in own
    assert approve not in own
    assert action_url(post, "reject", task_state) in own
    assert_refused(browser(ns.leader).post(approve, {"comment": ""}))
    assert approve in dashboard(second)


def waiting_with_photos(ns, count, first=0):
    parent, teacher, pupil = ns.classes["Oak"], ns.teachers["Oak"], ns.pupils["Oak"]
    for n in range(first, first + count):
        images = [
            ClassImageFactory(title=f"Photo {n}.{i}", collection=parent.collection, pupils=[pupil])
            for i in range(2)
        ]
        post = StoryPostPageFactory(
            parent=parent, title=f"Photo post {n}", owner=teacher, published=False, photos=images
        )
        post.save_revision(user=teacher)
        post.get_workflow().start(post, teacher)


def panel_queries(client):
    client.get(DASHBOARD)  # warm: renditions made, menus built
    with CaptureQueriesContext(connection) as queries:
        html = client.get(DASHBOARD).content.decode()
    return len(queries), len(THUMBNAIL.findall(html)), html.count('class="review-queue__photos"')


def test_photos_cost_no_query_per_row(world):
    ns = world.a
    client = browser(ns.leader)
    waiting_with_photos(ns, 3)
    few, _, rows_few = panel_queries(client)
    waiting_with_photos(ns, 5, first=3)
    many, _, rows_many = panel_queries(client)

    assert (rows_few, rows_many) == (3, 8)
    assert many == few, f"{few} queries with 3 rows of photos, {many} with 8"
