"""Carers' e-mails about new posts, through the real publish path and the real URLs: an
e-mail per new post to exactly the carers who may read it (once, never for an edit), the
daily digest (grouped, idempotent), "none", the signed one-click unsubscribe link (no
sign-in, no CSRF token, one place only, tampering refused), what an e-mail may contain
(links only), and the preferences page (only the carer's own places; forgeries refused)."""

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import TaskState

from class_pages.factories import CarerLinkFactory, StoryPostPageFactory, UserFactory
from class_pages.models import CarerLink, SchoolStoryIndexPage, StoryPostPage
from tests.helpers import action_url, add_url, assert_private, post_form
from workflows.models.notifications import Frequency, NotificationPreference, SentNotification
from workflows.notifications.delivery import (
    NotificationsFailed,
    send_digests,
    send_new_post_emails,
)
from workflows.notifications.following import frequency_for, set_frequency
from workflows.notifications.messages import unsubscribe_token

BODY = "We planted sunflower seeds.\nEach table had a tray.\nWe will measure them.\nMore soon."
UNSUBSCRIBE = re.compile(r"https?://[^\s]+/notifications/unsubscribe/[^\s/]+/")


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a new post as the workflow would, running what waits for the commit."""

    def publish_post(parent, title, body=BODY, photos=()):
        with django_capture_on_commit_callbacks(execute=True):
            post = StoryPostPageFactory(parent=parent, title=title, body=body, photos=list(photos))
        return StoryPostPage.objects.get(pk=post.pk)

    return publish_post


@pytest.fixture
def story(world):
    return SchoolStoryIndexPage.objects.child_of(world.a.school).get()


@pytest.fixture
def old_posts(world):
    """The world's posts were published when the fixture was built: make them old news."""
    StoryPostPage.objects.update(first_published_at=timezone.now() - timedelta(days=3))


def mails_to(user):
    return [message for message in mail.outbox if user.email in message.to]


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def unsubscribe_links(message):
    return UNSUBSCRIBE.findall(message.body)


def path_of(url):
    return urlsplit(url).path


def header_url(message):
    value = message.extra_headers["List-Unsubscribe"]
    assert value.startswith("<") and value.endswith(">")
    return value[1:-1]


def assert_links_only(message):
    assert "<img" not in message.body.lower()
    assert "/files/" not in message.body
    assert not message.attachments
    assert not getattr(message, "alternatives", None)
    assert unsubscribe_links(message)
    assert header_url(message).startswith("https://")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def anonymous():
    return Client(enforce_csrf_checks=True)


# --- an e-mail for each new post ---------------------------------------------------------


def test_new_class_post_emails_the_carers_of_that_class_only(world, publish):
    a, b = world.a, world.b
    post = publish(a.classes["Oak"], "Sunflowers", photos=[a.images["Oak"]])

    assert recipients() == [a.carers["Oak"].email]
    (message,) = mail.outbox
    assert message.subject == "Oak, 2026-27: Sunflowers"
    assert "“Sunflowers”" in message.body
    assert "We planted sunflower seeds.\nEach table had a tray.\nWe will measure them." in (
        message.body
    )
    assert "More soon." not in message.body  # the first lines only
    assert post.get_full_url() in message.body
    assert "Alder Primary" in message.body
    assert a.pupils["Oak"].first_name not in message.body  # tagged pupils are not named
    assert_links_only(message)
    for user in (a.carers["Willow"], b.carers["Rowan"], a.teachers["Oak"], a.leader):
        assert not mails_to(user)
    assert SentNotification.objects.filter(post=post).count() == 1


def test_whole_school_story_post_emails_every_carer_of_that_school(world, publish, story):
    publish(story, "Sports day")

    assert recipients() == sorted([world.a.carers["Oak"].email, world.a.carers["Willow"].email])
    for message in mail.outbox:
        assert message.subject == "Whole-school story, Alder Primary: Sports day"
        assert_links_only(message)


def test_post_approved_through_the_workflow_emails_the_carers(
    world, django_capture_on_commit_callbacks
):
    a = world.a
    teacher = Client()
    teacher.force_login(a.teachers["Oak"])
    response = teacher.post(
        add_url(a.classes["Oak"]),
        post_form("Bean diary", "bean-diary", [a.images["Oak"]], "action-submit", BODY),
    )
    assert response.status_code == 302
    post = StoryPostPage.objects.child_of(a.classes["Oak"]).get(slug="bean-diary")
    task_state = post.current_workflow_task_state
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    mail.outbox.clear()

    leader = Client()
    leader.force_login(a.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(action_url(post, "approve", task_state), {"comment": ""})
    assert response.status_code in (200, 302)
    assert StoryPostPage.objects.get(pk=post.pk).live

    carers_mail = mails_to(a.carers["Oak"])
    assert [m.subject for m in carers_mail] == ["Oak, 2026-27: Bean diary"]
    assert not mails_to(a.carers["Willow"])


def test_republishing_an_edit_sends_nothing_more(
    world, publish, django_capture_on_commit_callbacks
):
    post = publish(world.a.classes["Oak"], "Sunflowers")
    assert len(mail.outbox) == 1

    post.body = "We planted sunflower seeds. Corrected."
    with django_capture_on_commit_callbacks(execute=True):
        post.save_revision().publish()
    assert len(mail.outbox) == 1

    # Even if the task ran again (a retry), nobody is told twice.
    assert send_new_post_emails(post.pk) == 0
    assert len(mail.outbox) == 1


def test_revoked_carer_is_not_emailed(world, publish):
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status, link.end_reason = CarerLink.Status.REVOKED, CarerLink.EndReason.VIOLATION
    link.save()

    publish(world.a.classes["Oak"], "Sunflowers")

    assert not mails_to(world.a.carers["Oak"])
    assert mail.outbox == []


def test_access_is_checked_when_the_email_is_sent(world):
    """The post went live while the carer could see it; the link was revoked before the
    queued task ran: nothing is sent."""
    post = world.a.posts["Oak"]
    link = CarerLink.objects.get(carer=world.a.carers["Oak"])
    link.status, link.end_reason = CarerLink.Status.SUSPENDED, CarerLink.EndReason.OTHER
    link.save()

    assert send_new_post_emails(post.pk) == 0
    assert mail.outbox == []


def test_post_taken_down_before_the_task_ran_is_not_announced(world):
    post = world.a.posts["Oak"]
    post.unpublish()

    assert send_new_post_emails(post.pk) == 0
    assert mail.outbox == []


def test_inactive_carer_and_carer_without_email_are_skipped(world, publish):
    second = UserFactory(username="second.oak.carer", email="")
    CarerLinkFactory(carer=second, pupil=world.a.pupils["Oak"])
    carer = world.a.carers["Oak"]
    carer.is_active = False
    carer.save()

    publish(world.a.classes["Oak"], "Sunflowers")

    assert mail.outbox == []


def test_none_sends_nothing(world, publish, story, old_posts):
    carer = world.a.carers["Oak"]
    set_frequency(carer, world.a.classes["Oak"], Frequency.NONE)

    publish(world.a.classes["Oak"], "Sunflowers")
    assert not mails_to(carer)

    assert send_digests() == 0
    assert not mails_to(carer)


def test_failed_send_releases_the_claim_for_a_retry(world, monkeypatch):
    post = world.a.posts["Oak"]

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", broken)
        with pytest.raises(NotificationsFailed):
            send_new_post_emails(post.pk)
    assert not SentNotification.objects.filter(post=post).exists()

    assert send_new_post_emails(post.pk) == 1
    assert recipients() == [world.a.carers["Oak"].email]


# --- the daily digest ---------------------------------------------------------------------


def test_daily_digest_groups_the_days_posts_and_is_idempotent(world, publish, story, old_posts):
    a = world.a
    carer = a.carers["Oak"]
    set_frequency(carer, a.classes["Oak"], Frequency.DAILY)
    set_frequency(carer, story, Frequency.DAILY)

    publish(a.classes["Oak"], "Sunflowers")
    publish(a.classes["Oak"], "Bean diary", body="Beans grew 2 cm.")
    publish(story, "Sports day", body="Everyone ran.")
    publish(a.classes["Willow"], "Willow art")
    assert not mails_to(carer)  # digest only
    assert len(mails_to(a.carers["Willow"])) == 2  # immediate: the story and their class
    mail.outbox.clear()

    assert send_digests() == 1
    (message,) = mail.outbox
    assert message.to == [carer.email]
    assert "Oak, 2026-27" in message.subject
    assert "Whole-school story, Alder Primary" in message.subject
    body = message.body
    assert "3 new posts" in body
    for title in ("Sunflowers", "Bean diary", "Sports day"):
        assert f"“{title}”" in body
    assert "Willow art" not in body
    assert a.posts["Oak"].title not in body  # published days ago
    assert body.index("Sunflowers") < body.index("Bean diary")
    assert_links_only(message)
    # One link per place, plus one for everything in this digest.
    assert len(unsubscribe_links(message)) == 3

    # A rerun (cron twice, a retried task) sends nothing again.
    assert send_digests() == 0
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "Sent 0 digest e-mails." in out.getvalue()
    assert len(mail.outbox) == 1

    # A post published later that day is the only thing in the next digest.
    publish(a.classes["Oak"], "Afternoon music")
    assert send_digests() == 1
    assert "Afternoon music" in mail.outbox[-1].body
    assert "Sunflowers" not in mail.outbox[-1].body


def test_digest_command_sends_and_reports(world, publish, old_posts):
    carer = world.a.carers["Oak"]
    set_frequency(carer, world.a.classes["Oak"], Frequency.DAILY)
    publish(world.a.classes["Oak"], "Sunflowers")

    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "Sent 1 digest e-mail" in out.getvalue()
    assert [m.to for m in mail.outbox] == [[carer.email]]


def test_digest_leaves_out_places_the_carer_no_longer_sees(world, publish, old_posts):
    carer = world.a.carers["Oak"]
    set_frequency(carer, world.a.classes["Oak"], Frequency.DAILY)
    publish(world.a.classes["Oak"], "Sunflowers")
    link = CarerLink.objects.get(carer=carer)
    link.status, link.end_reason = CarerLink.Status.REVOKED, CarerLink.EndReason.LEFT
    link.save()

    assert send_digests() == 0
    assert mail.outbox == []


def test_digest_skips_posts_already_sent_one_by_one(world, publish, old_posts):
    carer = world.a.carers["Oak"]
    publish(world.a.classes["Oak"], "Sunflowers")  # immediate (the default)
    assert len(mails_to(carer)) == 1
    set_frequency(carer, world.a.classes["Oak"], Frequency.DAILY)

    assert send_digests() == 0
    assert len(mails_to(carer)) == 1


# --- one-click unsubscribe -------------------------------------------------------------


def test_unsubscribe_link_works_without_signing_in_and_changes_only_that_place(
    world, publish, story
):
    a = world.a
    carer = a.carers["Oak"]
    set_frequency(carer, story, Frequency.DAILY)
    publish(a.classes["Oak"], "Sunflowers")
    (link,) = unsubscribe_links(mails_to(carer)[0])

    browser = anonymous()
    confirm = browser.get(path_of(link))
    assert confirm.status_code == 200
    assert_private(confirm)
    assert "Oak, 2026-27" in confirm.content.decode()
    assert frequency_for(carer, a.classes["Oak"]) == Frequency.IMMEDIATE  # GET changes nothing

    done = browser.post(path_of(link))  # no CSRF token, no session
    assert done.status_code == 200
    assert_private(done)
    assert frequency_for(carer, a.classes["Oak"]) == Frequency.NONE
    assert frequency_for(carer, story) == Frequency.DAILY
    assert not NotificationPreference.objects.exclude(carer=carer).exists()

    mail.outbox.clear()
    publish(a.classes["Oak"], "Bean diary")
    assert not mails_to(carer)


def test_mail_clients_one_click_post_to_the_header_url(world, publish):
    carer = world.a.carers["Oak"]
    publish(world.a.classes["Oak"], "Sunflowers")
    url = header_url(mails_to(carer)[0])
    assert url.startswith("https://")

    response = anonymous().post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert frequency_for(carer, world.a.classes["Oak"]) == Frequency.NONE


def test_digest_header_unsubscribes_from_every_place_in_that_digest(
    world, publish, story, old_posts
):
    carer = world.a.carers["Oak"]
    set_frequency(carer, world.a.classes["Oak"], Frequency.DAILY)
    set_frequency(carer, story, Frequency.DAILY)
    publish(world.a.classes["Oak"], "Sunflowers")
    publish(story, "Sports day")
    send_digests()

    (digest,) = mails_to(carer)
    anonymous().post(path_of(header_url(digest)), {"List-Unsubscribe": "One-Click"})
    assert frequency_for(carer, world.a.classes["Oak"]) == Frequency.NONE
    assert frequency_for(carer, story) == Frequency.NONE


def tampered_tokens(world):
    carer = world.a.carers["Oak"]
    token = unsubscribe_token(carer, [world.a.classes["Oak"]])
    return {
        "signature changed": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "body changed": token.replace(":", ":x", 1),
        "other salt": signing.dumps([carer.pk, [world.a.classes["Oak"].pk]], compress=True),
        "forged body": signing.dumps([carer.pk, [world.a.classes["Willow"].pk]], salt="x"),
        "nonsense": "nonsense",
        "nul": "%00",
        "very long": "a" * 2000,
    }


@pytest.mark.parametrize(
    "kind",
    [
        "signature changed",
        "body changed",
        "other salt",
        "forged body",
        "nonsense",
        "nul",
        "very long",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_is_refused_kindly(world, publish, method, kind):
    bad = tampered_tokens(world)[kind]
    browser = Client(raise_request_exception=False)
    response = getattr(browser, method)(f"/notifications/unsubscribe/{bad}/")
    assert response.status_code == 404, bad
    assert "This link does not work" in response.content.decode()
    assert_private(response)
    assert not NotificationPreference.objects.exists()


def test_unsubscribe_page_of_a_place_no_longer_seen_names_nothing(world):
    carer = world.a.carers["Oak"]
    token = unsubscribe_token(carer, [world.a.classes["Oak"]])
    link = CarerLink.objects.get(carer=carer)
    link.status, link.end_reason = CarerLink.Status.REVOKED, CarerLink.EndReason.LEFT
    link.save()

    response = anonymous().get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 200
    assert "Oak" not in response.content.decode()


# --- the preferences page -----------------------------------------------------------------


def field(place):
    return f"place-{place.pk}"


def test_preferences_page_lists_only_the_carers_places(world, signed_in, story):
    a = world.a
    response = signed_in(a.carers["Oak"]).get("/notifications/")
    assert response.status_code == 200
    assert_private(response)
    html = response.content.decode()
    assert f'name="{field(a.classes["Oak"])}"' in html
    assert f'name="{field(story)}"' in html
    assert "Oak, 2026-27" in html and "Whole-school story" in html
    for other in (a.classes["Willow"], world.b.classes["Rowan"]):
        assert other.title not in html
        assert field(other) not in html
    assert 'value="immediate" selected' in html


def test_preferences_are_saved(world, signed_in, story):
    a = world.a
    client = signed_in(a.carers["Oak"])
    response = client.post(
        "/notifications/",
        {field(a.classes["Oak"]): Frequency.DAILY, field(story): Frequency.NONE},
    )
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert_private(response)
    carer = a.carers["Oak"]
    assert frequency_for(carer, a.classes["Oak"]) == Frequency.DAILY
    assert frequency_for(carer, story) == Frequency.NONE
    page = client.get("/notifications/").content.decode()
    assert 'value="daily" selected' in page


@pytest.mark.parametrize("other", ["Willow", "Rowan"])
def test_forged_choice_for_a_class_the_carer_cannot_see_is_refused(world, signed_in, story, other):
    a = world.a
    target = a.classes.get(other) or world.b.classes[other]
    response = signed_in(a.carers["Oak"]).post(
        "/notifications/",
        {
            field(a.classes["Oak"]): Frequency.DAILY,
            field(story): Frequency.DAILY,
            field(target): Frequency.DAILY,
        },
    )
    assert response.status_code == 400
    assert_private(response)
    assert target.title not in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_invalid_choice_is_refused(world, signed_in, story):
    a = world.a
    response = signed_in(a.carers["Oak"]).post(
        "/notifications/", {field(a.classes["Oak"]): "hourly", field(story): Frequency.NONE}
    )
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_preferences_need_signing_in(world):
    response = Client().get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert_private(response)


def test_staff_who_are_not_carers_have_nothing_to_choose(world, signed_in):
    response = signed_in(world.a.leader).get("/notifications/")
    assert response.status_code == 200
    assert "place-" not in response.content.decode()
    assert "nothing to choose" in response.content.decode()


def test_nav_links_to_notifications(world, signed_in):
    html = signed_in(world.a.carers["Oak"]).get("/my-classes/").content.decode()
    assert 'href="/notifications/"' in html
