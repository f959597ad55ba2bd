"""Moderation at scale: with many posts waiting for approval, the admin listing of a
class's pages, Wagtail's workflow reports and the teacher's dashboard cost the same
number of queries with 60 posts waiting as with 200.

These listings show at most one page of 50 rows, and Wagtail 8 spends a query or two
per row on them (PagePermissionTester.can_delete() asks whether each page has live
descendants; WorkflowState.all_tasks_with_status() per report row), so their cost
levels off once a page is full: sizes below 50 would differ by rows, not by waiting
posts. The leader's "Awaiting your review" dashboard panel (Wagtail's
WorkflowObjectsToModeratePanel) is not paginated and costs about three queries per
waiting post: recorded below as a strict xfail until it is replaced.

Posts are submitted to the school's real workflow by their teacher; the automatic checks
pass them on, so each waits at the leaders' approval step."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from class_pages.factories import StoryPostPageFactory

# Queries that may differ between the two sizes (e.g. a paginator's count), not grow.
SLACK = 3


def submit_posts(world, first, last):
    oak, teacher = world.a.classes["Oak"], world.a.teachers["Oak"]
    for n in range(first, last):
        post = StoryPostPageFactory(
            parent=oak,
            title=f"Waiting post {n}",
            body="We planted beans and measured them every day.",
            owner=teacher,
            published=False,
        )
        post.save_revision(user=teacher)
        post.get_workflow().start(post, teacher)


def query_count(client, url):
    client.get(url)  # warm: caches, lazily built menus
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def listing_urls(world):
    oak = world.a.classes["Oak"]
    return [
        ("leader", f"/admin/pages/{oak.pk}/"),
        ("teacher", f"/admin/pages/{oak.pk}/"),
        ("leader", "/admin/reports/workflow/"),
        ("leader", "/admin/reports/workflow_tasks/"),
        ("teacher", "/admin/"),
    ]


@pytest.fixture
def staff(world):
    from django.test import Client

    leader, teacher = Client(), Client()
    leader.force_login(world.a.leader)
    teacher.force_login(world.a.teachers["Oak"])
    return {"leader": leader, "teacher": teacher}


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


@pytest.mark.xfail(
    strict=True,
    reason="Wagtail 8's 'Awaiting your review' panel lists every waiting post, ~3 queries each",
)
def test_awaiting_your_review_costs_the_same_with_10_or_60_waiting_posts(world, staff):
    submit_posts(world, 0, 10)
    small, html = query_count(staff["leader"], "/admin/")
    assert "Awaiting your review" in html and "Waiting post 9" in html
    submit_posts(world, 10, 60)
    large, html = query_count(staff["leader"], "/admin/")
    assert "Waiting post 59" in html
    assert large - small <= SLACK, f"queries (10 waiting -> 60 waiting): {small} -> {large}"
