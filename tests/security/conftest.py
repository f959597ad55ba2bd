"""Shared fixtures of the adversarial security tests.

`canaries` gives every class of the `world` (Oak, Willow, Rowan) a full set of objects
whose visible text is a unique canary string: the class title, a live post (title, body,
photo caption and alt text) with a newer draft waiting for the leaders, its photo and a
recording, a pupil, a carer of that pupil with a link, consent record, invitation,
no-contact restriction, concern report and monitoring review. A response that contains a
canary of a class the requester may not see has leaked it.

Canaries are lower-case letters and digits (they survive slugs and HTML escaping), all
starting with "zq", so `canary in body.lower()` is the whole oracle."""

import io
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.admin.models import EditingSession
from wagtail.models import PageViewRestriction, UploadedFile

from class_pages.access import sync_carer_access
from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    enrol,
    give_consent,
    photo_block,
)
from class_pages.media.photos import DISPLAY_SPEC
from class_pages.models import (
    CarerLink,
    ClassIndexPage,
    ClassMedia,
    ConsentRecord,
    Invitation,
    Medium,
    NoContactRestriction,
    SchoolPage,
    SignedInSession,
    StoryPostPage,
)
from tests.conftest import _reloaded
from workflows.models import ClassReview, ConcernReport, LeadersApprovalTask

# Who may read which kind of canary inside their own class or school (see ROLES in
# the tests): carers read what a live post shows, teachers their class's content, office
# and leaders everything of their school.
CARER_KINDS = frozenset({"classtitle", "post"})
TEACHER_KINDS = frozenset({"classtitle", "post", "draft", "image", "media", "pupil"})


def _canary_class(ns, name):
    """Canary objects for one class of one school namespace of the world."""
    c = name.lower()
    school, class_page = ns.school, ns.classes[name]
    teacher = ns.teachers[name]
    marks = {}

    def mark(kind, text, prefix=""):
        marks[text.lower()] = kind
        return prefix + text

    class_page.title = mark("classtitle", f"zqclass{c}", prefix=f"{name} ")
    class_page.save_revision().publish()

    pupil = PupilFactory(
        school=school,
        first_name=mark("pupil", f"Zqkid{c}"),
        last_name=mark("pupil", f"Zqsurname{c}"),
    )
    enrol(pupil, class_page)
    give_consent(pupil)
    ConsentRecord.objects.create(
        pupil=pupil, medium=Medium.PHOTO, given=True, note=mark("register", f"zqnote{c}")
    )
    carer = UserFactory(
        username=f"zqcarer{c}",
        email=f"zqcarer{c}@demo.invalid",
        first_name="Robin",
        last_name=mark("register", f"Zqcarername{c}"),
    )
    link = CarerLinkFactory(carer=carer, pupil=pupil, status_reason=mark("register", f"zqlink{c}"))
    sync_carer_access(carer)
    invitation = Invitation(
        pupil=pupil,
        adult_name=mark("register", f"Zqinvitee{c}"),
        email=f"zqinvitee{c}@demo.invalid",
        has_responsibility=True,
        issued_by=ns.office,
    )
    invitation_token = invitation.new_token()
    invitation.save()
    no_contact = NoContactRestriction.objects.create(
        pupil=pupil, name=mark("register", f"Zqnocontact{c}"), recorded_by=ns.office
    )

    image = ClassImageFactory(
        title=mark("image", f"zqimage{c}"), collection=class_page.collection, pupils=[pupil]
    )
    media = ClassMedia.objects.create(
        title=mark("media", f"zqmedia{c}"),
        file=ContentFile(b"ID3" + b"\0" * 64, name="clip.mp3"),
        collection=class_page.collection,
        kind=ClassMedia.Kind.AUDIO,
    )
    post = StoryPostPageFactory(
        parent=class_page,
        title=mark("post", f"zqpost{c}"),
        body=mark("post", f"zqbody{c}"),
    )
    post.media = [
        photo_block(image, alt_text=mark("post", f"zqalt{c}"), caption=mark("post", f"zqcap{c}"))
    ]
    post.save_revision().publish()
    live_revision = post.live_revision
    rendition = image.get_rendition(DISPLAY_SPEC)

    # A newer draft, submitted: the automatic checks pass and it waits for the leaders.
    post = StoryPostPage.objects.get(pk=post.pk)
    post.title = mark("draft", f"zqdraft{c}")
    draft = post.save_revision(user=teacher)
    workflow = post.get_workflow()
    workflow_state = workflow.start(post, teacher)
    task_state = workflow_state.current_task_state
    assert isinstance(task_state.task.specific, LeadersApprovalTask), task_state.task

    report = ConcernReport.objects.create(
        post=post,
        reporter=carer,
        reason=ConcernReport.Reason.OTHER,
        details=mark("register", f"zqconcern{c}"),
    )
    review = ClassReview.objects.create(
        class_page=class_page,
        reviewer=ns.leader,
        outcome=ClassReview.Outcome.FINE,
        notes=mark("register", f"zqreview{c}"),
    )
    editing_session = EditingSession.objects.create(
        user=teacher,
        content_type=ContentType.objects.get_for_model(StoryPostPage),
        object_id=str(post.pk),
        last_seen_at=draft.created_at,
    )
    uploaded = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(type(image)),
        file=ContentFile(io.BytesIO(b"GIF89a").getvalue(), name="upload.gif"),
        uploaded_by_user=teacher,
    )
    signed_in = SignedInSession.objects.create(
        user=carer, session_key=f"zqsession{c}", device=mark("register", f"zqdevice{c}")
    )
    class_index = ClassIndexPage.objects.child_of(school).get()
    return SimpleNamespace(
        name=name,
        school=SchoolPage.objects.get(pk=school.pk),
        hostname=school.get_site().hostname,
        class_page=class_page,
        class_index=class_index,
        restriction=PageViewRestriction.objects.filter(page=class_index).first(),
        teacher=teacher,
        teachers_group=class_page.teachers_group,
        collection=class_page.collection,
        pupil=pupil,
        carer=carer,
        link=link,
        enrolment=pupil.enrolments.get(),
        consent=ConsentRecord.objects.filter(pupil=pupil).order_by("-pk").first(),
        invitation=invitation,
        invitation_token=invitation_token,
        no_contact=no_contact,
        image=image,
        rendition=rendition,
        media=media,
        post=StoryPostPage.objects.get(pk=post.pk),
        live_revision=live_revision,
        draft_revision=draft,
        workflow=workflow,
        workflow_state=workflow_state,
        task_state=task_state,
        task=task_state.task,
        report=report,
        review=review,
        editing_session=editing_session,
        uploaded=uploaded,
        signed_in=signed_in,
        marks=marks,
    )


def _build_canaries(session_world):
    by_class = {}
    for ns in (session_world.a, session_world.b):
        for name in ns.classes:
            by_class[name] = _canary_class(_reloaded(ns), name)
    marks = {
        text: (name, kind) for name, found in by_class.items() for text, kind in found.marks.items()
    }
    return SimpleNamespace(classes=by_class, marks=marks)


@pytest.fixture(scope="module")
def _module_canaries(_session_world, django_db_blocker):
    """Built once per test module, in a savepoint of the session's open transaction (see
    tests/conftest.py) that is rolled back when the module is done: later modules never
    see them. Each test still runs in its own savepoint inside this one."""
    with django_db_blocker.unblock():
        savepoint = transaction.atomic()
        savepoint.__enter__()
        try:
            yield _build_canaries(_session_world)
        finally:
            transaction.set_rollback(True)
            savepoint.__exit__(None, None, None)


@pytest.fixture
def canaries(world, _module_canaries):
    """Canary objects of every class by name ("Oak", "Willow", "Rowan"), freshly loaded,
    plus `.marks`: every canary string (lower case) → (class name, kind)."""
    return _reloaded(_module_canaries)


def disable_account(user):
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)


@pytest.fixture
def former_carers(world):
    """Two former carers of the Oak pupil: one whose link was revoked, one whose account
    is to be disabled once signed in (`disable_account`), its link still active."""
    pupil = world.a.pupils["Oak"]
    revoked = UserFactory(username="revoked.carer")
    link = CarerLinkFactory(carer=revoked, pupil=pupil)
    sync_carer_access(revoked)
    link.status = CarerLink.Status.REVOKED
    link.end_reason = CarerLink.EndReason.VIOLATION
    link.status_reason = "Shared a photo"
    link.save()
    sync_carer_access(revoked, reason="link revoked")
    # Disabled after signing in (the test disables it), with no resync: its old grant
    # stays, so only the check of the active flag guards.
    disabled = UserFactory(username="disabled.carer")
    CarerLinkFactory(carer=disabled, pupil=pupil)
    sync_carer_access(disabled)
    return SimpleNamespace(
        revoked=get_user_model().objects.get(pk=revoked.pk),
        disabled=disabled,
    )


@pytest.fixture
def invitation_link(world):
    """(invitation, token) of a fresh invitation for a new Oak pupil, issued by the office."""
    from class_pages.register.invitations import issue_invitation

    pupil = PupilFactory(school=world.a.school, first_name="Zara", last_name="Quill")
    enrol(pupil, world.a.classes["Oak"])
    invitation = Invitation(
        pupil=pupil,
        adult_name="Pat Quill",
        email="pat@example.org",
        relationship="parent",
        has_responsibility=True,
    )
    mail.outbox.clear()
    issue_invitation(invitation, world.a.office)
    token = re.search(r"/invitations/([A-Za-z0-9_\-]+)/", mail.outbox[-1].body).group(1)
    return invitation, token
