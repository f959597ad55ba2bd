"""The post editor as teachers see it, through the real admin views: no Promote tab and no
search-engine, menu or web-address fields (nor can a hand-made POST fill them); the web
address made from the title on create and kept on edit; a leader's request for changes
at the top of the editor; no "submitted for moderation" after a refused submission; and
the page listing and the dashboard's "Class posts" agreeing on "changes requested"."""

from django.contrib.messages import get_messages
from wagtail.models import TaskState, WorkflowState

from class_pages.factories import UserFactory
from class_pages.models import StoryPostPage
from tests.helpers import action_url, add_url, browser, edit_url, post_form
from workflows.panels import posts_by_state

PROMOTE_FIELDS = ("slug", "seo_title", "search_description", "show_in_menus")


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def submitted_by_oak_teacher(world, title):
    ns = world.a
    response = browser(ns.teachers["Oak"]).post(
        add_url(ns.classes["Oak"]), post_form(title, "", [ns.images["Oak"]], "action-submit")
    )
    assert response.status_code == 302, response.content[:2000]
    post = StoryPostPage.objects.get(title=title)
    return post, post.current_workflow_task_state


def test_teacher_editor_has_no_promote_tab_nor_its_fields(world):
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    for url in (add_url(ns.classes["Oak"]), edit_url(ns.posts["Oak"])):
        response = teacher.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Promote" not in html
        assert "as you'd like it to be seen by the public" not in html
        assert "Families see this once a leader approves" in html
        for name in PROMOTE_FIELDS:
            assert f'name="{name}"' not in html, name
        assert name not in response.context["form"].fields


def test_superuser_still_has_the_promote_fields(world):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = browser(admin).get(edit_url(world.a.posts["Oak"]))
    assert response.status_code == 200
    assert {*PROMOTE_FIELDS} <= set(response.context["form"].fields)


def test_create_without_slug_makes_one_from_the_title_unique_among_siblings(world):
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    data = post_form("Seeds & soil!", "", [ns.images["Oak"]])
    del data["slug"]
    first = teacher.post(add_url(ns.classes["Oak"]), data)
    second = teacher.post(add_url(ns.classes["Oak"]), data)
    assert first.status_code == second.status_code == 302
    slugs = sorted(
        StoryPostPage.objects.filter(title="Seeds & soil!").values_list("slug", flat=True)
    )
    assert slugs == ["seeds-soil", "seeds-soil-2"]


def test_title_with_no_letters_still_gets_a_web_address(world):
    ns = world.a
    response = browser(ns.teachers["Oak"]).post(
        add_url(ns.classes["Oak"]), post_form("!!!", "", [ns.images["Oak"]])
    )
    assert response.status_code == 302
    assert StoryPostPage.objects.get(title="!!!").slug == "post"


def test_hand_made_post_cannot_set_slug_or_search_fields(world):
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    data = post_form("Pond dipping", "../../admin", [ns.images["Oak"]])
    data.update(
        seo_title="Jamie Smith's bad day", search_description="Jamie Smith", show_in_menus="on"
    )
    assert teacher.post(add_url(ns.classes["Oak"]), data).status_code == 302
    post = StoryPostPage.objects.get(title="Pond dipping")
    assert (post.slug, post.seo_title, post.search_description, post.show_in_menus) == (
        "pond-dipping",
        "",
        "",
        False,
    )

    # An edit keeps the web address whatever the title or the submitted slug says.
    data = post_form("Pond dipping, part two", "odd slug", [ns.images["Oak"]])
    data["seo_title"] = "Jamie Smith"
    assert teacher.post(edit_url(post), data).status_code == 302
    draft = StoryPostPage.objects.get(pk=post.pk).get_latest_revision_as_object()
    assert draft.title == "Pond dipping, part two"
    assert (draft.slug, draft.seo_title) == ("pond-dipping", "")


def test_refused_submission_never_says_submitted_for_moderation(world):
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    created = teacher.post(
        add_url(ns.classes["Oak"]),
        post_form("Rude", "", [ns.images["Oak"]], "action-submit", body="What a shit day"),
        follow=True,
    )
    post = StoryPostPage.objects.get(title="Rude")
    edited = teacher.post(
        edit_url(post),
        post_form("Rude", "", [ns.images["Oak"]], "action-submit", body="Still a shit day"),
        follow=True,
    )
    for response in (created, edited):
        messages = [str(message) for message in response.context["messages"]]
        assert any("Not sent to the leaders" in text for text in messages), messages
        assert not any("submitted for moderation" in text for text in messages), messages


def test_accepted_submission_still_says_submitted(world):
    ns = world.a
    response = browser(ns.teachers["Oak"]).post(
        add_url(ns.classes["Oak"]),
        post_form("Our garden", "", [ns.images["Oak"]], "action-submit"),
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("submitted for moderation" in text for text in messages), messages


def test_leaders_request_for_changes_is_at_the_top_of_the_editor(world):
    ns = world.a
    post, task_state = submitted_by_oak_teacher(world, "Pond life")
    ns.leader.first_name, ns.leader.last_name = "Lena", "Head"
    ns.leader.save()
    response = browser(ns.leader).post(
        action_url(post, "reject", task_state), {"comment": "Please crop the second photo."}
    )
    assert response.status_code == 302
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED

    shown = said(browser(ns.teachers["Oak"]).get(edit_url(post)))
    request = [text for text in shown if "asked for changes" in text]
    assert request and "Lena Head" in request[0], shown
    assert "Please crop the second photo." in request[0]
    assert str(task_state.finished_at.year) in request[0]


def listing_row(client, class_page, title):
    response = client.get(f"/admin/pages/{class_page.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(title)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_listing_and_dashboard_both_say_changes_requested(world):
    ns = world.a
    oak, teacher = ns.classes["Oak"], browser(ns.teachers["Oak"])
    post, task_state = submitted_by_oak_teacher(world, "Bug hunt")
    assert "in moderation" in listing_row(teacher, oak, "Bug hunt")
    browser(ns.leader).post(action_url(post, "reject", task_state), {"comment": "Fix it."})
    assert WorkflowState.objects.for_instance(post).get().status == "needs_changes"

    # A live post whose edit a leader sent back: still live, and changes requested.
    live = ns.posts["Oak"]
    response = teacher.post(
        edit_url(live),
        post_form(live.title, live.slug, [ns.images["Oak"]], "action-submit"),
    )
    assert response.status_code == 302
    edit_state = StoryPostPage.objects.get(pk=live.pk).current_workflow_task_state
    browser(ns.leader).post(action_url(live, "reject", edit_state), {"comment": "Not yet."})

    counts = posts_by_state([oak])[oak.pk]["counts"]
    assert counts["needs_changes"] == 2
    assert counts["in_moderation"] == 0

    row = listing_row(teacher, oak, "Bug hunt")
    assert "changes requested" in row and "in moderation" not in row
    row = listing_row(teacher, oak, live.title)
    assert "live + changes requested" in row


def test_teachers_cannot_schedule_a_post(world):
    """A post approved to go live later would skip the consent check of the day it goes
    live: no go-live or expiry field for teachers, and a hand-made POST sets neither."""
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    form = teacher.get(add_url(ns.classes["Oak"])).context["form"]
    assert not {"go_live_at", "expire_at"} & set(form.fields)
    data = post_form("Trip on Monday", "", [ns.images["Oak"]])
    data.update(go_live_at="2031-01-06 07:00", expire_at="2031-02-01 07:00")
    assert teacher.post(add_url(ns.classes["Oak"]), data).status_code == 302
    post = StoryPostPage.objects.get(title="Trip on Monday")
    assert (post.go_live_at, post.expire_at) == (None, None)
    admin = UserFactory(username="root2", is_superuser=True, is_staff=True)
    assert "go_live_at" in browser(admin).get(add_url(ns.classes["Oak"])).context["form"].fields
