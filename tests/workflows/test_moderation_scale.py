"""Moderation at scale: with many posts waiting for approval, the leaders' "Awaiting your
review" dashboard panel and the admin listing of a class's pages cost the same number of
queries with 10 posts waiting as with 30, and Wagtail's workflow reports and the
teacher's dashboard cost the same with 20 posts waiting as with 30; `make test-scale`
(the `scale` marker) proves the same with 200 at Wagtail's real page size.

The panel is ours (workflows.panels.AwaitingReviewPanel): Wagtail 8's own
WorkflowObjectsToModeratePanel listed every waiting post at about three queries each
(76 queries with 10 waiting, 646 with 200). The listings show at most one page of 50
rows, and Wagtail 8 spends a query per row on them (PagePermissionTester.can_delete()
asks whether each row has a live descendant, itself included: answered without a query
for posts by class_pages.models.pages.PostPermissionTester; the workflow report calls
WorkflowState.all_tasks_with_status() per row), so the report's cost levels off only once
a page is full: sizes below a page differ by rows, not by waiting posts. Submitting a
post costs about 130 ms, so the quick suite measures with listing pages of 20 rows
(QUICK_PAGE): what is proved, that a page costs the same however many posts wait
behind it, does not depend on the page's size.

Posts are submitted to the school's real workflow by their teacher; the automatic checks
pass them on, so each waits at the leaders' approval step."""

import re
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.admin.views.pages.listing import IndexView as PageListing
from wagtail.admin.views.reports.base import ReportView

from class_pages.factories import StoryPostPageFactory
from tests.conftest import _reloaded
from tests.helpers import browser

# Queries that may differ between the two sizes (e.g. a paginator's count), not grow.
SLACK = 3


def submit_posts(world, first, last, school="a", class_name="Oak", prefix="Waiting post"):
    school = getattr(world, school)
    parent, teacher = school.classes[class_name], school.teachers[class_name]
    posts = []
    for n in range(first, last):
        post = StoryPostPageFactory(
            parent=parent,
            title=f"{prefix} {n}",
            body="We planted beans and measured them every day.",
            owner=teacher,
            published=False,
        )
        post.save_revision(user=teacher)
        post.get_workflow().start(post, teacher)
        posts.append(post)
    return posts


def query_count(client, url):
    client.get(url)  # warm: caches, lazily built menus
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


LISTINGS = [
    ("leader", "class"),
    ("teacher", "class"),
    ("leader", "/admin/reports/workflow/"),
    ("leader", "/admin/reports/workflow_tasks/"),
    ("teacher", "/admin/"),
    ("leader", "/admin/"),
]


def listing_urls(world):
    return [(who, class_listing(world) if url == "class" else url) for who, url in LISTINGS]


def staff_users(world):
    return (
        ("leader", world.a.leader),
        ("teacher", world.a.teachers["Oak"]),
        ("other leader", world.b.leader),
    )


@pytest.fixture
def staff(world):
    return {who: browser(user) for who, user in staff_users(world)}


def review_panel(html):
    """The "Awaiting your review" panel's HTML, or None when it is not on the page."""
    start = html.find('id="awaiting-review-section"')
    if start == -1:
        return None
    return html[start : html.find("</section>", start)]


@pytest.fixture(scope="module")
def costs(_session_world, django_db_blocker):
    """{(size, who, url): (queries, html)} for every listing with 10, 20 and 30 posts
    waiting, and the oldest post's id. Submitting the posts is most of the cost, so it is
    done once for the module, in a savepoint rolled back before any test runs: no test
    sees these posts."""
    measured = {}
    with (
        mock.patch.object(PageListing, "paginate_by", QUICK_PAGE),
        mock.patch.object(ReportView, "paginate_by", QUICK_PAGE),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = _reloaded(_session_world)
        clients = {who: browser(user) for who, user in staff_users(world)}
        # With 10 waiting the reports show 10 rows, not a full page: compared from 20.
        at_10 = {("leader", class_listing(world)), ("teacher", class_listing(world))}
        at_10.add(("leader", "/admin/"))
        submitted = []
        for size in SIZES:
            submitted += submit_posts(world, len(submitted), size)
            for who, url in listing_urls(world):
                if size > SIZES[0] or (who, url) in at_10:
                    measured[size, who, url] = query_count(clients[who], url)
        measured["oldest"] = submitted[0].pk
        transaction.set_rollback(True)
    for cache in caches.all():
        cache.clear()
    return measured


SIZES = (10, 20, 30)
QUICK_PAGE = 20


def class_listing(world):
    return f"/admin/pages/{world.a.classes['Oak'].pk}/"


@pytest.mark.parametrize("index", range(len(LISTINGS)), ids=[f"{w}:{u}" for w, u in LISTINGS])
def test_listings_cost_the_same_with_20_or_30_waiting_posts(world, costs, index):
    """Both sizes fill the listings' first page of 20 rows: a query per waiting post
    shows as 10 more."""
    who, url = listing_urls(world)[index]
    small, _ = costs[20, who, url]
    large, html = costs[30, who, url]
    if url.startswith("/admin/pages/"):
        assert "Waiting post 29" in html  # newest first: the new posts are listed
    assert large - small <= SLACK, f"queries (20 waiting -> 30 waiting): {small} -> {large}"


@pytest.mark.parametrize("who", ["leader", "teacher"])
def test_class_listing_costs_the_same_with_10_or_30_waiting_posts(world, costs, who):
    """10 rows, then a full page of 20: a query per row shows as 10 more (posts answer
    Wagtail's per-row delete check without one, PostPermissionTester)."""
    small, _ = costs[10, who, class_listing(world)]
    large, html = costs[30, who, class_listing(world)]
    assert "Waiting post 29" in html
    # One page of QUICK_PAGE rows, newest first: 29 down to 10.
    assert re.search(r"Waiting post 10\s*<", html) and not re.search(r"Waiting post 9\s*<", html)
    assert large - small <= SLACK, (small, large)


def test_awaiting_your_review_costs_the_same_with_10_or_30_waiting_posts(world, costs):
    small, html = costs[10, "leader", "/admin/"]
    panel = review_panel(html)
    assert "Awaiting your review" in panel
    assert "Waiting post 0" in panel and "Waiting post 9" in panel and "more waiting" not in panel
    large, html = costs[30, "leader", "/admin/"]
    panel = review_panel(html)
    # Oldest first, 20 shown, the rest counted with a link to Wagtail's tasks report.
    assert "Waiting post 19<" in panel and "Waiting post 20<" not in panel
    assert "Waiting post 29" not in panel
    assert "and 10 more waiting (30 in all)" in panel
    assert 'href="/admin/reports/workflow_tasks/"' in panel
    assert f'href="/admin/pages/{costs["oldest"]}/edit/"' in panel
    assert large == small, f"queries (10 waiting -> 30 waiting): {small} -> {large}"
    assert small < 50  # the whole dashboard; Wagtail's own panel alone: 76 with 10 waiting


@pytest.mark.scale
def test_listings_cost_the_same_with_60_or_200_waiting_posts(world, staff):
    submit_posts(world, 0, 60)
    small = {(who, url): query_count(staff[who], url)[0] for who, url in listing_urls(world)}
    submit_posts(world, 60, 200)
    large = {}
    for who, url in listing_urls(world):
        large[who, url], html = query_count(staff[who], url)
        if url.startswith("/admin/pages/"):
            assert "Waiting post 199" in html  # newest first: the new posts are listed
    grown = {key: (small[key], large[key]) for key in small if large[key] - small[key] > SLACK}
    assert not grown, f"queries (60 waiting -> 200 waiting) grew: {grown}"


@pytest.mark.scale
@pytest.mark.parametrize("who", ["leader", "teacher"])
def test_class_listing_costs_the_same_with_10_or_200_waiting_posts(world, staff, who):
    """Posts answer Wagtail's per-row delete check without a query
    (class_pages.models.pages.PostPermissionTester)."""
    url = f"/admin/pages/{world.a.classes['Oak'].pk}/"
    submit_posts(world, 0, 10)
    small, _ = query_count(staff[who], url)
    submit_posts(world, 10, 200)
    large, html = query_count(staff[who], url)
    assert "Waiting post 199" in html
    assert large - small <= SLACK, (small, large)


def test_a_live_post_still_cannot_be_deleted_without_publish(world, staff):
    post = world.a.posts["Oak"]
    tester = post.permissions_for_user(world.a.teachers["Oak"])
    assert not tester.can_delete()
    draft = submit_posts(world, 0, 1)[0]
    assert draft.permissions_for_user(world.a.teachers["Oak"]).can_delete()


@pytest.mark.scale
def test_awaiting_your_review_costs_the_same_with_10_or_200_waiting_posts(world, staff):
    posts = submit_posts(world, 0, 10)
    small, html = query_count(staff["leader"], "/admin/")
    panel = review_panel(html)
    assert "Awaiting your review" in panel
    assert "Waiting post 0" in panel and "Waiting post 9" in panel and "more waiting" not in panel
    submit_posts(world, 10, 200)
    large, html = query_count(staff["leader"], "/admin/")
    panel = review_panel(html)
    # Oldest first, 20 shown, the rest counted with a link to Wagtail's tasks report.
    assert "Waiting post 19<" in panel and "Waiting post 20<" not in panel
    assert "Waiting post 199" not in panel
    assert "and 180 more waiting (200 in all)" in panel
    assert 'href="/admin/reports/workflow_tasks/"' in panel
    assert f'href="/admin/pages/{posts[0].pk}/edit/"' in panel
    assert large == small, f"queries (10 waiting -> 200 waiting): {small} -> {large}"
    assert small < 50  # the whole dashboard; Wagtail's own panel alone: 76 with 10 waiting


def test_awaiting_your_review_lists_only_posts_the_user_can_act_on(world, staff):
    submit_posts(world, 0, 3)
    submit_posts(world, 0, 2, school="b", class_name="Rowan", prefix="Rowan post")

    panel = review_panel(staff["leader"].get("/admin/").content.decode())
    assert "Waiting post 2" in panel and "Rowan post" not in panel
    assert "Oak" in panel  # the class each post belongs to

    other = review_panel(staff["other leader"].get("/admin/").content.decode())
    assert "Rowan post 0" in other and "Rowan post 1" in other
    assert "Waiting post" not in other

    # Teachers approve nothing: no queue at all (Wagtail's panel is gone for them too).
    teacher_html = staff["teacher"].get("/admin/").content.decode()
    assert review_panel(teacher_html) is None and "Awaiting your review" not in teacher_html


def test_awaiting_your_review_links_to_the_editor_where_leaders_approve(world, staff):
    (post,) = submit_posts(world, 0, 1)
    panel = review_panel(staff["leader"].get("/admin/").content.decode())
    assert f'href="/admin/pages/{post.pk}/edit/"' in panel
    editor = staff["leader"].get(f"/admin/pages/{post.pk}/edit/")
    assert editor.status_code == 200
    html = editor.content.decode()
    assert "/approve/" in html and "/reject/" in html  # the workflow actions live here


def test_awaiting_your_review_says_so_when_nothing_waits(world, staff):
    panel = review_panel(staff["leader"].get("/admin/").content.decode())
    assert "Nothing is waiting for your review." in panel
