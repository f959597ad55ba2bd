"""The leaders' oversight report (/admin/oversight/), its homepage panel, monitoring
reviews and their CSV export: exact figures from seeded posts, reviews and workflow
states; the review interval on its boundary; each leader sees their own school only;
teachers, office and carers are refused; the query count does not grow with classes."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site, TaskState, WorkflowState

from class_pages.factories import StoryPostPageFactory, UserFactory, create_class
from class_pages.models import ClassPage, StoryPostPage
from tests.helpers import browser, shared_rows
from workflows.leaders.export import safe_cell
from workflows.leaders.oversight.chart import weekly_chart_svg
from workflows.leaders.oversight.figures import WEEKS
from workflows.models import CheckTaskState, ClassReview, OversightSettings

REPORT = "/admin/oversight/"
CSV_URL = "/admin/oversight/reviews.csv"
Kind = StoryPostPage.Kind


def review_url(class_page):
    return f"/admin/oversight/classes/{class_page.pk}/review/"


def monday_of(moment):
    local = timezone.localtime(moment).date()
    return local - timedelta(days=local.weekday())


def week_start(now):
    """Local Monday 00:00 of now's ISO week."""
    return timezone.make_aware(
        timezone.datetime.combine(monday_of(now), timezone.datetime.min.time())
    )


def expected_weekly(now, moments):
    bars = [0] * WEEKS
    for moment in moments:
        weeks_ago = (monday_of(now) - monday_of(moment)).days // 7
        if weeks_ago < WEEKS:
            bars[WEEKS - 1 - weeks_ago] += 1
    return bars


def live_post(parent, kind, published_at, **kwargs):
    post = StoryPostPageFactory(parent=parent, kind=kind, **kwargs)
    StoryPostPage.objects.filter(pk=post.pk).update(first_published_at=published_at)
    return post


def submit(post, teacher):
    """The teacher submits to the school workflow; the automatic checks run at once."""
    post.save_revision(user=teacher)
    return post.get_workflow().start(post, teacher)


def review(class_page, leader, reviewed_at, outcome=ClassReview.Outcome.FINE, notes=""):
    item = ClassReview.objects.create(
        class_page=class_page, reviewer=leader, outcome=outcome, notes=notes
    )
    ClassReview.objects.filter(pk=item.pk).update(reviewed_at=reviewed_at)
    return item


def report_figures(user):
    response = browser(user).get(REPORT)
    assert response.status_code == 200
    return response, {item.class_page.title: item for item in response.context["figures"]}


def assert_refused(response):
    """Wagtail's usual denial: back to the admin home with a permission message (or,
    for someone with no admin access at all, the admin sign-in)."""
    assert response.status_code == 302
    if response["Location"] == "/admin/":
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("permission" in m for m in messages), messages
    else:
        assert response["Location"].startswith("/admin/login/")


# --- exact figures --------------------------------------------------------------------


@shared_rows
def seeded_rows(world):
    """Known posts, workflow states and reviews in School A (Oak, Willow, and Hazel which
    has nothing at all) and some in School B, made once for the module."""
    now = timezone.now()
    oak, willow, rowan = world.a.classes["Oak"], world.a.classes["Willow"], world.b.classes["Rowan"]
    hazel = create_class(world.a.school, "Hazel")
    this_week = week_start(now)

    # Oak: live posts at known moments (the fixture's own post moved back 40 days).
    oak_times = {
        "world post": now - timedelta(days=40),
        "learning": now - timedelta(days=2),
        "celebration": now - timedelta(days=10),
        "reminder": this_week + (now - this_week) / 2,  # inside this ISO week, < 7 days
        "event": now - timedelta(days=20),
        "old home learning": now - timedelta(days=100),  # before the 12 weeks shown
    }
    StoryPostPage.objects.filter(pk=world.a.posts["Oak"].pk).update(
        first_published_at=oak_times["world post"]
    )
    live_post(oak, Kind.LEARNING, oak_times["learning"])
    live_post(oak, Kind.CELEBRATION, oak_times["celebration"])
    live_post(oak, Kind.REMINDER, oak_times["reminder"])
    live_post(oak, Kind.EVENT, oak_times["event"])
    live_post(oak, Kind.HOME_LEARNING, oak_times["old home learning"])
    taken_down = live_post(oak, Kind.REMINDER, now - timedelta(days=3))
    taken_down.unpublish()  # first published, no longer live: not counted
    StoryPostPageFactory(parent=oak, kind=Kind.REMINDER, published=False)  # a draft

    # Oak: two clean posts waiting for the leaders, one for 3 days, one for 1 day.
    teacher = world.a.teachers["Oak"]
    for days, title in ((3, "Waiting three days"), (1, "Waiting one day")):
        post = StoryPostPageFactory(
            parent=oak, title=title, body="We planted seeds.", published=False
        )
        state = submit(post, teacher)
        assert state.status == WorkflowState.STATUS_IN_PROGRESS
        assert state.current_task_state.task.specific_class.__name__ == "LeadersApprovalTask"
        WorkflowState.objects.filter(pk=state.pk).update(
            created_at=now - timedelta(days=days, hours=2)
        )

    # Willow: a reminder two ISO weeks back, none this week; its own post is an hour old.
    willow_times = {
        "world post": now - timedelta(hours=1),
        "reminder": this_week - timedelta(days=8),
    }
    StoryPostPage.objects.filter(pk=world.a.posts["Willow"].pk).update(
        first_published_at=willow_times["world post"]
    )
    live_post(willow, Kind.REMINDER, willow_times["reminder"])

    # Willow: the appropriateness check refuses three posts; one of them 31 days ago.
    willow_teacher = world.a.teachers["Willow"]
    rejected = {}
    for title, body in (
        ("Rude", "What a shit day."),
        ("Rude with a phone", "What a shit day, ring 07700 900123."),
        ("Old rude", "Shit happened."),
    ):
        post = StoryPostPageFactory(parent=willow, title=title, body=body, published=False)
        state = submit(post, willow_teacher)
        assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
        rejected[title] = post
    old = CheckTaskState.objects.get(
        workflow_state__object_id=str(rejected["Old rude"].pk), status=TaskState.STATUS_REJECTED
    )
    CheckTaskState.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=31))

    # Reviews: Oak exactly 14 days ago (plus hours), Willow 15; Hazel never.
    leader = world.a.leader
    review(oak, leader, now - timedelta(days=20), ClassReview.Outcome.FOLLOW_UP, "Chase Oak")
    review(oak, leader, now - timedelta(days=14, hours=2), notes="All good")
    review(willow, leader, now - timedelta(days=15, hours=2), ClassReview.Outcome.FOLLOW_UP)
    review(rowan, world.b.leader, now - timedelta(days=1), notes="Rowan is fine")
    return {
        "now": now,
        "hazel": hazel.pk,
        "oak_times": oak_times,
        "willow_times": willow_times,
    }


@pytest.fixture
def seeded(world, seeded_rows):
    return {**seeded_rows, "hazel": ClassPage.objects.get(pk=seeded_rows["hazel"])}


def test_report_gives_exact_figures_per_class(world, seeded):
    response, figures = report_figures(world.a.leader)
    oak_title, willow_title = world.a.classes["Oak"].title, world.a.classes["Willow"].title
    hazel_title = seeded["hazel"].title
    assert list(figures) == sorted([oak_title, willow_title, hazel_title])
    now = seeded["now"]

    oak = figures[oak_title]
    assert dict(oak.posts[7]) == {"learning": 1, "reminder": 1}
    assert dict(oak.posts[30]) == {"learning": 1, "celebration": 1, "reminder": 1, "event": 1}
    assert (oak.total_7, oak.total_30) == (2, 4)
    assert oak.reminder_this_week is True
    assert oak.waiting == 2
    assert oak.oldest_waited.days == 3
    assert not oak.rejections
    assert oak.days_since_review == 14
    assert oak.last_outcome == ClassReview.Outcome.FINE
    assert oak.review_overdue is False
    assert oak.weekly == expected_weekly(
        now, [t for key, t in seeded["oak_times"].items() if key != "old home learning"]
    )
    assert sum(oak.weekly) == 5  # the 100-day-old post is outside the chart

    willow = figures[willow_title]
    assert dict(willow.posts[7]) == {"learning": 1}
    assert dict(willow.posts[30]) == {"learning": 1, "reminder": 1}
    assert willow.reminder_this_week is False
    assert willow.waiting == 0 and willow.oldest_waited is None
    assert dict(willow.rejections) == {"offensive-language": 2, "phone-number": 1}
    assert willow.days_since_review == 15
    assert willow.review_overdue is True
    assert willow.weekly == expected_weekly(now, seeded["willow_times"].values())
    assert willow.weekly[WEEKS - 3] == 1  # the reminder, two ISO weeks back

    hazel = figures[hazel_title]
    assert hazel.total_7 == hazel.total_30 == hazel.waiting == 0
    assert hazel.weekly == [0] * WEEKS
    assert hazel.days_since_review is None and hazel.review_overdue is True
    assert hazel.reminder_this_week is False

    html = response.content.decode()
    oak_row = html[html.index(f'id="class-{world.a.classes["Oak"].pk}"') :]
    oak_row = oak_row[: oak_row.index("</tr>")]
    assert "Reminder: 1" in oak_row and "Learning: 1" in oak_row
    assert "oldest has waited 3 days" in oak_row
    assert "14 days ago (Fine)" in oak_row and "data-overdue" not in oak_row
    willow_row = html[html.index(f'id="class-{world.a.classes["Willow"].pk}"') :]
    willow_row = willow_row[: willow_row.index("</tr>")]
    assert "<code>offensive-language</code>: 2" in willow_row
    assert "No reminder yet" in willow_row and "data-overdue" in willow_row
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_each_class_has_an_accessible_svg_chart(world, seeded):
    response, figures = report_figures(world.a.leader)
    html = response.content.decode()
    charts = re.findall(r'<svg[^>]*class="oversight-chart".*?</svg>', html, re.S)
    assert len(charts) == 3
    oak = figures[world.a.classes["Oak"].title]
    chart = next(c for c in charts if f"class-{oak.class_page.pk}-chart" in c)
    assert 'role="img"' in chart
    label = re.search(r'aria-label="([^"]+)"', chart).group(1)
    assert label.startswith(f"{oak.class_page.title}: 5 posts in the last 12 weeks")
    assert label.endswith(", ".join(str(n) for n in oak.weekly))
    assert f'<title id="class-{oak.class_page.pk}-chart-title">' in chart
    assert "<desc " in chart
    assert chart.count("<rect ") == WEEKS + 1  # a bar per week and the baseline
    assert "<script" not in html[html.index("oversight-report") :]


def test_chart_escapes_the_class_name_and_scales_bars():
    now = timezone.now()
    starts = [now - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]
    svg = weekly_chart_svg('<b>"Oak"</b>', starts, [0] * (WEEKS - 1) + [4], top=8)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    heights = [int(h) for h in re.findall(r'<rect x="\d+" y="\d+" width="\d+" height="(\d+)"', svg)]
    bars, baseline = heights[:-1], heights[-1]
    assert baseline == 2
    assert bars[-1] == 18 and set(bars[:-1]) == {0}  # 4 of 8 on a 36px scale


@pytest.mark.parametrize("interval", [None, 10])
def test_overdue_on_the_boundary_of_the_review_interval(world, interval):
    """Exactly the interval in whole days is not overdue; a day more is. The school's
    own OversightSettings (its Site's) replace the default of 14."""
    if interval is not None:
        site = Site.objects.get(root_page=world.a.school)
        settings = OversightSettings.for_site(site)
        settings.review_interval_days = interval
        settings.save()
    days = interval or 14
    now = timezone.now()
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    review(oak, world.a.leader, now - timedelta(days=days, hours=3))
    review(willow, world.a.leader, now - timedelta(days=days + 1, hours=3))
    review(willow, world.a.leader, now - timedelta(days=days + 30))  # older, ignored
    _, figures = report_figures(world.a.leader)
    assert (figures[oak.title].days_since_review, figures[oak.title].review_overdue) == (
        days,
        False,
    )
    assert (figures[willow.title].days_since_review, figures[willow.title].review_overdue) == (
        days + 1,
        True,
    )
    assert figures[oak.title].review_interval_days == days


# --- who sees what ---------------------------------------------------------------------


def test_leader_sees_own_school_only(world, seeded):
    response, figures = report_figures(world.b.leader)
    assert list(figures) == [world.b.classes["Rowan"].title]
    html = response.content.decode()
    for name in ("Oak", "Willow"):
        assert world.a.classes[name].title not in html
    assert "Alder Primary" not in html
    assert figures[world.b.classes["Rowan"].title].days_since_review == 1


def test_superuser_sees_every_school(world, seeded):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response, figures = report_figures(admin)
    assert len(figures) == 4
    html = response.content.decode()
    assert "Alder Primary" in html and "Birch Primary" in html


@pytest.mark.parametrize("who", ["teacher", "office", "carer"])
def test_others_are_refused(world, who):
    user = {
        "teacher": world.a.teachers["Oak"],
        "office": world.a.office,
        "carer": world.a.carers["Oak"],
    }[who]
    client = browser(user)
    oak = world.a.classes["Oak"]
    for response in (
        client.get(REPORT),
        client.get(CSV_URL),
        client.get(review_url(oak)),
        client.post(review_url(oak), {"outcome": "fine", "notes": "x"}),
    ):
        assert_refused(response)
        assert oak.title.encode() not in response.content
    assert not ClassReview.objects.exists()


def test_leader_cannot_review_another_schools_class(world):
    client = browser(world.a.leader)
    rowan = world.b.classes["Rowan"]
    assert client.get(review_url(rowan)).status_code == 404
    assert client.post(review_url(rowan), {"outcome": "fine"}).status_code == 404
    assert not ClassReview.objects.filter(class_page=rowan).exists()


def test_menu_item_and_homepage_panel_for_leaders_only(world, seeded):
    html = browser(world.a.leader).get("/admin/").content.decode()
    assert REPORT in html
    panel = html[html.index('id="oversight-section"') :]
    panel = panel[: panel.index("</section>")]
    # Willow (15 days) and Hazel (never) are overdue; Oak alone has this week's reminder.
    assert re.search(r'data-figure="overdue">\s*2<', panel)
    assert re.search(r'data-figure="no-reminder">\s*2<', panel)
    assert re.search(r'data-figure="waiting">\s*2<', panel)
    for user in (world.a.teachers["Oak"], world.a.office):
        html = browser(user).get("/admin/").content.decode()
        assert REPORT not in html and 'id="oversight-section"' not in html


# --- recording reviews, history, CSV ------------------------------------------------


def test_leader_records_a_review_and_sees_the_history(world):
    oak = world.a.classes["Oak"]
    client = browser(world.a.leader)
    form = client.get(review_url(oak))
    assert form.status_code == 200 and "No review yet." in form.content.decode()
    assert 'name="outcome" value=""' not in form.content.decode()  # no blank choice
    response = client.post(
        review_url(oak), {"outcome": "follow-up", "notes": "Ask about the trip photos"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{REPORT}#class-{oak.pk}"
    saved = ClassReview.objects.get(class_page=oak)
    assert (saved.reviewer, saved.outcome, saved.notes) == (
        world.a.leader,
        ClassReview.Outcome.FOLLOW_UP,
        "Ask about the trip photos",
    )
    assert timezone.now() - saved.reviewed_at < timedelta(minutes=1)
    client.post(review_url(oak), {"outcome": "fine", "notes": "Sorted"})

    history = client.get(review_url(oak)).content.decode()
    table = history[history.index("Review history") :]
    name = world.a.leader.get_full_name()
    assert table.count(name) == 2
    assert table.index("Sorted") < table.index("Ask about the trip photos")  # newest first
    assert "Follow-up needed" in table and "Fine" in table

    _, figures = report_figures(world.a.leader)
    assert figures[oak.title].days_since_review == 0
    assert figures[oak.title].last_outcome == ClassReview.Outcome.FINE
    assert figures[oak.title].review_overdue is False


def test_invalid_review_is_not_saved(world):
    client = browser(world.a.leader)
    response = client.post(review_url(world.a.classes["Oak"]), {"outcome": "great"})
    assert response.status_code == 200
    assert "error-message" in response.content.decode()
    assert not ClassReview.objects.exists()


def test_recording_a_review_needs_the_csrf_token(world):
    client = browser(world.a.leader, enforce_csrf_checks=True)
    oak = world.a.classes["Oak"]
    refused = client.post(review_url(oak), {"outcome": "fine"})
    assert refused.status_code == 403
    assert not ClassReview.objects.exists()
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(review_url(oak)).content.decode()
    ).group(1)
    accepted = client.post(review_url(oak), {"outcome": "fine", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert ClassReview.objects.filter(class_page=oak).count() == 1


def test_csv_export_has_the_leaders_schools_only_and_defuses_formulas(world, seeded):
    oak, willow = world.a.classes["Oak"], world.a.classes["Willow"]
    review(oak, world.a.leader, timezone.now(), notes='=HYPERLINK("http://evil.example","x")')
    review(willow, world.a.leader, timezone.now(), notes="+1 -2 @3")
    response = browser(world.a.leader).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["school", "class", "reviewed_at", "reviewer", "outcome", "notes"]
    body = rows[1:]
    assert len(body) == 5  # Oak 3, Willow 2; nothing of Rowan
    assert {row[0] for row in body} == {"Alder Primary"}
    assert {row[1] for row in body} == {oak.title, willow.title}
    assert "Rowan is fine" not in response.content.decode()
    notes = {row[5] for row in body}
    assert '\'=HYPERLINK("http://evil.example","x")' in notes
    assert "'+1 -2 @3" in notes
    assert {"All good", "Chase Oak"} <= notes
    for row in body:
        assert timezone.datetime.fromisoformat(row[2]).tzinfo is not None
        assert row[3] == world.a.leader.get_full_name()
        assert row[4] in {"Fine", "Follow-up needed"}
    oak_rows = [row for row in body if row[1] == oak.title]
    assert [row[2] for row in oak_rows] == sorted((row[2] for row in oak_rows), reverse=True)

    b_rows = list(csv.reader(io.StringIO(browser(world.b.leader).get(CSV_URL).content.decode())))
    assert [row[1] for row in b_rows[1:]] == [world.b.classes["Rowan"].title]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Fine", "Fine"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


# --- cost ---------------------------------------------------------------------------


def populate(school, names, leader, teacher_of):
    """Classes with a live post, a post waiting, a refused post and a review each."""
    now = timezone.now()
    for name in names:
        class_page = create_class(school, name)
        live_post(class_page, Kind.REMINDER, now - timedelta(days=1))
        waiting = StoryPostPageFactory(parent=class_page, body="Seeds.", published=False)
        submit(waiting, teacher_of)
        refused = StoryPostPageFactory(parent=class_page, body="shit", published=False)
        submit(refused, teacher_of)
        review(class_page, leader, now - timedelta(days=3))


def count_report_queries(client):
    client.get(REPORT)  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPORT)
    assert response.status_code == 200
    return len(queries), len(response.context["figures"])


@pytest.mark.parametrize(
    "classes_at_the_end",
    [10, pytest.param(30, marks=pytest.mark.scale)],  # a query per class shows as 7 more
)
def test_report_query_count_does_not_grow_with_classes(world, record_property, classes_at_the_end):
    # A superuser may submit for any class: one author for all the extra classes.
    author = UserFactory(username="author", is_superuser=True, is_staff=True)
    client = browser(world.a.leader)
    populate(world.a.school, ["Hazel"], world.a.leader, author)
    small, classes = count_report_queries(client)
    assert classes == 3
    extra = [f"Class {n:02}" for n in range(classes_at_the_end - 3)]
    populate(world.a.school, extra, world.a.leader, author)
    large, classes = count_report_queries(client)
    assert classes == classes_at_the_end
    record_property("report_queries", small)
    print(f"oversight report: {small} queries for 3 classes, {large} for {classes}")  # noqa: T201
    assert small == large
