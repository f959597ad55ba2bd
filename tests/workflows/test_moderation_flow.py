"""The moderation workflow end to end, through the real admin views: a teacher submits a
post, the automatic consent and appropriateness checks send it back with findings (by
e-mail and at the top of the editor), the teacher fixes it, a leader of the school
approves and the post goes live for the carers of the class only. Also: forged workflow
actions, consent withdrawn while a post waits, bad input, and the leaders' dashboard."""

from django.contrib import messages as messages_api
from django.contrib.messages import get_messages
from django.core import mail
from django.utils.html import escape
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from class_pages.factories import (
    ClassImageFactory,
    PupilFactory,
    UserFactory,
    enrol,
    give_consent,
)
from class_pages.models import Medium, StoryPostPage
from tests.helpers import RENDITION_SRC, action_url, add_url, edit_url, post_form
from tests.helpers import browser as signed_in_browser
from workflows.finish import publish_approved_revision
from workflows.models import (
    AppropriatenessCheckTask,
    CheckTaskState,
    ConsentCheckTask,
    LeadersApprovalTask,
)

ADMIN_HOME = "/admin/"
CLEAN_BODY = "We planted seeds and watched them sprout."


# --- helpers ------------------------------------------------------------------------


def browser(user=None):
    """Server errors come back as 500 responses (and are logged), so a test can say what
    the admin answered and still look at what was stored."""
    return signed_in_browser(user, raise_request_exception=False)


def fresh(page):
    return StoryPostPage.objects.get(pk=page.pk)


def assert_refused(response):
    """What Wagtail does when the user may not take an action: a redirect to the admin
    home with a permission message (or, for some views, 403/404)."""
    if response.status_code == 302:
        assert response["Location"] == ADMIN_HOME
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("permission" in m for m in messages), messages
    else:
        assert response.status_code in (403, 404)


def new_pupil(ns, class_name, first_name, last_name, photo=True):
    """A pupil of the class who takes part in the class pages, with or without photo
    consent."""
    pupil = PupilFactory(school=ns.school, first_name=first_name, last_name=last_name)
    enrol(pupil, ns.classes[class_name])
    give_consent(pupil, (Medium.PARTICIPATION,))
    give_consent(pupil, (Medium.PHOTO,), given=photo)
    return pupil


def photo_of(ns, class_name, *pupils):
    return ClassImageFactory(collection=ns.classes[class_name].collection, pupils=list(pupils))


def workflow_state(post):
    return WorkflowState.objects.for_instance(post).order_by("-created_at", "-pk").first()


def check_states(state, task_model):
    tasks = task_model.objects.values("pk")
    return list(
        CheckTaskState.objects.filter(workflow_state=state, task__in=tasks).order_by(
            "started_at", "pk"
        )
    )


def latest_check(state, task_model):
    states = check_states(state, task_model)
    assert states, f"{task_model.__name__} has not run"
    return states[-1]


def codes(task_state):
    return [finding["code"] for finding in task_state.findings]


def finding(task_state, code):
    matches = [item for item in task_state.findings if item["code"] == code]
    assert matches, f"no {code!r} finding in {codes(task_state)}"
    return matches[0]


def mails_to(user, subject_start=""):
    return [
        message
        for message in mail.outbox
        if user.email in message.to and message.subject.startswith(subject_start)
    ]


def assert_no_images(message):
    assert "<img" not in message.body.lower()
    for content, _ in getattr(message, "alternatives", ()):
        assert "<img" not in str(content).lower()
    assert not message.attachments


def submit_new_post(client, parent, title, slug, images, body=CLEAN_BODY):
    response = client.post(add_url(parent), post_form(title, slug, images, "action-submit", body))
    assert response.status_code == 302, response.content[:2000]
    return StoryPostPage.objects.child_of(parent).get(slug=slug)


def resubmit(client, post, images, body=CLEAN_BODY, title=None):
    response = client.post(
        edit_url(post),
        post_form(title or post.title, post.slug, images, "action-submit", body),
    )
    assert response.status_code == 302, response.content[:2000]
    return fresh(post)


def waiting_for_leaders(post):
    task_state = fresh(post).current_workflow_task_state
    assert task_state is not None, "no task in progress"
    assert isinstance(task_state.task.specific, LeadersApprovalTask)
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    return task_state


def submitted_to_leaders(world, title, slug, images=None, author=None):
    """A post by the Oak teacher (or `author`) that passed both automatic checks."""
    ns = world.a
    client = browser(author or ns.teachers["Oak"])
    images = [ns.images["Oak"]] if images is None else images
    post = submit_new_post(client, ns.classes["Oak"], title, slug, images)
    return post, waiting_for_leaders(post)


def open_editor(client, post):
    """GET the edit view: (its HTML, the error messages shown at the top of it)."""
    response = client.get(edit_url(post))
    assert response.status_code == 200
    errors = [
        str(message)
        for message in get_messages(response.wsgi_request)
        if message.level == messages_api.ERROR
    ]
    return response.content.decode(), errors


# --- 1. the whole story ------------------------------------------------------------


def test_whole_story_from_rejected_submission_to_carers_feed(world):
    ns = world.a
    oak, teacher = ns.classes["Oak"], ns.teachers["Oak"]
    oak_pupil = ns.pupils["Oak"]
    full_name = f"{oak_pupil.first_name} {oak_pupil.last_name}"
    shy = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=False)
    shy_photo = photo_of(ns, "Oak", shy)
    staff = browser(teacher)
    mail.outbox.clear()

    # The teacher submits a post naming a pupil in full, with a photo of a pupil
    # whose carers refused photos.
    post = submit_new_post(
        staff,
        oak,
        "Seed day",
        "seed-day",
        [shy_photo],
        body=f"Today {full_name} planted sunflower seeds.",
    )

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert state.requested_by == teacher
    consent = latest_check(state, ConsentCheckTask)
    assert consent.status == TaskState.STATUS_REJECTED
    assert state.current_task_state_id == consent.pk
    assert "no-photo-consent" in codes(consent)
    # The consent check comes first and sends the post back at once: the
    # appropriateness check has not run on it.
    assert check_states(state, AppropriatenessCheckTask) == []
    assert not fresh(post).live

    photo_finding = finding(consent, "no-photo-consent")
    assert "Ivy P." in photo_finding["message"]
    changes = mails_to(teacher, "Changes needed")
    assert len(changes) == 1
    assert "Seed day" in changes[0].subject
    assert photo_finding["message"] in changes[0].body
    assert f"http://testserver/admin/pages/{post.pk}/edit/" in changes[0].body
    assert_no_images(changes[0])

    html, errors = open_editor(staff, post)
    shown = f"{photo_finding['message']} [no-photo-consent]"
    assert shown in errors
    assert escape(shown) in html
    # Wagtail's resubmit button keeps the action name "action-submit".
    assert 'name="action-submit"' in html
    assert "Resubmit to" in html

    # The teacher swaps the photo for one of a pupil with consent, but the body
    # still names a pupil in full.
    mail.outbox.clear()
    post = resubmit(
        staff, post, [ns.images["Oak"]], body=f"Today {full_name} planted sunflower seeds."
    )

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    consent = latest_check(state, ConsentCheckTask)
    assert consent.status == TaskState.STATUS_APPROVED
    assert consent.revision_id == post.latest_revision_id
    fitting = latest_check(state, AppropriatenessCheckTask)
    assert fitting.status == TaskState.STATUS_REJECTED
    assert fitting.revision_id == post.latest_revision_id
    assert "pupil-full-name" in codes(fitting)
    assert finding(fitting, "pupil-full-name")["excerpt"] == full_name

    name_finding = finding(fitting, "pupil-full-name")
    changes = mails_to(teacher, "Changes needed")
    assert len(changes) == 1
    assert name_finding["message"] in changes[0].body  # plain text, exactly as found
    assert_no_images(changes[0])
    html, errors = open_editor(staff, post)
    shown = f"{name_finding['message']} [pupil-full-name]"
    assert shown in errors
    assert escape(shown) in html
    assert not any("[no-photo-consent]" in error for error in errors)  # fixed, so gone

    # First names only: both checks pass and the post waits for the leaders.
    post = resubmit(staff, post, [ns.images["Oak"]], body=CLEAN_BODY)

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    task_state = waiting_for_leaders(post)
    for task_model in (ConsentCheckTask, AppropriatenessCheckTask):
        latest = latest_check(state, task_model)
        assert latest.status == TaskState.STATUS_APPROVED
        assert latest.revision_id == post.latest_revision_id
    assert not fresh(post).live

    # A leader of the school approves: the post goes live.
    response = browser(ns.leader).post(
        action_url(post, "approve", task_state), {"comment": "Lovely."}
    )
    assert response.status_code == 302
    post = fresh(post)
    assert post.live
    assert post.live_revision_id == task_state.revision_id
    assert workflow_state(post).status == WorkflowState.STATUS_APPROVED

    # The carers of Oak see it and its photo; nobody else does.
    oak_carer = browser(ns.carers["Oak"])
    page = oak_carer.get(post.url)
    assert page.status_code == 200
    assert CLEAN_BODY in page.content.decode()
    renditions = RENDITION_SRC.findall(page.content.decode())
    assert len(renditions) == 1
    rendition_url = renditions[0]
    assert oak_carer.get(rendition_url).status_code == 200

    willow_carer = browser(ns.carers["Willow"])
    assert willow_carer.get(post.url).status_code == 404
    assert willow_carer.get(rendition_url).status_code == 404

    anonymous = browser()
    for url in (post.url, rendition_url):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


# --- 2. edits after the leader requested changes -----------------------------------


def test_edit_after_leader_requests_changes_reruns_the_automatic_checks(world):
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    post, task_state = submitted_to_leaders(world, "Pond dipping", "pond-dipping")

    response = browser(ns.leader).post(
        action_url(post, "reject", task_state), {"comment": "Please add a photo."}
    )
    assert response.status_code == 302
    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == "Please add a photo."
    consent_runs = len(check_states(state, ConsentCheckTask))

    shy = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=False)
    post = resubmit(teacher, post, [ns.images["Oak"], photo_of(ns, "Oak", shy)])

    state = workflow_state(post)
    consent = check_states(state, ConsentCheckTask)
    assert len(consent) == consent_runs + 1, "the consent check did not run on the edit"
    assert consent[-1].revision_id == post.latest_revision_id
    assert consent[-1].status == TaskState.STATUS_REJECTED
    assert "no-photo-consent" in codes(consent[-1])
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not fresh(post).live


# --- 3. forged workflow actions ----------------------------------------------------


def test_teacher_cannot_approve_the_leaders_task(world):
    post, task_state = submitted_to_leaders(world, "Self service", "self-service")

    response = browser(world.a.teachers["Oak"]).post(
        action_url(post, "approve", task_state), {"comment": ""}
    )

    assert_refused(response)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert workflow_state(post).status == WorkflowState.STATUS_IN_PROGRESS
    assert not fresh(post).live


def test_teacher_cannot_act_on_an_automatic_check(world):
    post, leaders_state = submitted_to_leaders(world, "Forged check", "forged-check")
    consent = latest_check(workflow_state(post), ConsentCheckTask)
    finished_at = consent.finished_at

    response = browser(world.a.teachers["Oak"]).post(
        action_url(post, "approve", consent), {"comment": ""}
    )

    assert_refused(response)
    consent.refresh_from_db()
    assert consent.status == TaskState.STATUS_APPROVED
    assert consent.finished_by is None
    assert consent.finished_at == finished_at
    assert fresh(post).current_workflow_task_state.pk == leaders_state.pk
    assert not fresh(post).live


def test_teacher_cannot_approve_a_rejected_automatic_check(world):
    ns = world.a
    shy = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=False)
    teacher = browser(ns.teachers["Oak"])
    post = submit_new_post(teacher, ns.classes["Oak"], "Shy", "shy", [photo_of(ns, "Oak", shy)])
    consent = latest_check(workflow_state(post), ConsentCheckTask)
    assert consent.status == TaskState.STATUS_REJECTED

    response = teacher.post(action_url(post, "approve", consent), {"comment": ""})

    assert response.status_code in (302, 403, 404)
    consent.refresh_from_db()
    assert consent.status == TaskState.STATUS_REJECTED
    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert state.current_task_state_id == consent.pk
    assert check_states(state, AppropriatenessCheckTask) == []
    assert not fresh(post).live


def test_leader_of_another_school_cannot_approve(world):
    post, task_state = submitted_to_leaders(world, "Not for Birch", "not-for-birch")

    response = browser(world.b.leader).post(
        action_url(post, "approve", task_state), {"comment": ""}
    )

    assert_refused(response)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not fresh(post).live


def test_leader_cannot_approve_own_post_while_another_leader_exists(world):
    ns = world.a
    second = UserFactory(username="leader2.testserver")
    second.groups.add(ns.school.leaders_group)
    post, task_state = submitted_to_leaders(world, "Leader's own", "leaders-own", author=ns.leader)
    assert workflow_state(post).requested_by == ns.leader

    response = browser(ns.leader).post(action_url(post, "approve", task_state), {"comment": ""})

    assert_refused(response)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not fresh(post).live

    # Control: the other leader may approve it.
    response = browser(second).post(action_url(post, "approve", task_state), {"comment": ""})
    assert response.status_code == 302
    assert fresh(post).live


def test_only_leader_may_approve_own_post(world):
    ns = world.a
    assert list(ns.school.leaders_group.user_set.all()) == [ns.leader]
    post, task_state = submitted_to_leaders(world, "Only me", "only-me", author=ns.leader)

    response = browser(ns.leader).post(action_url(post, "approve", task_state), {"comment": ""})

    assert response.status_code == 302
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    assert fresh(post).live


# --- 4. consent re-checked at approval and at publishing ---------------------------


def test_consent_withdrawn_while_waiting_blocks_the_leaders_approval(world):
    ns = world.a
    pupil = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=True)
    post, task_state = submitted_to_leaders(
        world, "Sports day", "sports-day", images=[photo_of(ns, "Oak", pupil)]
    )

    give_consent(pupil, (Medium.PHOTO,), given=False)
    response = browser(ns.leader).post(action_url(post, "approve", task_state), {"comment": ""})

    assert not fresh(post).live
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.finished_by == ns.leader
    assert "[no-photo-consent]" in task_state.comment
    assert workflow_state(post).status == WorkflowState.STATUS_NEEDS_CHANGES
    # The leader is sent back to the admin like after any workflow action.
    assert response.status_code == 302, f"approve answered {response.status_code}"


def test_finish_action_refuses_to_publish_when_consent_was_withdrawn(world):
    ns = world.a
    teacher = ns.teachers["Oak"]
    pupil = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=True)
    post, task_state = submitted_to_leaders(
        world, "Trip photos", "trip-photos", images=[photo_of(ns, "Oak", pupil)]
    )
    # The leader approved (the workflow has not moved on yet), then consent went.
    task_state.approve(user=ns.leader, update=False)
    give_consent(pupil, (Medium.PHOTO,), given=False)
    mail.outbox.clear()

    publish_approved_revision(workflow_state(post), user=ns.leader)

    post = fresh(post)
    assert not post.live
    assert post.live_revision_id is None
    refused = PageLogEntry.objects.filter(page=post, action="workflows.publish_refused")
    assert refused.count() == 1
    assert [item["code"] for item in refused.get().data["findings"]] == ["no-photo-consent"]
    (message,) = [m for m in mail.outbox if m.subject.startswith("Not published")]
    assert teacher.email in message.to
    assert ns.leader.email in message.to
    assert "Trip photos" in message.subject
    assert "Ivy P." in message.body
    assert_no_images(message)


def test_finish_action_publishes_when_consent_still_holds(world):
    """Control for the test above."""
    ns = world.a
    pupil = new_pupil(ns, "Oak", "Ivy", "Pemberton", photo=True)
    post, task_state = submitted_to_leaders(
        world, "Trip photos", "trip-photos", images=[photo_of(ns, "Oak", pupil)]
    )
    task_state.approve(user=ns.leader, update=False)

    publish_approved_revision(workflow_state(post), user=ns.leader)

    assert fresh(post).live
    assert not PageLogEntry.objects.filter(page=post, action="workflows.publish_refused").exists()


# --- 5. bad input through the admin ------------------------------------------------


def test_photo_deleted_after_the_draft_was_saved_cannot_be_submitted(world):
    """The editor will not submit a photo block whose image is gone: a form error, no
    500, and nothing reaches the workflow."""
    ns = world.a
    teacher = browser(ns.teachers["Oak"])
    doomed = photo_of(ns, "Oak", ns.pupils["Oak"])
    doomed_id = doomed.pk
    response = teacher.post(
        add_url(ns.classes["Oak"]), post_form("Draft first", "draft-first", [doomed])
    )
    assert response.status_code == 302
    post = StoryPostPage.objects.child_of(ns.classes["Oak"]).get(slug="draft-first")
    draft_revision = post.latest_revision_id
    assert workflow_state(post) is None
    doomed.delete()

    assert teacher.get(edit_url(post)).status_code == 200
    response = teacher.post(
        edit_url(post), post_form("Draft first", "draft-first", [doomed_id], "action-submit")
    )

    assert response.status_code == 200
    assert "media" in response.context["form"].errors
    assert "could not be saved due to validation errors" in response.content.decode()
    assert workflow_state(post) is None
    post = fresh(post)
    assert post.latest_revision_id == draft_revision
    assert not post.live


def test_photo_deleted_while_waiting_for_the_leaders_is_caught_at_approval(world):
    ns = world.a
    doomed = photo_of(ns, "Oak", ns.pupils["Oak"])
    post, task_state = submitted_to_leaders(world, "Vanishing", "vanishing", images=[doomed])
    doomed.delete()

    response = browser(ns.leader).post(action_url(post, "approve", task_state), {"comment": ""})

    assert not fresh(post).live
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert "[missing-media]" in task_state.comment
    assert workflow_state(post).status == WorkflowState.STATUS_NEEDS_CHANGES
    assert response.status_code == 302, f"approve answered {response.status_code}"


def test_empty_post_is_sent_back(world):
    ns = world.a
    post = submit_new_post(
        browser(ns.teachers["Oak"]), ns.classes["Oak"], "Nothing yet", "nothing-yet", [], body=""
    )

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert latest_check(state, ConsentCheckTask).status == TaskState.STATUS_APPROVED
    fitting = latest_check(state, AppropriatenessCheckTask)
    assert fitting.status == TaskState.STATUS_REJECTED
    assert codes(fitting) == ["empty-post"]


def test_huge_body_is_sent_back_without_a_crash(world):
    ns = world.a
    body = " ".join(["seeds"] * 20_000)
    post = submit_new_post(
        browser(ns.teachers["Oak"]),
        ns.classes["Oak"],
        "Long story",
        "long-story",
        [ns.images["Oak"]],
        body=body,
    )

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    fitting = latest_check(state, AppropriatenessCheckTask)
    assert fitting.status == TaskState.STATUS_REJECTED
    assert "too-long" in codes(fitting)
    assert "20000 words" in finding(fitting, "too-long")["message"]
    message = finding(fitting, "too-long")["message"]
    _, errors = open_editor(browser(ns.teachers["Oak"]), post)
    assert f"{message} [too-long]" in errors


def test_bad_word_hidden_by_zero_width_space_is_found(world):
    ns = world.a
    post = submit_new_post(
        browser(ns.teachers["Oak"]),
        ns.classes["Oak"],
        "Craft",
        "craft",
        [ns.images["Oak"]],
        body="What a sh\u200bit afternoon of painting.",
    )

    state = workflow_state(post)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    fitting = latest_check(state, AppropriatenessCheckTask)
    assert fitting.status == TaskState.STATUS_REJECTED
    assert "offensive-language" in codes(fitting)
    assert finding(fitting, "offensive-language")["excerpt"] == "shit"


# --- 6. the leaders' dashboard -----------------------------------------------------


def test_dashboard_shows_posts_awaiting_review_to_the_schools_leaders_only(world):
    post, _ = submitted_to_leaders(world, "Awaiting Alder review", "awaiting-alder-review")

    own = browser(world.a.leader).get(ADMIN_HOME)
    other = browser(world.b.leader).get(ADMIN_HOME)

    assert own.status_code == 200
    assert "Awaiting Alder review" in own.content.decode()
    assert f"/admin/pages/{post.pk}/edit/" in own.content.decode()
    assert other.status_code == 200
    assert "Awaiting Alder review" not in other.content.decode()
    assert f"/admin/pages/{post.pk}/" not in other.content.decode()


def test_immediate_refusal_is_said_plainly_after_submitting(world):
    oak = world.a.classes["Oak"]
    teacher = browser(world.a.teachers["Oak"])
    response = teacher.post(
        add_url(oak),
        post_form(
            "Rude words",
            "rude-words",
            [world.a.images["Oak"]],
            "action-submit",
            body="What a shit day",
        ),
        follow=True,
    )
    said = [str(message) for message in response.context["messages"]]
    assert any("Not sent to the leaders" in text and "offensive-language" in text for text in said)
