"""A leaders' decision on a post is taken once (workflows.approval): two leaders pressing
Approve on the same waiting post at the same moment, or one pressing Approve while the
other requests changes, give one decision, one publish, one log entry and one e-mail per
carer; the leader who came second is told and nothing of theirs is recorded.

The races run on PostgreSQL only (SQLite serialises writers, so nothing races there):
two threads, each with its own connection and its own signed-in leader, meet at a
barrier and POST the real admin URLs (Wagtail's workflow-action view, and the editor's
own Approve / Request changes menu, which is how leaders review here). They need
committed data, so they build their own school in a transactional database; that cannot
share a process with the session-wide `world` transaction (its open writes would block
theirs), so in a run where `world` is already open they skip. Run them with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/classpages \\
        .venv/bin/python -m pytest -q -p no:xdist tests/workflows/test_approval_race.py
The stale-form tests below run on any database and build the same small school inside
the test's own transaction (not `world`), so this file alone never opens `world`."""

import json
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, connections
from wagtail.models import PageLogEntry, TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    create_class,
    create_school,
    enrol,
    give_consent,
)
from class_pages.models import StoryPostPage
from tests.helpers import action_url, browser, edit_url
from workflows.models import LeadersApprovalTask

RACES = 20
ANOTHER_LEADER = "Another leader has just "
ALREADY_APPROVED = ANOTHER_LEADER + "approved this post"
ALREADY_REJECTED = ANOTHER_LEADER + "requested changes to this post"
NOT_AWAITING = "is not currently awaiting moderation"  # Wagtail's own refusal


# --- a small school, built from the factories ---------------------------------------------


def build_school():
    """Race Primary: class Oak, its teacher, two leaders, a pupil with every consent, the
    pupil's two carers and a photo of the pupil."""
    school = create_school("Race Primary")
    oak = create_class(school, "Oak")
    teacher = UserFactory(username="oak.teacher.race")
    teacher.groups.add(oak.teachers_group)
    leaders = [UserFactory(username=f"leader{n}.race") for n in (1, 2)]
    for leader in leaders:
        leader.groups.add(school.leaders_group)
    pupil = PupilFactory(school=school, first_name="Ada", last_name="Racer")
    enrol(pupil, oak)
    give_consent(pupil)
    carers = [UserFactory(username=f"carer{n}.race") for n in (1, 2)]
    for carer in carers:
        CarerLinkFactory(carer=carer, pupil=pupil)
    image = ClassImageFactory(title="Oak photo", collection=oak.collection, pupils=[pupil])
    return SimpleNamespace(
        school=school, oak=oak, teacher=teacher, leaders=leaders, carers=carers, image=image
    )


def waiting_post(ns, title):
    """A post by the Oak teacher that passed the automatic checks and waits for the
    leaders (the workflow started as the admin's "Submit" starts it)."""
    post = StoryPostPageFactory(parent=ns.oak, title=title, photos=[ns.image], published=False)
    post.save_revision(user=ns.teacher)
    post.get_workflow().start(post, ns.teacher)
    task_state = StoryPostPage.objects.get(pk=post.pk).current_workflow_task_state
    assert task_state is not None, "the automatic checks did not pass the post"
    assert isinstance(task_state.task.specific, LeadersApprovalTask)
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    return post, task_state


def decisions(post):
    """How many times the post was published, and approved or sent back by a person, by
    the log (the automatic checks ran outside any request here, so their decisions are
    logged with no user)."""
    entries = PageLogEntry.objects.filter(page=post)
    by_person = Counter(
        entries.filter(
            action__in=("wagtail.workflow.approve", "wagtail.workflow.reject"),
            user__isnull=False,
        ).values_list("action", flat=True)
    )
    return {
        "publish": entries.filter(action="wagtail.publish").count(),
        "approve": by_person["wagtail.workflow.approve"],
        "reject": by_person["wagtail.workflow.reject"],
    }


def carer_mails(ns, post):
    """E-mails about the post per carer."""
    return [
        sum(1 for m in mail.outbox if carer.email in m.to and post.title in m.subject)
        for carer in ns.carers
    ]


def messages_after(client, response):
    """The messages the leader reads on the page the action sent them to."""
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    return [str(message) for message in get_messages(page.wsgi_request)]


# --- the races (PostgreSQL) ----------------------------------------------------------------


@pytest.fixture
def _may_race():
    """Asked for before the transactional database, so a skip leaves the session alone."""
    if connection.vendor != "postgresql":
        pytest.skip("the approval race needs PostgreSQL (DATABASE_URL=postgres://...)")
    if connection.in_atomic_block:
        pytest.skip("the session `world` transaction is open: run this file on its own")


@pytest.fixture
def race_school(_may_race, transactional_db, django_db_serialized_rollback):
    return build_school()


def race(clients, urls, data):
    """POST urls[i] with clients[i], all at once; the responses in the same order."""
    barrier = threading.Barrier(len(clients))
    responses, errors = [None] * len(clients), []

    def act(index):
        try:
            barrier.wait(timeout=30)
            responses[index] = clients[index].post(urls[index], data[index])
        except Exception as error:  # shown by the assertion below, with the thread's error
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=act, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not errors, errors
    return responses


def told(client, response):
    """What the leader reads on the page the action sent them to: "ours: approved" or
    "ours: changes" for our message (another leader decided first), "ended" for
    Wagtail's own refusal of the workflow-action view once the review has ended, else
    None."""
    said = messages_after(client, response)
    if any(ALREADY_APPROVED in text for text in said):
        return "ours: approved"
    if any(ALREADY_REJECTED in text for text in said):
        return "ours: changes"
    if any(NOT_AWAITING in text for text in said):
        return "ended"
    return None


def approved_once(ns, post, task_state):
    """What is true of the post and its review after the race, in the shape that
    APPROVED_ONCE says it should have."""
    task_state.refresh_from_db()
    post = StoryPostPage.objects.get(pk=post.pk)
    return {
        **decisions(post),
        "live": post.live,
        "approved_by_person": TaskState.objects.filter(
            workflow_state=task_state.workflow_state,
            status=TaskState.STATUS_APPROVED,
            finished_by__isnull=False,
        ).count(),
        "workflow": task_state.workflow_state.status,
        "mails": carer_mails(ns, post),
    }


APPROVED_ONCE = {
    "publish": 1,
    "approve": 1,
    "reject": 0,
    "live": True,
    "approved_by_person": 1,
    "workflow": WorkflowState.STATUS_APPROVED,
    "mails": [1, 1],
}


def editor_form(post, action, comment=""):
    """The editor's own workflow menu, pressed without changing anything: the page form
    as stored (blocks keep their ids, or Wagtail sees an edit, saves a new revision and,
    with re-approval on edit, sends the post round the checks again) plus the action."""
    post = StoryPostPage.objects.get(pk=post.pk)
    media = {
        str(index): {
            "type": block.block_type,
            "id": block.id,
            "value": {
                "image": block.value["image"].pk,
                "alt_text": block.value["alt_text"],
                "caption": block.value["caption"],
            },
            "deleted": "",
            "order": str(index),
        }
        for index, block in enumerate(post.media)
    }
    media["count"] = str(len(post.media))
    fields = {"title": post.title, "slug": post.slug, "kind": post.kind, "event_date": ""}
    data = nested_form_data(
        {**fields, "body": post.body, "media": media, "comments": inline_formset([])}
    )
    data["action-workflow-action"] = "action-workflow-action"
    data["workflow-action-name"] = action
    data["workflow-action-extra-data"] = json.dumps({"comment": comment})
    return data


@pytest.mark.postgres
def test_two_leaders_approving_at_once_publish_once(race_school):
    ns = race_school
    clients = [browser(leader) for leader in ns.leaders]
    outcomes = []
    for number in range(RACES):
        post, task_state = waiting_post(ns, f"Race {number}")
        url = action_url(post, "approve", task_state)
        mail.outbox.clear()

        responses = race(clients, [url, url], [{"comment": ""}, {"comment": ""}])

        outcome = approved_once(ns, post, task_state)
        outcome["told"] = sorted(
            str(told(client, response)) for client, response in zip(clients, responses, strict=True)
        )
        outcomes.append(outcome)

    # The leader who came second is told, by our message or (if the first had finished
    # before their request began) by Wagtail's; the first is told nothing.
    right = [
        {**APPROVED_ONCE, "told": ["None", "ours: approved"]},
        {**APPROVED_ONCE, "told": ["None", "ended"]},
    ]
    wrong = [outcome for outcome in outcomes if outcome not in right]
    doubled = sum(1 for outcome in outcomes if outcome["publish"] > 1)
    assert not wrong, f"{len(wrong)} of {RACES} races wrong ({doubled} published twice): {wrong}"
    # From this view our message comes only from the lock: a request that reached it
    # while the other was deciding. Without one the test raced nothing.
    overlapped = sum(1 for outcome in outcomes if "ours: approved" in outcome["told"])
    assert overlapped, "no two requests ever overlapped: the race never happened"


@pytest.mark.postgres
def test_two_leaders_approving_from_the_editor_at_once_publish_once(race_school):
    ns = race_school
    clients = [browser(leader) for leader in ns.leaders]
    outcomes = []
    for number in range(RACES):
        post, task_state = waiting_post(ns, f"Edit race {number}")
        data = editor_form(post, "approve")
        mail.outbox.clear()

        responses = race(clients, [edit_url(post)] * 2, [data, data])

        outcome = approved_once(ns, post, task_state)
        outcome["told"] = sorted(
            str(told(client, response)) for client, response in zip(clients, responses, strict=True)
        )
        outcomes.append(outcome)

    wrong = [
        outcome
        for outcome in outcomes
        if outcome != {**APPROVED_ONCE, "told": ["None", "ours: approved"]}
    ]
    doubled = sum(1 for outcome in outcomes if outcome["publish"] > 1)
    assert not wrong, f"{len(wrong)} of {RACES} races wrong ({doubled} published twice): {wrong}"


@pytest.mark.postgres
def test_approve_and_request_changes_at_once_take_one_decision(race_school):
    ns = race_school
    approver, rejecter = (browser(leader) for leader in ns.leaders)
    outcomes = []
    for number in range(RACES):
        post, task_state = waiting_post(ns, f"Tug {number}")
        mail.outbox.clear()

        approved, rejected = race(
            [approver, rejecter],
            [action_url(post, "approve", task_state), action_url(post, "reject", task_state)],
            [{"comment": ""}, {"comment": "Please crop the photo."}],
        )

        task_state.refresh_from_db()
        post = StoryPostPage.objects.get(pk=post.pk)
        said = {"approver": told(approver, approved), "rejecter": told(rejecter, rejected)}
        outcome = {
            "status": task_state.status,
            **decisions(post),
            "live": post.live,
            "mails": carer_mails(ns, post),
            "approver told": said["approver"],
            "rejecter told": said["rejecter"],
        }
        outcomes.append(outcome)

    approval_won = {
        "status": TaskState.STATUS_APPROVED,
        "publish": 1,
        "approve": 1,
        "reject": 0,
        "live": True,
        "mails": [1, 1],
        "approver told": None,
    }
    changes_won = {
        "status": TaskState.STATUS_REJECTED,
        "publish": 0,
        "approve": 0,
        "reject": 1,
        "live": False,
        "mails": [0, 0],
        "rejecter told": None,
    }
    # The leader who came second is told who won, by our message or Wagtail's "not
    # awaiting moderation" (if the first had finished before their request began).
    right = [
        *({**approval_won, "rejecter told": said} for said in ("ours: approved", "ended")),
        *({**changes_won, "approver told": said} for said in ("ours: changes", "ended")),
    ]
    wrong = [outcome for outcome in outcomes if outcome not in right]
    assert not wrong, f"{len(wrong)} of {RACES} races wrong: {wrong}"


# --- a stale second decision (any database) ------------------------------------------------


@pytest.fixture
def school(db):
    return build_school()


def test_second_approval_from_a_stale_copy_is_refused(school):
    """The race in slow motion, through the entry point both admin views call: the second
    leader's request loaded the task state before the first leader's approval."""
    first, second = school.leaders
    post, task_state = waiting_post(school, "Stale")
    task = task_state.task.specific
    stale = TaskState.objects.get(pk=task_state.pk).specific

    response = browser(first).post(action_url(post, "approve", task_state), {"comment": ""})
    assert response.status_code == 302
    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}

    redirect_to = task.on_action(stale, second, "approve", comment="Late.")

    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    assert task_state.finished_by == first
    assert task_state.comment == ""
    assert redirect_to, "the second leader is not sent anywhere to be told"
    said = [str(m) for m in get_messages(browser(second).get(redirect_to).wsgi_request)]
    assert any(ALREADY_APPROVED in text for text in said), said


def test_request_changes_from_a_stale_copy_is_refused(school):
    first, second = school.leaders
    post, task_state = waiting_post(school, "Stale tug")
    task = task_state.task.specific
    stale = TaskState.objects.get(pk=task_state.pk).specific
    browser(first).post(action_url(post, "approve", task_state), {"comment": ""})

    redirect_to = task.on_action(stale, second, "reject", comment="Too late.")

    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    assert StoryPostPage.objects.get(pk=post.pk).live
    said = [str(m) for m in get_messages(browser(second).get(redirect_to).wsgi_request)]
    assert any(ALREADY_APPROVED in text for text in said), said


def test_approving_an_old_review_after_resubmission_is_refused(school):
    """A form left open on a review that ended with "request changes": the post was
    resubmitted and waits on a new review, so Wagtail lets the old one through to the
    task. Nothing is approved, the new review still waits, and the leader is told."""
    first, second = school.leaders
    post, old = waiting_post(school, "Second go")
    response = browser(first).post(action_url(post, "reject", old), {"comment": "Crop it."})
    assert response.status_code == 302
    post = StoryPostPage.objects.get(pk=post.pk)
    post.save_revision(user=school.teacher)
    post.current_workflow_state.resume(user=school.teacher)
    new = StoryPostPage.objects.get(pk=post.pk).current_workflow_task_state
    assert new.pk != old.pk and new.status == TaskState.STATUS_IN_PROGRESS

    leader = browser(second)
    response = leader.post(action_url(post, "approve", old), {"comment": ""})

    said = messages_after(leader, response)
    assert any(ALREADY_REJECTED in text for text in said), said
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == TaskState.STATUS_REJECTED
    assert new.status == TaskState.STATUS_IN_PROGRESS
    assert decisions(post) == {"publish": 0, "approve": 0, "reject": 1}
    assert not StoryPostPage.objects.get(pk=post.pk).live


def test_approving_after_the_workflow_ended_publishes_nothing_more(school):
    """A stale form once the post is live: Wagtail's own view refuses before our task is
    asked ("not currently awaiting moderation"); checked so that stays true."""
    first, second = school.leaders
    post, task_state = waiting_post(school, "Done")
    browser(first).post(action_url(post, "approve", task_state), {"comment": ""})

    leader = browser(second)
    response = leader.post(action_url(post, "approve", task_state), {"comment": "Me too."})

    said = messages_after(leader, response)
    assert any("not currently awaiting moderation" in text for text in said), said
    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    task_state.refresh_from_db()
    assert task_state.finished_by == first


def test_approving_from_a_stale_editor_says_another_leader_approved(school):
    """The editor's own Approve once the review has ended: Wagtail saves a draft instead
    of acting and says "updated"; the leader is also told their approval was not taken."""
    first, second = school.leaders
    post, task_state = waiting_post(school, "Stale editor")
    browser(first).post(action_url(post, "approve", task_state), {"comment": ""})

    leader = browser(second)
    response = leader.post(edit_url(post), editor_form(post, "approve"))

    said = messages_after(leader, response)
    assert any(ALREADY_APPROVED in text for text in said), said
    assert response["Location"] == edit_url(post)
    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    task_state.refresh_from_db()
    assert task_state.finished_by == first


def test_approving_from_the_editor_still_works_and_says_nothing_more(school):
    """Control for the test above: the leader who decides is not told anyone came first."""
    first, _ = school.leaders
    post, task_state = waiting_post(school, "Fresh editor")
    leader = browser(first)

    response = leader.post(edit_url(post), editor_form(post, "approve"))

    said = messages_after(leader, response)
    assert not any(ANOTHER_LEADER in text for text in said), said
    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    assert StoryPostPage.objects.get(pk=post.pk).live


def test_the_same_leader_approving_twice_is_told_it_is_done(school):
    first, _ = school.leaders
    post, task_state = waiting_post(school, "Double click")
    task = task_state.task.specific
    stale = TaskState.objects.get(pk=task_state.pk).specific
    browser(first).post(action_url(post, "approve", task_state), {"comment": ""})

    redirect_to = task.on_action(stale, first, "approve", comment="")

    assert decisions(post) == {"publish": 1, "approve": 1, "reject": 0}
    said = [str(m) for m in get_messages(browser(first).get(redirect_to).wsgi_request)]
    assert "You have already approved this post; nothing more was done." in said, said


def test_the_editor_message_only_tells_the_truth_about_this_post(school):
    """The editor's `decided` parameter names a task state, but the message is read from
    that task state and only if it belongs to this post and is decided."""
    first, second = school.leaders
    decided, decided_state = waiting_post(school, "Decided")
    waiting, waiting_state = waiting_post(school, "Waiting")
    browser(first).post(action_url(decided, "approve", decided_state), {"comment": ""})
    leader = browser(second)

    def said_on(post, task_state):
        page = leader.get(f"{edit_url(post)}?decided={task_state.pk}")
        assert page.status_code == 200
        return [str(m) for m in get_messages(page.wsgi_request)]

    assert not any(ANOTHER_LEADER in text for text in said_on(waiting, decided_state))
    assert not any(ANOTHER_LEADER in text for text in said_on(waiting, waiting_state))
    assert any(ALREADY_APPROVED in text for text in said_on(decided, decided_state))
