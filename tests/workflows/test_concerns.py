"""Carers' concern reports, through HTTP: a carer who may see a live post reports it, the
school's leaders are e-mailed a link (never who reported), a leader dismisses the report
or takes the post down from the admin; nobody else can report, nobody else can triage,
the teacher learns nothing about reports, and bad input never gives a 500."""

import pytest
from django.core import mail
from wagtail.models import PageLogEntry

from class_pages.factories import (
    CarerLinkFactory,
    InformationPageFactory,
    StoryPostPageFactory,
    UserFactory,
)
from class_pages.models import CarerLink, SchoolStoryIndexPage, StoryPostPage
from tests.helpers import assert_private
from workflows.models import ConcernReport

DETAILS = "The boy at the back is Jamie Example, whose mum said no photos."


def report_url(post):
    return f"/posts/{post.pk}/report/"


def admin_index():
    return "/admin/concern_reports/"


def admin_edit(report):
    return f"/admin/concern_reports/edit/{report.pk}/"


def send_report(client, post, reason="no-consent", details=DETAILS):
    return client.post(report_url(post), {"reason": reason, "details": details})


def decision(client, report, choice, note=""):
    return client.post(admin_edit(report), {"decision": choice, "leader_note": note})


def recipients():
    return {address for message in mail.outbox for address in message.to}


@pytest.fixture
def oak(world):
    return world.a.posts["Oak"]


@pytest.fixture
def carer(world, client):
    client.force_login(world.a.carers["Oak"])
    return client


@pytest.fixture
def leader_client(world):
    from django.test import Client

    client = Client()
    client.force_login(world.a.leader)
    return client


# --- the whole story -------------------------------------------------------------------


def test_report_then_take_down_end_to_end(world, carer, leader_client, oak):
    reporter = world.a.carers["Oak"]
    post_page = carer.get(oak.url)
    assert f'href="{report_url(oak)}"' in post_page.content.decode()

    form = carer.get(report_url(oak))
    assert form.status_code == 200
    assert_private(form)
    assert "It shows a child without consent" in form.content.decode()

    mail.outbox.clear()
    sent = send_report(carer, oak)
    assert sent.status_code == 302
    assert sent["Location"] == f"/posts/{oak.pk}/report/sent/"
    assert_private(sent)
    report = ConcernReport.objects.get()
    assert (report.post_id, report.reporter, report.reason, report.details) == (
        oak.pk,
        reporter,
        "no-consent",
        DETAILS,
    )
    assert report.status == ConcernReport.Status.OPEN

    confirmation = carer.get(sent["Location"])
    assert confirmation.status_code == 200
    assert_private(confirmation)
    text = confirmation.content.decode()
    assert "senior leaders will look at your report" in text
    assert "not a messaging service" in text
    # No "contact" page: the link goes to the school's home page.
    assert 'href="/">Alder Primary</a>' in text

    # Only the school's leaders are told; the message names neither the carer nor what
    # they wrote (it may name them), and links to the triage view.
    assert recipients() == {world.a.leader.email}
    (message,) = mail.outbox
    body = message.subject + message.body
    assert f"http://testserver/admin/concern_reports/edit/{report.pk}/" in body
    assert "Oak news" in body
    for secret in (
        reporter.username,
        reporter.email,
        reporter.last_name,
        reporter.get_full_name(),
        "Jamie",
    ):
        assert secret not in body
    assert "<img" not in body

    listing = leader_client.get(admin_index())
    assert listing.status_code == 200
    assert [r.pk for r in listing.context["object_list"]] == [report.pk]
    edit = leader_client.get(admin_edit(report))
    assert edit.status_code == 200
    assert "Jamie Example" in edit.content.decode()

    mail.outbox.clear()
    done = decision(leader_client, report, "unpublish")
    assert (done.status_code, done["Location"]) == (302, admin_index())

    oak.refresh_from_db()
    assert not oak.live
    assert oak.has_unpublished_changes  # back to draft, the teacher's content kept
    report.refresh_from_db()
    assert report.status == ConcernReport.Status.UNPUBLISHED
    assert report.handled_by == world.a.leader
    assert report.handled_at is not None
    entry = PageLogEntry.objects.get(page=oak, action="workflows.concern_unpublished")
    assert entry.user == world.a.leader
    assert entry.data == {"report_id": report.pk}
    assert PageLogEntry.objects.filter(page=oak, action="wagtail.unpublish").exists()
    assert mail.outbox == []  # nobody, the teacher included, is e-mailed about it

    mine = carer.get("/my-reports/")
    assert mine.status_code == 200
    assert_private(mine)
    assert "the post was taken down" in mine.content.decode()
    assert carer.get(oak.url).status_code == 404
    assert carer.get(report_url(oak)).status_code == 404


def test_dismiss_needs_a_note_and_keeps_the_post(world, carer, leader_client, oak):
    send_report(carer, oak, reason="other", details="")
    report = ConcernReport.objects.get()

    refused = decision(leader_client, report, "dismiss")
    assert refused.status_code == 200
    assert "Say why no action is needed." in refused.content.decode()
    report.refresh_from_db()
    assert report.status == ConcernReport.Status.OPEN

    note = "Checked with the office: consent is on file for everyone shown."
    assert decision(leader_client, report, "dismiss", note).status_code == 302
    report.refresh_from_db()
    assert report.status == ConcernReport.Status.DISMISSED
    assert (report.handled_by, report.leader_note) == (world.a.leader, note)
    oak.refresh_from_db()
    assert oak.live
    assert not PageLogEntry.objects.filter(action="workflows.concern_unpublished").exists()

    mine = carer.get("/my-reports/").content.decode()
    assert "no action needed" in mine
    assert "consent is on file" not in mine  # the leader's note is for the school only
    assert carer.get(oak.url).status_code == 200


def test_a_decided_report_cannot_be_decided_again(world, carer, leader_client, oak):
    send_report(carer, oak)
    report = ConcernReport.objects.get()
    decision(leader_client, report, "dismiss", "Fine.")

    again = decision(leader_client, report, "unpublish")
    assert again.status_code == 200
    assert "already decided" in again.content.decode()
    report.refresh_from_db()
    oak.refresh_from_db()
    assert report.status == ConcernReport.Status.DISMISSED
    assert oak.live


def test_taking_a_post_down_closes_every_open_report_about_it(world, carer, leader_client, oak):
    send_report(carer, oak)
    second_carer = UserFactory(username="second.oak.carer")
    CarerLinkFactory(carer=second_carer, pupil=world.a.pupils["Oak"])
    from django.test import Client

    other = Client()
    other.force_login(second_carer)
    send_report(other, oak, reason="inappropriate", details="")
    first, second = ConcernReport.objects.order_by("pk")

    decision(leader_client, first, "unpublish")

    second.refresh_from_db()
    assert second.status == ConcernReport.Status.UNPUBLISHED
    assert second.handled_by == world.a.leader
    assert "the post was taken down" in other.get("/my-reports/").content.decode()


def test_contact_page_is_linked_when_the_school_has_one(world, carer, oak):
    contact = InformationPageFactory(
        parent=world.a.school, title="Contacting the school", slug="contact-us"
    )
    send_report(carer, oak)
    text = carer.get(f"/posts/{oak.pk}/report/sent/").content.decode()
    assert contact.live
    assert 'href="/contact-us/">Contacting the school</a>' in text


def test_a_whole_school_story_post_can_be_reported(world, carer):
    story = StoryPostPageFactory(
        parent=SchoolStoryIndexPage.objects.child_of(world.a.school).get(), title="Sports day"
    )
    assert send_report(carer, story).status_code == 302
    assert ConcernReport.objects.filter(post=story).exists()


# --- who may report --------------------------------------------------------------------

REFUSED = {
    "carer of another class": lambda w: w.a.carers["Willow"],
    "carer of another school": lambda w: w.b.carers["Rowan"],
    "teacher of the class": lambda w: w.a.teachers["Oak"],
    "leader of the school": lambda w: w.a.leader,
    "office of the school": lambda w: w.a.office,
}


@pytest.mark.parametrize("who", REFUSED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_else_can_report(world, client, oak, who, method):
    client.force_login(REFUSED[who](world))
    mail.outbox.clear()
    response = getattr(client, method)(report_url(oak), {"reason": "other"})
    assert response.status_code == 404
    assert_private(response)
    assert b"Oak news" not in response.content
    assert not ConcernReport.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in(world, client, oak, method):
    response = getattr(client, method)(report_url(oak), {"reason": "other"})
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
    assert_private(response)
    assert not ConcernReport.objects.exists()
    for path in ("/my-reports/", f"/posts/{oak.pk}/report/sent/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in/" in response["Location"]


def test_drafts_and_unpublished_posts_cannot_be_reported(world, carer, oak):
    draft = StoryPostPageFactory(parent=world.a.classes["Oak"], title="Draft", published=False)
    assert carer.get(report_url(draft)).status_code == 404
    assert send_report(carer, draft).status_code == 404
    oak.unpublish()
    assert carer.get(report_url(oak)).status_code == 404
    assert not ConcernReport.objects.exists()


def test_a_carer_whose_access_ended_can_no_longer_report(world, carer, oak):
    send_report(carer, oak)
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status = CarerLink.Status.REVOKED
    link.save()
    assert carer.get(report_url(oak)).status_code == 404
    assert carer.get(f"/posts/{oak.pk}/report/sent/").status_code == 404
    mine = carer.get("/my-reports/").content.decode()
    assert "Oak news" not in mine  # a class they may no longer see is not named
    assert "A post you can no longer see" in mine


# --- one open report per carer per post ------------------------------------------------


def test_a_second_report_shows_the_first(world, carer, leader_client, oak):
    send_report(carer, oak)
    mail.outbox.clear()

    again = carer.get(report_url(oak))
    assert again.status_code == 200
    assert_private(again)
    text = again.content.decode()
    assert "You have already reported this post" in text
    assert "Waiting for a leader" in text
    assert 'name="reason"' not in text

    resent = send_report(carer, oak, reason="inappropriate")
    assert resent.status_code == 200
    assert ConcernReport.objects.count() == 1
    assert mail.outbox == []

    decision(leader_client, ConcernReport.objects.get(), "dismiss", "Nothing wrong.")
    assert 'name="reason"' in carer.get(report_url(oak)).content.decode()
    assert send_report(carer, oak).status_code == 302
    assert ConcernReport.objects.count() == 2


def test_my_reports_lists_only_my_own(world, carer, client, oak):
    send_report(carer, oak)
    from django.test import Client

    willow = Client()
    willow.force_login(world.a.carers["Willow"])
    send_report(willow, world.a.posts["Willow"], reason="inappropriate")
    assert ConcernReport.objects.count() == 2

    mine = carer.get("/my-reports/").content.decode()
    assert "Oak news" in mine
    assert "Willow news" not in mine
    assert "It is inappropriate" not in mine


# --- leaders only, and only their own school -------------------------------------------


def test_leader_of_another_school_sees_nothing(world, carer, client, oak):
    send_report(carer, oak)
    report = ConcernReport.objects.get()
    client.force_login(world.b.leader)

    listing = client.get(admin_index())
    assert listing.status_code == 200
    assert list(listing.context["object_list"]) == []
    assert b"Oak news" not in listing.content
    assert client.get(admin_edit(report)).status_code == 404
    assert decision(client, report, "unpublish").status_code == 404
    for view in ("history", "usage", "delete"):
        assert client.get(f"/admin/concern_reports/{view}/{report.pk}/").status_code == 404
    report.refresh_from_db()
    oak.refresh_from_db()
    assert report.status == ConcernReport.Status.OPEN
    assert oak.live


@pytest.mark.parametrize("who", ["teacher", "office"])
def test_teacher_and_office_cannot_see_reports(world, carer, client, oak, who):
    send_report(carer, oak)
    report = ConcernReport.objects.get()
    client.force_login(world.a.teachers["Oak"] if who == "teacher" else world.a.office)

    assert b"Concern reports" not in client.get("/admin/").content
    # Wagtail's answer to a missing permission: back to the dashboard.
    for path in (admin_index(), admin_edit(report)):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    refused = decision(client, report, "unpublish")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    for view in ("history", "usage"):
        assert client.get(f"/admin/concern_reports/{view}/{report.pk}/").status_code == 404
    report.refresh_from_db()
    oak.refresh_from_db()
    assert report.status == ConcernReport.Status.OPEN
    assert oak.live


def test_the_teacher_learns_nothing_of_reports(world, carer, leader_client, client, oak):
    teacher = world.a.teachers["Oak"]
    oak.owner = teacher
    oak.save()
    send_report(carer, oak)
    decision(leader_client, ConcernReport.objects.get(), "unpublish")
    assert teacher.email not in recipients()

    client.force_login(teacher)
    reporter = world.a.carers["Oak"]
    for path in (f"/admin/pages/{oak.pk}/history/", f"/admin/pages/{oak.pk}/usage/"):
        response = client.get(path)
        assert response.status_code == 200, path
        # The log action's code (asked for by name) is the only trace, in a filter value.
        text = response.content.decode().replace("workflows.concern_unpublished", "")
        assert reporter.get_full_name() not in text
        assert reporter.username not in text
        assert "Jamie" not in text
        assert "concern" not in text.lower()
    assert (
        "Taken down by a senior leader"
        in client.get(f"/admin/pages/{oak.pk}/history/").content.decode()
    )


def test_leaders_filter_by_status_and_reason(world, carer, leader_client, oak):
    send_report(carer, oak, reason="inappropriate")
    first = ConcernReport.objects.get()
    decision(leader_client, first, "dismiss", "Fine.")
    send_report(carer, oak, reason="no-consent")
    second = ConcernReport.objects.exclude(pk=first.pk).get()

    def listed(query):
        response = leader_client.get(admin_index() + query)
        assert response.status_code == 200
        return {report.pk for report in response.context["object_list"]}

    assert listed("") == {first.pk, second.pk}
    assert listed("?status=open") == {second.pk}
    assert listed("?status=dismissed") == {first.pk}
    assert listed("?reason=inappropriate") == {first.pk}
    assert listed("?reason=no-consent&status=open") == {second.pk}
    leader_client.get(admin_index() + "?status=zzz&reason=%00")  # no 500


def test_nobody_adds_or_deletes_reports_in_the_admin(world, carer, leader_client, oak):
    send_report(carer, oak)
    report = ConcernReport.objects.get()
    assert b"Concern reports" in leader_client.get("/admin/").content  # the menu item
    for response in (
        leader_client.get("/admin/concern_reports/new/"),
        leader_client.post("/admin/concern_reports/new/", {"reason": "other"}),
        leader_client.post(f"/admin/concern_reports/delete/{report.pk}/"),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert list(ConcernReport.objects.values_list("pk", flat=True)) == [report.pk]


# --- bad input never gives a 500 -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "<script>", "details": ""}, "Please choose one of the reasons"),
        ({"details": "no reason"}, "Please choose a reason."),
        ({"reason": "other", "details": "x" * 2001}, "under 2000 characters"),
        ({"reason": "other", "details": "x" * 200_000}, "under 2000 characters"),
        ({"reason": "other", "details": "nul \x00 byte"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_is_a_form_error(world, carer, oak, data, error):
    mail.outbox.clear()
    response = carer.post(report_url(oak), data)
    assert response.status_code == 200
    assert_private(response)
    assert error in response.content.decode()
    assert not ConcernReport.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        "/posts/0/report/",
        "/posts/999999/report/",
        "/posts/99999999999999999999999/report/",
        "/posts/99999999999999999999999/report/sent/",
        "/posts/-1/report/",
        "/posts/abc/report/",
        "/posts/999999/report/sent/",
    ],
)
def test_odd_post_ids_are_404(world, carer, path):
    response = carer.get(path)
    assert response.status_code == 404
    assert_private(response)


def test_other_pages_and_other_classes_are_404(world, carer):
    for page in (world.a.classes["Oak"], world.a.school, world.a.posts["Willow"]):
        assert carer.get(report_url(page)).status_code == 404
        assert send_report(carer, page).status_code == 404
    # The confirmation page of a post the carer never reported.
    assert carer.get(f"/posts/{world.a.posts['Oak'].pk}/report/sent/").status_code == 404
    assert not ConcernReport.objects.exists()


def test_other_methods_are_refused(world, carer, oak):
    for path in (report_url(oak), "/my-reports/", f"/posts/{oak.pk}/report/sent/"):
        response = carer.put(path)
        assert response.status_code == 405
        assert_private(response)
    assert carer.post("/my-reports/").status_code == 405
    assert not StoryPostPage.objects.filter(pk=oak.pk, live=False).exists()
