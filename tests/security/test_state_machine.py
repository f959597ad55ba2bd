"""A hypothesis state machine over the real models, services and views of the register,
consent, moderation and media: every role acts in random order (the office invites and
links adults, records paper consent and no-contact restrictions, moves and ends
enrolments, disables accounts; leaders remove and restore access, approve posts or send
them back; carers redeem, forward and answer consent; teachers upload photos, write and
resubmit posts with any photo id and delete drafts; the days pass and the daily lapse job
runs), and after every step the application must agree with an independent oracle
(tests/security/state_oracle.py).

The oracle is a small Python model of the policy (see its docstring), updated in each
rule from what the rule did and what the policy says must follow; it never asks the
application's own decision functions. The invariants check, against it: who can fetch
each class page, post and photo through the real views (as each person's own browser,
school B on its own host); links, no-contact restrictions and links the school ended (and
the leader's logged reason when one was restored); which posts are live and that each
live post's children may still appear; that no live post shows another class's photo and
no deletion removes another class's media or one still in use; and that every new file on
disk belongs to media that exist, and no file of media that exist was removed.

HTTP checks are kept few: after each step the (person, object) pairs whose expected
answer changed (or is a new "yes"), plus a small deterministic sample of the rest; a
larger sample at the end of each example. Environment: STATE_MACHINE_EXAMPLES and
STATE_MACHINE_STEPS (4 and 12 for `make test`; CI runs 40 of 30, new ones each run),
STATE_MACHINE_SAMPLE and STATE_MACHINE_FINAL_SAMPLE (pairs sampled per step and per
example end; 0 at the end: all), STATE_MACHINE_RANDOM=1 (new runs each time instead of
the same ones). The figures run are printed and written to
tests/security/artifacts/state_machine.json (ignored by git).

At the end: the bugs the machine found (fixed) as regression tests, and
`test_the_checks_fail_when_the_app_breaks_a_rule`,
which breaks one rule of the application at a time (mock.patch) and shows that a scripted
run of the same rules and invariants then fails, and passes without the break."""

import functools
import json
import os
import random
import re
import time
from collections import Counter
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from wagtail.models import ModelLogEntry, TaskState

from class_pages.factories import ClassImageFactory, StoryPostPageFactory, UserFactory
from class_pages.lifecycle.consent_lapse import end_lapsed_consents
from class_pages.media.photos import carer_photo_spec
from class_pages.models import (
    CarerLink,
    ClassImage,
    ClassMedia,
    ClassRendition,
    ConsentRecord,
    Enrolment,
    Invitation,
    LiveImageUse,
    NoContactRestriction,
    StoryPostPage,
)
from class_pages.register.carer_links import LinkRefused, link_carer, save_link
from class_pages.register.invitations import issue_invitation
from tests.conftest import _reloaded
from tests.helpers import RENDITION_SRC, action_url, add_url, edit_url, post_form
from tests.security.state_oracle import SCHOOL, Account, Image, Invited, Oracle, Post, Staff, folded
from workflows.leaders.access_removal import remove_access
from workflows.models import AccessRemoval, LeadersApprovalTask

EXAMPLES = int(os.environ.get("STATE_MACHINE_EXAMPLES", "4"))
STEPS = int(os.environ.get("STATE_MACHINE_STEPS", "12"))
# Pairs fetched after each step on top of those whose expected answer changed, and at the
# end of each example (0: every pair).
SAMPLE = int(os.environ.get("STATE_MACHINE_SAMPLE", "1"))
FINAL_SAMPLE = int(os.environ.get("STATE_MACHINE_FINAL_SAMPLE", "6"))
RANDOM = os.environ.get("STATE_MACHINE_RANDOM") == "1"
REPORT = Path(__file__).parent / "artifacts" / "state_machine.json"

CLASSES = ("Oak", "Willow", "Rowan")
PUPILS = ("oak", "willow", "rowan")  # each starts in the class of its name
ADULTS = ("oak_carer", "willow_carer", "rowan_carer", "newcomer", "nora", "stan")
# Whose browsers the invariants fetch with: every adult, and staff of another class and
# of the other school.
OBSERVERS = (*ADULTS, "willow_teacher", "b_leader")
MEDIA = ("participation", "photo")
CLEAN_BODY = "We planted seeds and watched them sprout."
NEWCOMER = {"email": "nell.newcomer@example.org", "first": "Nell", "last": "Newcomer"}
PASSWORD = "Harbour-lantern-58-quietly"
MAX_IMAGES, MAX_POSTS, MAX_STORED, MAX_DEAD_LINKS, MAX_DAYS, MAX_DISABLED = 8, 7, 2, 2, 3, 1
# Two steps found real bugs when this machine was first run (both fixed, and kept as
# regression tests at the end of this file): an enrolment ended by a date still to come,
# and an adult linked without parental responsibility who comes to hold it.
ENROLMENT_ENDINGS = ("yesterday", "tomorrow", "delete")

RUN = {"examples": 0, "steps": 0, "requests": 0, "seconds": 0.0}
RULES = Counter()  # how often each rule ran, for the report


def counted(function):
    @functools.wraps(function)
    def run(self, *args, **kwargs):
        RULES[function.__name__] += 1
        return function(self, *args, **kwargs)

    return run


def _media_files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _refused_code(response):
    context = response.context
    return context.get("code") if context is not None else None


def people(world):
    """Everyone of the run who has an account from the start, by key."""
    users = get_user_model().objects
    return {
        "oak_carer": world.a.carers["Oak"],
        "willow_carer": world.a.carers["Willow"],
        "rowan_carer": world.b.carers["Rowan"],
        "nora": users.get(username="nora.hale"),
        "stan": users.get(username="stan.stranger"),
        "oak_teacher": world.a.teachers["Oak"],
        "willow_teacher": world.a.teachers["Willow"],
        "rowan_teacher": world.b.teachers["Rowan"],
        "a_leader": world.a.leader,
        "b_leader": world.b.leader,
        "a_office": world.a.office,
        "b_office": world.b.office,
    }


def add_adults(world):
    """The two adults the world lacks: the no-contact adult and a stranger."""
    UserFactory(username="nora.hale", email="nora@example.org", first_name="Nora", last_name="Hale")
    UserFactory(
        username="stan.stranger", email="stan@example.org", first_name="Stan", last_name="Lee"
    )


def signed_in_browsers(world):
    """A signed-in browser for everyone who has an account, with its cookies."""
    browsers = {}
    for key, user in people(world).items():
        client = Client(raise_request_exception=True)
        client.force_login(user)
        browsers[key] = (client, {name: m.value for name, m in client.cookies.items()})
    return browsers


class ClassPagesMachine(RuleBasedStateMachine):
    world_source = None  # the test's `world`, set before running
    browsers_source = {}  # person -> a signed-in Client, made by the test
    # Every example starts from the same world: what its first check fetched holds for
    # the next ones (their own objects get ids of their own only after the start).
    verified_at_start = None

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        try:
            self._set_up()
        except BaseException:
            self._roll_back()
            raise

    # --- the world and the oracle -------------------------------------------------

    def _set_up(self):
        for cache in caches.all():
            cache.clear()
        mail.outbox.clear()
        self.started = time.monotonic()
        RUN["examples"] += 1
        # The sample of pairs checked: the same steps give the same sample.
        self.rng = random.Random(0)  # noqa: S311 (not for secrets)
        self.today = self.oracle_start = timezone.localdate()
        real_localdate = timezone.localdate

        def localdate(value=None, timezone=None):
            # The application's "today" is the machine's, so consent lapses and
            # enrolments end on the days the rules make pass.
            return self.today if value is None else real_localdate(value, timezone)

        self._clock = mock.patch.object(timezone, "localdate", localdate)
        self._clock.start()

        w = _reloaded(self.world_source)
        self.schools = {"A": w.a.school, "B": w.b.school}
        self.host = {"A": "testserver", "B": "other.test"}
        self.class_pages = {**w.a.classes, **w.b.classes}
        self.class_school = {"Oak": "A", "Willow": "A", "Rowan": "B"}
        self.pupils = {name.lower(): pupil for name, pupil in {**w.a.pupils, **w.b.pupils}.items()}
        self.pupil_school = {"oak": "A", "willow": "A", "rowan": "B"}
        self.users = people(w)
        # Signed in once for the whole run: their sessions are rows of the test's own
        # savepoint, which every example's rollback brings back, and each browser gets
        # its session cookie back (signing a disabled account out deleted it).
        self.clients = {}
        for person, (client, cookies) in self.browsers_source.items():
            client.cookies = SimpleCookie(cookies)
            self.clients[person] = client
        self.tokens = {}  # invitation id -> token from its e-mail
        self.urls = {}  # ("class"/"post"/"photo", key) -> (host, path)
        self.verified = dict(type(self).verified_at_start or {})  # pair -> answer fetched
        self.dead_links_tried = 0
        self.steps = -1  # the invariants run once before the first step
        self.files_at_start = _media_files()
        self.files_of_start_images = {
            name
            for model in (ClassImage, ClassRendition)
            for name in model.objects.values_list("file", flat=True)
        } & self.files_at_start
        self.back_up_start_files()

        o = self.oracle = Oracle(self.today, self.class_school, self.pupil_school)
        for key in ADULTS:
            user = self.users.get(key)
            if user is None:  # the newcomer has no account until the invitation makes one
                o.accounts[key] = Account(
                    username=NEWCOMER["email"],
                    email=NEWCOMER["email"],
                    full_name=f"{NEWCOMER['first']} {NEWCOMER['last']}",
                    exists=False,
                )
            else:
                o.accounts[key] = Account(user.username, user.email, user.get_full_name())
        o.staff = {
            "oak_teacher": Staff("A", frozenset({"Oak"})),
            "willow_teacher": Staff("A", frozenset({"Willow"})),
            "rowan_teacher": Staff("B", frozenset({"Rowan"})),
            "a_leader": Staff("A", leader=True),
            "b_leader": Staff("B", leader=True),
            "a_office": Staff("A"),
            "b_office": Staff("B"),
        }
        for name in CLASSES:
            pupil = name.lower()
            o.activate(f"{pupil}_carer", pupil, responsible=True)
            o.enrolments[(pupil, name)] = None
            for medium in MEDIA:  # the world's consent: a record made by nobody (import)
                o.record_consent(pupil, medium, SCHOOL, True)
            self.url_of("class", name, self.class_pages[name])
        for ns in (w.a, w.b):
            for name, image in ns.images.items():
                o.images[image.pk] = Image(name, frozenset({name.lower()}))
                self.photo_url(image.pk)
                post = ns.posts[name]
                o.posts[post.pk] = Post(name, (image.pk,), {image.pk}, "live", world=True)
                self.url_of("post", post.pk, post)
        # The no-contact adult: a court order keeps Nora from the Oak child from the start.
        self.record_restriction("nora", "oak", "name")

    def teardown(self):
        try:
            self.check_fetches(sample=FINAL_SAMPLE or None)
        finally:
            RUN["steps"] += self.steps
            RUN["seconds"] += time.monotonic() - self.started
            self._roll_back()

    def _roll_back(self):
        if getattr(self, "_clock", None) is not None:
            self._clock.stop()
            self._clock = None
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        self.restore_start_files()

    def back_up_start_files(self):
        """The rollback brings back the rows of media a rule deleted, not their files:
        keep the world's files to put them back for the next example and test."""
        root = Path(django_settings.PRIVATE_MEDIA_ROOT)
        self.start_files = {
            name: (root / name).read_bytes() for name in sorted(self.files_of_start_images)
        }

    def restore_start_files(self):
        root = Path(django_settings.PRIVATE_MEDIA_ROOT)
        for name, content in getattr(self, "start_files", {}).items():
            if not (root / name).exists():
                (root / name).write_bytes(content)

    # --- helpers ----------------------------------------------------------------

    def browser(self, person):
        client = self.clients.get(person)
        if client is None:
            client = self.clients[person] = Client(raise_request_exception=True)
            user = self.users.get(person)
            if user is not None:
                client.force_login(user)
        return client

    def url_of(self, kind, key, page):
        _, root_url, path = page.get_url_parts()
        host = root_url.split("://", 1)[1]
        self.urls[(kind, key)] = (host, path)

    def photo_url(self, image_id):
        """The display rendition carers are shown (made now, as a post would)."""
        school = self.class_school[self.oracle.images[image_id].class_name]
        image = ClassImage.objects.get(pk=image_id)
        rendition = image.get_rendition(carer_photo_spec(self.schools[school]))
        self.urls[("photo", image_id)] = (self.host[school], rendition.url)

    def user(self, person):
        return get_user_model().objects.get(pk=self.users[person].pk)

    def link(self, adult, pupil):
        return CarerLink.objects.get(carer=self.users[adult], pupil=self.pupils[pupil])

    def office_of(self, pupil):
        return self.user(f"{self.pupil_school[pupil].lower()}_office")

    def leader_of(self, school):
        return self.user(f"{school.lower()}_leader")

    def world_image(self, class_name):
        return next(
            pk for pk, image in self.oracle.images.items() if image.class_name == class_name
        )

    def existing_adults(self):
        return [key for key in ADULTS if self.oracle.accounts[key].exists]

    def post_page(self, post_id):
        return StoryPostPage.objects.get(pk=post_id)

    def record_restriction(self, adult, pupil, form):
        account = self.oracle.accounts[adult]
        name, email = {
            "name": (account.full_name, ""),
            "odd-name": (f"  {account.full_name.upper().replace(' ', '   ')} ", ""),
            "username": (account.username, ""),
            "email": ("", account.email.upper()),
            "someone-else": ("Someone Else Entirely", "someone@example.net"),
        }[form]
        NoContactRestriction.objects.create(
            pupil=self.pupils[pupil], name=name, email=email, recorded_by=self.office_of(pupil)
        )
        self.oracle.record_restriction(pupil, name=name, email=email)

    def submitted_state(self, post_id):
        """ "waiting" if the post waits for the leaders, else "draft" (sent back)."""
        task_state = self.post_page(post_id).current_workflow_task_state
        if task_state is None:
            return "draft"
        assert isinstance(task_state.task.specific, LeadersApprovalTask), task_state
        assert task_state.status == TaskState.STATUS_IN_PROGRESS
        return "waiting"

    def posts_in(self, *statuses):
        return sorted(pk for pk, post in self.oracle.posts.items() if post.status in statuses)

    def after_takedown(self, expected_down):
        """Posts the oracle took down must be down now (checked again by the invariants)."""
        for post_id in expected_down:
            assert not self.post_page(post_id).live, f"post {post_id} should be down"

    # --- the office: invitations, links, restrictions, enrolments, paper consent ---

    @rule(
        adult=st.sampled_from(ADULTS),
        pupil=st.sampled_from(PUPILS),
        alias=st.booleans(),
        then=st.sampled_from((None, "yes", "no")),
    )
    @counted
    def office_invites(self, adult, pupil, alias, then):
        """The office invites a named adult at their address; `then` (photo "yes"/"no"):
        the adult redeems it at once (a later rule may also do it, after other steps)."""
        account = self.oracle.accounts[adult]
        adult_name = "Parent of the child" if alias else account.full_name
        invitation = Invitation(
            pupil=self.pupils[pupil],
            adult_name=adult_name,
            email=account.email,
            relationship="parent",
            has_responsibility=True,
        )
        refused = any(
            restriction.matches_invitation(adult_name, account.email)
            for restriction in self.oracle.restrictions.get(pupil, ())
        )
        sent = len(mail.outbox)
        try:
            issue_invitation(invitation, self.office_of(pupil))
        except ValidationError:
            assert refused, "an invitation for an adult no restriction names was refused"
            assert len(mail.outbox) == sent
            return
        assert not refused, "an invitation was issued for an adult a no-contact order names"
        for earlier in self.oracle.invitations.values():
            if earlier.pupil == pupil and earlier.adult == adult and earlier.status == "waiting":
                earlier.status = "revoked"
        token = re.search(r"/invitations/([A-Za-z0-9_\-]+)/", mail.outbox[-1].body).group(1)
        self.tokens[invitation.pk] = token
        self.oracle.invitations[invitation.pk] = Invited(pupil, adult, adult_name)
        if then is not None:
            self.redeem_as_invited(invitation.pk, then)

    @rule(
        adult=st.sampled_from(ADULTS),
        pupil=st.sampled_from(PUPILS),
        responsible=st.booleans(),
    )
    @counted
    def office_links(self, adult, pupil, responsible):
        """The office's register form: link an adult (with or without parental
        responsibility), or change an existing link's responsibility."""
        if not self.oracle.accounts[adult].exists:
            return
        office = f"{self.pupil_school[pupil].lower()}_office"
        expected = self.oracle.may_activate(adult, pupil, by=office)
        try:
            link_carer(
                self.user(adult),
                self.pupils[pupil],
                relationship="other",
                by=self.office_of(pupil),
                has_responsibility=responsible,
            )
        except LinkRefused as refused:
            assert refused.code == expected, (refused.code, expected)
            return
        assert expected is None, f"linked although the policy says {expected}"
        self.oracle.activate(adult, pupil, responsible=responsible)

    @rule(
        adult=st.sampled_from(ADULTS),
        pupil=st.sampled_from(PUPILS),
        form=st.sampled_from(("name", "odd-name", "username", "email", "someone-else")),
    )
    @counted
    def office_records_no_contact(self, adult, pupil, form):
        self.record_restriction(adult, pupil, form)

    @rule(pupil=st.sampled_from(PUPILS), data=st.data())
    @counted
    def office_enrols(self, pupil, data):
        """In a class of the pupil's school (the register form refuses any other)."""
        if pupil in self.oracle.left:
            return
        school = self.pupil_school[pupil]
        class_name = data.draw(
            st.sampled_from([name for name in CLASSES if self.class_school[name] == school])
        )
        enrolment, _ = Enrolment.objects.get_or_create(
            pupil=self.pupils[pupil], class_page=self.class_pages[class_name]
        )
        if enrolment.ended_on is not None:
            enrolment.ended_on = None
            enrolment.save()
        self.oracle.enrolments[(pupil, class_name)] = None

    @precondition(lambda self: self.oracle.enrolments)
    @rule(data=st.data(), how=st.sampled_from(ENROLMENT_ENDINGS))
    @counted
    def office_ends_enrolment(self, data, how):
        pupil, class_name = data.draw(st.sampled_from(sorted(self.oracle.enrolments)))
        enrolment = Enrolment.objects.get(
            pupil=self.pupils[pupil], class_page=self.class_pages[class_name]
        )
        if how == "delete":
            enrolment.delete()
            del self.oracle.enrolments[(pupil, class_name)]
            return
        enrolment.ended_on = self.today + timedelta(days=-1 if how == "yesterday" else 1)
        enrolment.save()
        self.oracle.enrolments[(pupil, class_name)] = enrolment.ended_on

    @precondition(lambda self: not self.oracle.left)  # one leaver is enough per run
    @rule(pupil=st.sampled_from(PUPILS))
    @counted
    def pupil_leaves(self, pupil):
        record = self.pupils[pupil]
        record.refresh_from_db()
        record.left_on = self.today
        record.save()
        self.oracle.left.add(pupil)

    @rule(
        pupil=st.sampled_from(PUPILS),
        medium=st.sampled_from(MEDIA),
        given=st.booleans(),
        days=st.sampled_from((None, 0, 1)),
    )
    @counted
    def office_records_paper_consent(self, pupil, medium, given, days):
        valid_until = self.today + timedelta(days=days) if given and days is not None else None
        ConsentRecord.objects.create(
            pupil=self.pupils[pupil],
            medium=medium,
            given=given,
            method=ConsentRecord.Method.PAPER,
            recorded_by=self.office_of(pupil),
            valid_until=valid_until,
        )
        self.after_takedown(self.oracle.record_consent(pupil, medium, SCHOOL, given, valid_until))

    # --- leaders: removing and restoring access --------------------------------------

    @rule(
        adult=st.sampled_from(ADULTS),
        school=st.sampled_from(("A", "B")),
        kind=st.sampled_from(
            (AccessRemoval.Kind.CARER_SUSPENDED, AccessRemoval.Kind.CARER_REVOKED)
        ),
    )
    @counted
    def leader_removes_access(self, adult, school, kind):
        if not self.oracle.accounts[adult].exists:
            return
        remove_access(
            self.schools[school],
            self.user(adult),
            kind,
            CarerLink.EndReason.VIOLATION,
            "Shared a photo on social media",
            by=self.leader_of(school),
        )
        status = "suspended" if kind == AccessRemoval.Kind.CARER_SUSPENDED else "revoked"
        for (linked, pupil), _ in list(self.oracle.links.items()):
            if linked == adult and self.pupil_school[pupil] == school:
                self.oracle.end_link(adult, pupil, status)

    @precondition(lambda self: self.oracle.links)
    @rule(data=st.data(), status=st.sampled_from(("suspended", "revoked")))
    @counted
    def office_ends_link(self, data, status):
        adult, pupil = data.draw(st.sampled_from(sorted(self.oracle.links)))
        link = self.link(adult, pupil)
        link.status, link.end_reason = status, CarerLink.EndReason.REQUEST
        save_link(link, by=self.office_of(pupil))
        self.oracle.end_link(adult, pupil, status)

    @precondition(lambda self: any(link.status != "active" for link in self.oracle.links.values()))
    @rule(
        data=st.data(),
        who=st.sampled_from(("office", "leader-no-reason", "leader", "other-leader", "nobody")),
    )
    @counted
    def try_to_reinstate(self, data, who):
        ended = sorted(key for key, link in self.oracle.links.items() if link.status != "active")
        adult, pupil = data.draw(st.sampled_from(ended))
        school = self.pupil_school[pupil]
        other = "B" if school == "A" else "A"
        by, reason = {
            "office": (f"{school.lower()}_office", "Spoke to the family"),
            "leader-no-reason": (f"{school.lower()}_leader", "   "),
            "leader": (f"{school.lower()}_leader", "Apologised; agreement signed again"),
            "other-leader": (f"{other.lower()}_leader", "Apologised"),
            "nobody": (None, "Because"),
        }[who]
        expected = self.oracle.may_activate(adult, pupil, by=by, reason=reason)
        link = self.link(adult, pupil)
        link.status = CarerLink.Status.ACTIVE
        try:
            save_link(link, by=self.user(by) if by else None, reason=reason)
        except LinkRefused as refused:
            assert refused.code == expected, (refused.code, expected)
            return
        assert expected is None, f"{who} restored a link the policy keeps ended ({expected})"
        self.oracle.activate(adult, pupil, reinstated=True)

    @rule(adult=st.sampled_from(ADULTS), name=st.sampled_from(("Nora Hale", "Robin Green")))
    @counted
    def adult_renames_account(self, adult, name):
        """An account renamed to the name a no-contact restriction carries loses that
        child at once."""
        account = self.oracle.accounts[adult]
        if not account.exists:
            return
        user = self.user(adult)
        user.first_name, user.last_name = name.split()
        user.save()
        account.full_name = name
        for (linked, pupil), link in self.oracle.links.items():
            if linked == adult and link.status == "active" and self.oracle.kept_out(adult, pupil):
                self.oracle.end_link(adult, pupil, "revoked")

    @precondition(
        lambda self: sum(not a.active for a in self.oracle.accounts.values()) < MAX_DISABLED
    )
    @rule(adult=st.sampled_from(ADULTS))
    @counted
    def office_disables_account(self, adult):
        account = self.oracle.accounts[adult]
        if not (account.exists and account.active):
            return
        user = self.user(adult)
        user.is_active = False
        user.save()
        account.active = False

    # --- carers: invitations and consent ------------------------------------------

    def waiting(self):
        return sorted(pk for pk, inv in self.oracle.invitations.items() if inv.status == "waiting")

    def _redeem(self, invitation_id, person, photo):
        """POST the consent form of the invitation link as `person`'s browser."""
        return self.browser(person).post(
            f"/invitations/{self.tokens[invitation_id]}/",
            {
                "accept": "on",
                "participation": "yes",
                "photo": photo,
                "video": "yes",
                "audio": "yes",
            },
            HTTP_HOST=self.host[self.pupil_school[self.oracle.invitations[invitation_id].pupil]],
        )

    def _create_newcomer(self, invitation_id):
        """The newcomer opens the link signed out and makes her account from it."""
        client = self.clients["newcomer"] = Client(raise_request_exception=True)
        url = f"/invitations/{self.tokens[invitation_id]}/"
        host = self.host[self.pupil_school[self.oracle.invitations[invitation_id].pupil]]
        assert client.get(url, HTTP_HOST=host).status_code == 200
        response = client.post(
            url,
            {
                "first_name": NEWCOMER["first"],
                "last_name": NEWCOMER["last"],
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
            HTTP_HOST=host,
        )
        assert response.status_code == 302, response.content[:500]
        self.users["newcomer"] = get_user_model().objects.get(email__iexact=NEWCOMER["email"])
        self.oracle.accounts["newcomer"].exists = True

    @precondition(lambda self: self.waiting())
    @rule(data=st.data(), photo=st.sampled_from(("yes", "no")))
    @counted
    def invited_adult_redeems(self, data, photo):
        self.redeem_as_invited(data.draw(st.sampled_from(self.waiting())), photo)

    def redeem_as_invited(self, invitation_id, photo):
        invitation = self.oracle.invitations[invitation_id]
        adult, pupil = invitation.adult, invitation.pupil
        account = self.oracle.accounts[adult]
        if account.exists and not account.active:
            return
        if not account.exists:
            self._create_newcomer(invitation_id)
        expected = self.oracle.may_activate(adult, pupil)
        response = self._redeem(invitation_id, adult, photo)
        if expected is not None:
            assert response.status_code == 403, (response.status_code, expected)
            assert _refused_code(response) == expected
            return
        assert response.status_code == 302, (response.status_code, response.content[:500])
        RULES["(redeemed)"] += 1
        invitation.status = "used"
        self.oracle.activate(adult, pupil, responsible=True)
        down = []
        for medium, answer in (("participation", True), ("photo", photo == "yes")):
            down += self.oracle.record_consent(pupil, medium, adult, answer)
        self.after_takedown(down)

    @precondition(lambda self: self.waiting())
    @rule(data=st.data(), photo=st.sampled_from(("yes", "no")))
    @counted
    def someone_else_uses_the_link(self, data, photo):
        """A forwarded link: another signed-in account may not use it."""
        invitation_id = data.draw(st.sampled_from(self.waiting()))
        invitation = self.oracle.invitations[invitation_id]
        others = [
            key
            for key in self.existing_adults()
            if key != invitation.adult and self.oracle.accounts[key].active
        ]
        if not others:
            return
        person = data.draw(st.sampled_from(others))
        response = self._redeem(invitation_id, person, photo)
        assert response.status_code == 403, response.status_code
        assert _refused_code(response) == "other-account"

    @precondition(
        lambda self: (
            self.dead_links_tried < MAX_DEAD_LINKS
            and any(inv.status != "waiting" for inv in self.oracle.invitations.values())
        )
    )
    @rule(data=st.data())
    @counted
    def invited_adult_reuses_a_dead_link(self, data):
        """A used or superseded link opens nothing (few per run: each is a failed sign-in
        for the lockout)."""
        dead = sorted(pk for pk, inv in self.oracle.invitations.items() if inv.status != "waiting")
        invitation_id = data.draw(st.sampled_from(dead))
        adult = self.oracle.invitations[invitation_id].adult
        if not (self.oracle.accounts[adult].exists and self.oracle.accounts[adult].active):
            return
        self.dead_links_tried += 1
        assert self._redeem(invitation_id, adult, "yes").status_code == 404

    def linked(self):
        return sorted(
            (adult, pupil)
            for (adult, pupil), link in self.oracle.links.items()
            if link.status == "active" and self.oracle.accounts[adult].active
        )

    @precondition(lambda self: self.linked())
    @rule(
        data=st.data(),
        medium=st.sampled_from(MEDIA),
        given=st.booleans(),
        days=st.sampled_from((None, 0, 1)),
    )
    @counted
    def carer_answers_consent(self, data, medium, given, days):
        """A linked carer (with or without parental responsibility) gives or withdraws."""
        adult, pupil = data.draw(st.sampled_from(self.linked()))
        valid_until = self.today + timedelta(days=days) if given and days is not None else None
        ConsentRecord.objects.create(
            pupil=self.pupils[pupil],
            medium=medium,
            given=given,
            method=ConsentRecord.Method.ONLINE,
            recorded_by=self.user(adult),
            valid_until=valid_until,
        )
        self.after_takedown(self.oracle.record_consent(pupil, medium, adult, given, valid_until))

    @precondition(lambda self: self.today - self.oracle_start < timedelta(days=MAX_DAYS))
    @rule()
    @counted
    def a_day_passes(self):
        """Midnight: tomorrow begins and the daily lapse job runs (deploy/systemd)."""
        self.today += timedelta(days=1)
        end_lapsed_consents(self.today)
        self.after_takedown(self.oracle.a_day_passes())
        assert self.oracle.today == self.today

    # --- teachers and leaders: photos, posts, moderation, deletion -----------------

    @precondition(lambda self: len(self.oracle.images) < MAX_IMAGES)
    @rule(
        class_name=st.sampled_from(CLASSES),
        tagged=st.sets(st.sampled_from(PUPILS), max_size=2),
        statement=st.booleans(),
    )
    @counted
    def teacher_uploads_photo(self, class_name, tagged, statement):
        image = ClassImageFactory(
            collection=self.class_pages[class_name].collection,
            pupils=[self.pupils[p] for p in sorted(tagged)],
            no_identifiable_pupil=statement and not tagged,
        )
        self.oracle.images[image.pk] = Image(
            class_name, frozenset(tagged), statement and not tagged
        )
        self.photo_url(image.pk)

    def draw_photo(self, data, class_name):
        """Any photo id at all (another class's, another school's, a deleted one), but
        mostly the class's own, so that posts get as far as the leaders."""
        own = sorted(
            pk for pk, im in self.oracle.images.items() if im.exists and im.class_name == class_name
        )
        if own and data.draw(st.sampled_from(("own", "own", "any")), label="which") == "own":
            return data.draw(st.sampled_from(own), label="photo")
        return data.draw(st.sampled_from(sorted(self.oracle.images)), label="photo")

    def _submit(self, class_name, image_id, post_id=None):
        """The class's teacher saves and submits through the admin form."""
        teacher = self.browser(f"{class_name.lower()}_teacher")
        n = len(self.oracle.posts) + 1
        if post_id is None:
            slug = f"story-{n}"
            url, data = (
                add_url(self.class_pages[class_name]),
                post_form(f"Story {n}", slug, [image_id], "action-submit", CLEAN_BODY),
            )
        else:
            page = self.post_page(post_id)
            slug = page.slug
            url, data = (
                edit_url(page),
                post_form(page.title, slug, [image_id], "action-submit", CLEAN_BODY),
            )
        host = self.host[self.class_school[class_name]]
        return teacher.post(url, data, HTTP_HOST=host), slug

    @precondition(lambda self: len(self.oracle.posts) < MAX_POSTS)
    @rule(class_name=st.sampled_from(CLASSES), data=st.data(), approve=st.booleans())
    @counted
    def teacher_writes_post(self, class_name, data, approve):
        """With a photo chosen by id from anywhere: own class, another class, another
        school, or one deleted since. `approve`: the leader decides at once, if it waits
        (a later rule may also do it, after other steps)."""
        image_id = self.draw_photo(data, class_name)
        accepted = self.oracle.form_accepts(class_name, (image_id,))
        response, slug = self._submit(class_name, image_id)
        created = StoryPostPage.objects.child_of(self.class_pages[class_name]).filter(slug=slug)
        if not accepted:
            assert response.status_code == 200, "the form took a photo of another class"
            assert not created.exists()
            return
        assert response.status_code == 302, response.content[:1000]
        page = created.get()
        post = self.oracle.posts[page.pk] = Post(class_name, (image_id,), {image_id})
        post.status = "waiting" if self.oracle.consent_check_passes(post) else "draft"
        self.url_of("post", page.pk, page)
        assert self.submitted_state(page.pk) == post.status, "the consent check disagrees"
        if approve and post.status == "waiting":
            self.approve(page.pk, "leader")

    @precondition(
        lambda self: (
            len(self.oracle.posts) < MAX_POSTS
            and sum(p.stored for p in self.oracle.posts.values()) < MAX_STORED
        )
    )
    @rule(class_name=st.sampled_from(CLASSES), data=st.data())
    @counted
    def stored_draft_with_any_photo(self, class_name, data):
        """A draft whose stored stream holds any photo id (an old revision, an import):
        only the form is a widget's guard, the rest must not trust it."""
        image_id = data.draw(
            st.sampled_from(sorted(pk for pk, im in self.oracle.images.items() if im.exists))
        )
        page = StoryPostPageFactory(
            parent=self.class_pages[class_name],
            title=f"Stored {len(self.oracle.posts) + 1}",
            photos=[ClassImage.objects.get(pk=image_id)],
            published=False,
        )
        self.oracle.posts[page.pk] = Post(class_name, (image_id,), {image_id}, stored=True)
        self.url_of("post", page.pk, page)

    @precondition(lambda self: self.posts_in("draft", "down"))
    @rule(data=st.data())
    @counted
    def teacher_resubmits(self, data):
        post_id = data.draw(st.sampled_from(self.posts_in("draft", "down")))
        post = self.oracle.posts[post_id]
        image_id = self.draw_photo(data, post.class_name)
        accepted = self.oracle.form_accepts(post.class_name, (image_id,))
        revision = self.post_page(post_id).latest_revision_id
        response, _ = self._submit(post.class_name, image_id, post_id=post_id)
        if not accepted:
            assert response.status_code == 200, "the form took a photo of another class"
            assert self.post_page(post_id).latest_revision_id == revision
            return
        assert response.status_code == 302, response.content[:1000]
        post.images = (image_id,)
        post.ever.add(image_id)
        post.status = "waiting" if self.oracle.consent_check_passes(post) else "draft"
        assert self.submitted_state(post_id) == post.status, "the consent check disagrees"

    @precondition(lambda self: self.posts_in("waiting"))
    @rule(data=st.data(), who=st.sampled_from(("leader", "leader", "other-leader", "teacher")))
    @counted
    def leader_approves(self, data, who):
        self.approve(data.draw(st.sampled_from(self.posts_in("waiting"))), who)

    def approve(self, post_id, who):
        """`who` presses Approve: the school's leader, another school's, or the author."""
        post = self.oracle.posts[post_id]
        school = self.class_school[post.class_name]
        other = "B" if school == "A" else "A"
        person = {
            "leader": f"{school.lower()}_leader",
            "other-leader": f"{other.lower()}_leader",
            "teacher": f"{post.class_name.lower()}_teacher",
        }[who]
        page = self.post_page(post_id)
        task_state = page.current_workflow_task_state
        self.browser(person).post(
            action_url(page, "approve", task_state),
            {"comment": ""},
            HTTP_HOST=self.host[school],
        )
        if who != "leader":
            assert not self.post_page(post_id).live, f"{who} published a post"
            assert self.submitted_state(post_id) == "waiting"
            return
        post.status = "live" if self.oracle.consent_check_passes(post) else "draft"
        RULES[f"(approved: {post.status})"] += 1
        assert self.post_page(post_id).live == (post.status == "live"), (
            "approval disagrees with the policy"
        )

    @precondition(lambda self: self.posts_in("waiting"))
    @rule(data=st.data())
    @counted
    def leader_requests_changes(self, data):
        post_id = data.draw(st.sampled_from(self.posts_in("waiting")))
        post = self.oracle.posts[post_id]
        school = self.class_school[post.class_name]
        page = self.post_page(post_id)
        response = self.browser(f"{school.lower()}_leader").post(
            action_url(page, "reject", page.current_workflow_task_state),
            {"comment": "Please choose another photo."},
            HTTP_HOST=self.host[school],
        )
        assert response.status_code == 302
        post.status = "draft"

    @precondition(lambda self: self.posts_in("draft", "waiting", "down"))
    @rule(data=st.data(), own=st.sampled_from((True, True, False)))
    @counted
    def teacher_deletes_post(self, data, own):
        """Through the admin's delete view, after which the media cleanup runs (its file
        deletions wait for the commit, which the test runs here)."""
        post_id = data.draw(st.sampled_from(self.posts_in("draft", "waiting", "down")))
        post = self.oracle.posts[post_id]
        others = [name for name in CLASSES if name != post.class_name]
        class_name = post.class_name if own else data.draw(st.sampled_from(others))
        teacher = self.browser(f"{class_name.lower()}_teacher")
        with TestCase.captureOnCommitCallbacks(execute=True):
            teacher.post(
                f"/admin/pages/{post_id}/delete/",
                HTTP_HOST=self.host[self.class_school[class_name]],
            )
        exists = StoryPostPage.objects.filter(pk=post_id).exists()
        if not own:
            assert exists, "a teacher of another class deleted a post"
            return
        assert not exists, "the teacher could not delete a draft of their class"
        doomed = self.oracle.delete_post(post_id)
        gone = set(self.oracle.images) - set(
            ClassImage.objects.filter(pk__in=self.oracle.images).values_list("pk", flat=True)
        )
        expected_gone = {pk for pk, im in self.oracle.images.items() if not im.exists}
        assert gone == expected_gone, f"deleted {sorted(gone)}, expected {sorted(expected_gone)}"
        assert doomed <= gone

    # --- invariants -------------------------------------------------------------

    @invariant()
    def links_are_what_the_register_says(self):
        self.steps += 1  # counted here: the invariants run once after every step
        stored = {
            (link.carer_id, link.pupil_id): link
            for link in CarerLink.objects.filter(pupil__in=self.pupils.values())
        }
        for (adult, pupil), expected in self.oracle.links.items():
            if adult not in self.users:
                continue
            link = stored.pop((self.users[adult].pk, self.pupils[pupil].pk), None)
            assert link is not None, f"link {adult}→{pupil} is missing"
            assert link.status == expected.status, (adult, pupil, link.status, expected.status)
            assert link.has_responsibility == expected.responsible, (adult, pupil)
        assert not stored, f"links nobody made: {list(stored)}"

    @invariant()
    def no_contact_is_never_linked(self):
        for restriction in NoContactRestriction.objects.filter(pupil__in=self.pupils.values()):
            for link in CarerLink.objects.filter(
                pupil=restriction.pupil, status=CarerLink.Status.ACTIVE
            ).select_related("carer"):
                user = link.carer
                names = {folded(user.get_full_name()), folded(user.get_username())} - {""}
                assert not (
                    restriction.email and folded(restriction.email) == folded(user.email)
                ), f"{user.username} is linked despite a no-contact restriction (e-mail)"
                assert not (restriction.name and folded(restriction.name) in names), (
                    f"{user.username} is linked despite a no-contact restriction"
                )

    @invariant()
    def school_ended_links_stay_ended(self):
        """A link the school ended is not active, unless a leader of the child's school
        restored it, and the log says so with the reason."""
        for (adult, pupil), link in self.oracle.links.items():
            if adult not in self.users:
                continue
            stored = CarerLink.objects.get(carer=self.users[adult], pupil=self.pupils[pupil])
            if link.status != "active":
                assert stored.status != "active", f"{adult}→{pupil} is active again"
            elif link.reinstated:
                leaders = self.schools[self.pupil_school[pupil]].leaders_group.user_set.all()
                restored = ModelLogEntry.objects.filter(
                    content_type=ContentType.objects.get_for_model(CarerLink),
                    object_id=str(stored.pk),
                    action="class_pages.carer_link_reinstated",
                    user__in=leaders,
                )
                assert any(e.data.get("reason", "").strip() for e in restored), (
                    f"{adult}→{pupil} was restored with no leader's reason on record"
                )

    @invariant()
    def posts_are_live_exactly_as_approved(self):
        stored = dict(
            StoryPostPage.objects.filter(pk__in=self.oracle.posts).values_list("pk", "live")
        )
        for post_id, post in self.oracle.posts.items():
            if post.status == "deleted":
                assert post_id not in stored, f"post {post_id} should be deleted"
            else:
                assert stored.get(post_id) == (post.status == "live"), (post_id, post.status)

    @invariant()
    def live_posts_show_only_children_who_may_appear(self):
        live = StoryPostPage.objects.filter(pk__in=self.oracle.posts, live=True)
        for post_id in live.values_list("pk", flat=True):
            shown = self.oracle.pupils_shown(self.oracle.posts[post_id])
            for pupil in shown:
                assert self.oracle.may_be_photographed(pupil), (
                    f"post {post_id} is live with {pupil}, whose consent is not in force"
                )

    @invariant()
    def live_posts_use_only_their_own_class_media(self):
        uses = LiveImageUse.objects.values_list("post_id", "image_id", "image__collection__path")
        for post_id, image_id, path in uses:
            assert post_id in self.oracle.posts, f"post {post_id} went live by itself"
            own = self.class_pages[self.oracle.posts[post_id].class_name].collection.path
            assert path.startswith(own), f"live post {post_id} uses image {image_id} of another"

    @invariant()
    def media_exist_as_expected(self):
        stored = set(
            ClassImage.objects.filter(pk__in=self.oracle.images).values_list("pk", flat=True)
        )
        expected = {pk for pk, image in self.oracle.images.items() if image.exists}
        assert stored == expected, (
            f"missing {sorted(expected - stored)}, should be gone {sorted(stored - expected)}"
        )

    @invariant()
    def every_new_file_belongs_to_existing_media(self):
        files = _media_files()
        known = {
            name
            for model in (ClassImage, ClassRendition, ClassMedia)
            for name in model.objects.values_list("file", flat=True)
        }
        strays = (files - self.files_at_start) - known
        assert not strays, f"files on disk of no image: {sorted(strays)}"
        lost = (self.files_of_start_images & known) - files
        assert not lost, f"files of existing images were deleted: {sorted(lost)}"

    @invariant()
    def fetches_match_the_oracle(self):
        self.check_fetches(sample=SAMPLE)
        if type(self).verified_at_start is None:
            type(self).verified_at_start = dict(self.verified)

    # --- fetching -----------------------------------------------------------------

    def shows_only_photos_they_may_see(self, person, kind, key, response):
        """A class page or post a carer sees shows only photos of its own class that live
        posts they may see use (a post: only its own)."""
        o = self.oracle
        posts = (
            [key]
            if kind == "post"
            else [pk for pk, post in o.posts.items() if post.class_name == key]
        )
        shown = {
            pk
            for post_id in posts
            if o.sees_post(person, post_id)
            for pk in o.own_images(o.posts[post_id])
        }
        for src in RENDITION_SRC.findall(response.content.decode()):
            name = src.removeprefix(django_settings.PRIVATE_MEDIA_URL)
            rendition = ClassRendition.objects.filter(file=name).first()
            assert rendition is not None and rendition.image_id in shown, (person, kind, key, src)

    def expected_fetches(self):
        o = self.oracle
        expected = {}
        for person in OBSERVERS:
            if person in ADULTS and not o.accounts[person].exists:
                continue
            for kind, key in self.urls:
                if kind == "class":
                    allowed = o.sees_class(person, key)
                elif kind == "post":
                    allowed = o.sees_post(person, key)
                else:
                    allowed = o.sees_photo(person, key)
                expected[(person, kind, key)] = allowed
        return expected

    def check_fetches(self, sample):
        """Fetch every pair whose expected answer changed since it was last fetched (or is
        a new "yes"), and `sample` of the others (None: all of them), those never fetched
        (a new object nobody may see yet) first."""
        expected = self.expected_fetches()
        changed, unseen, seen = [], [], []
        for pair in sorted(expected, key=str):
            before, allowed = self.verified.get(pair), expected[pair]
            if before is None:
                (changed if allowed else unseen).append(pair)
            else:
                (changed if before != allowed else seen).append(pair)
        if sample is None:
            pairs = changed + unseen + seen
        else:
            pairs = changed + self.rng.sample(unseen, min(sample, len(unseen)))
            pairs += self.rng.sample(seen, min(sample - len(pairs) + len(changed), len(seen)))
        for pair in pairs:
            self.fetch_and_compare(pair, expected[pair])

    def fetch_and_compare(self, pair, allowed):
        person, kind, key = pair
        host, path = self.urls[(kind, key)]
        t0 = time.monotonic()
        response = self.browser(person).get(path, HTTP_HOST=host)
        RUN["requests"] += 1
        RUN.setdefault("by_kind", {}).setdefault(kind, [0, 0.0])
        RUN["by_kind"][kind][0] += 1
        RUN["by_kind"][kind][1] += time.monotonic() - t0
        if allowed:
            assert response.status_code == 200, (
                f"{person} refused {kind} {key}: {response.status_code}"
            )
            if kind in ("class", "post") and person in ADULTS:
                self.shows_only_photos_they_may_see(person, kind, key, response)
        elif self.oracle.signed_in(person):
            assert response.status_code == 404, f"{person} got {kind} {key}: {response.status_code}"
        elif response.status_code != 404:  # a page that is not live is 404 for anyone
            assert response.status_code == 302, f"{person} (signed out) got {kind} {key}"
            assert response["Location"].startswith("/sign-in/")
        self.verified[pair] = allowed


def test_the_register_consent_and_posts_agree_with_the_policy(world):
    add_adults(world)
    ClassPagesMachine.world_source = world
    ClassPagesMachine.browsers_source = signed_in_browsers(world)
    ClassPagesMachine.verified_at_start = None
    started, cpu = time.monotonic(), time.process_time()
    before = dict(RUN)
    try:
        run_state_machine_as_test(
            ClassPagesMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                # The same runs each time in `make test`; CI explores afresh on each run.
                derandomize=not RANDOM,
                print_blob=True,
                suppress_health_check=[
                    HealthCheck.too_slow,
                    HealthCheck.filter_too_much,
                    HealthCheck.data_too_large,
                ],
            ),
        )
    finally:
        ClassPagesMachine.world_source, ClassPagesMachine.browsers_source = None, {}
        figures = {
            "examples": RUN["examples"] - before["examples"],
            "steps": RUN["steps"] - before["steps"],
            "requests": RUN["requests"] - before["requests"],
            "seconds": round(time.monotonic() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "settings": {
                "examples": EXAMPLES,
                "steps": STEPS,
                "sample": SAMPLE,
                "final_sample": FINAL_SAMPLE,
                "random": RANDOM,
            },
            "rules": dict(sorted(RULES.items())),
            "requests_by_kind": RUN.get("by_kind"),
        }
        print(f"\nstate machine: {json.dumps(figures)}")
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(json.dumps(figures, indent=2) + "\n")


# --- what the machine found (fixed; kept as regression tests) -------------------------


def test_enrolment_ended_by_date_ends_access_on_that_date(world):
    """The office records today that the Oak child leaves Oak tomorrow (end of term). From
    the day after, Enrolment.current() says the child is not in Oak, yet the carer's
    guardian grant on Oak, made while the enrolment was current, stays: they still see
    the class page and its posts."""
    carer, pupil, oak = world.a.carers["Oak"], world.a.pupils["Oak"], world.a.classes["Oak"]
    today = timezone.localdate()
    enrolment = Enrolment.objects.get(pupil=pupil, class_page=oak)
    enrolment.ended_on = today + timedelta(days=1)
    enrolment.save()
    client = Client()
    client.force_login(carer)
    assert client.get(oak.url).status_code == 200  # still in Oak today

    real_localdate = timezone.localdate
    day_after = today + timedelta(days=2)
    with mock.patch.object(
        timezone,
        "localdate",
        lambda value=None, tz=None: day_after if value is None else real_localdate(value, tz),
    ):
        for cache in caches.all():
            cache.clear()  # nothing remembered: only the register's answer counts
        assert not Enrolment.objects.filter(pk=enrolment.pk).current().exists()
        assert client.get(oak.url).status_code == 404


def test_a_no_that_comes_to_count_takes_posts_down(world):
    """A grandparent linked without parental responsibility says no to photos (their
    answer does not count yet); then the office records that they do hold it (a court
    order). By the consent rule their no now stands, so the Oak post showing the child
    must come down; it stays live and its carers still see the photo."""
    pupil, post = world.a.pupils["Oak"], world.a.posts["Oak"]
    gran = UserFactory(username="gran.oak")
    link_carer(gran, pupil, relationship="grandparent", has_responsibility=False)
    ConsentRecord.objects.create(
        pupil=pupil,
        medium="photo",
        given=False,
        method=ConsentRecord.Method.ONLINE,
        recorded_by=gran,
    )
    assert StoryPostPage.objects.get(pk=post.pk).live  # their no did not count

    link_carer(gran, pupil, by=world.a.office, has_responsibility=True)

    assert CarerLink.objects.get(carer=gran, pupil=pupil).has_responsibility
    assert not StoryPostPage.objects.get(pk=post.pk).live


# --- the invariants can fail: the machine against a deliberately broken app ---------


class Pick:
    """Stands in for hypothesis' `data` in a scripted run: returns the given values."""

    def __init__(self, *values):
        self.values = list(values)

    def draw(self, strategy, label=None):
        return self.values.pop(0)


def _oak_photo_in_rowan_draft_deleted(m):
    """An Oak photo only a Rowan draft uses; the Rowan teacher deletes the draft."""
    m.teacher_uploads_photo(class_name="Oak", tagged=set(), statement=True)
    photo = max(m.oracle.images)
    m.stored_draft_with_any_photo(class_name="Rowan", data=Pick(photo))
    m.teacher_deletes_post(data=Pick(max(m.oracle.posts)), own=True)


def _oak_post_deleted(m):
    m.teacher_uploads_photo(class_name="Oak", tagged=set(), statement=True)
    photo = max(m.oracle.images)
    m.stored_draft_with_any_photo(class_name="Oak", data=Pick(photo))
    m.teacher_deletes_post(data=Pick(max(m.oracle.posts)), own=True)


def _post_of_child_without_photo_consent(m):
    m.office_records_paper_consent(pupil="oak", medium="photo", given=False, days=None)
    m.teacher_uploads_photo(class_name="Oak", tagged={"oak"}, statement=False)
    m.teacher_writes_post(class_name="Oak", data=Pick("own", max(m.oracle.images)), approve=False)


def _raw_delete(image_ids, recording_ids):
    ClassRendition.objects.filter(image_id__in=image_ids)._raw_delete("default")
    ClassImage.objects.filter(pk__in=image_ids)._raw_delete("default")


# (what is broken, how, the steps, the checks run after them, what the failure says)
MUTANTS = {
    "no-contact check skipped": (
        "class_pages.register.carer_links.matches_no_contact",
        lambda *args, **kwargs: False,
        lambda m: m.office_links(adult="nora", pupil="oak", responsible=True),
        ["no_contact_is_never_linked"],
        "no-contact",
    ),
    "anyone may reinstate": (
        "class_pages.register.carer_links.may_reinstate",
        lambda user, pupil: True,
        lambda m: (
            m.leader_removes_access("oak_carer", "A", AccessRemoval.Kind.CARER_REVOKED),
            m.try_to_reinstate(data=Pick(("oak_carer", "oak")), who="office"),
        ),
        ["school_ended_links_stay_ended"],
        "restored a link the policy keeps ended",
    ),
    "reinstatement not logged": (
        "class_pages.register.carer_links.log",
        lambda **kwargs: None,
        lambda m: (
            m.leader_removes_access("oak_carer", "A", AccessRemoval.Kind.CARER_SUSPENDED),
            m.try_to_reinstate(data=Pick(("oak_carer", "oak")), who="leader"),
        ),
        ["school_ended_links_stay_ended"],
        "no leader's reason on record",
    ),
    "one yes outweighs a no": (
        "class_pages.models.consent.consent_in_force",
        lambda records, responsible, today: any(r.in_force(today) for r in records),
        lambda m: m.carer_answers_consent(
            data=Pick(("oak_carer", "oak")), medium="photo", given=False, days=None
        ),
        ["posts_are_live_exactly_as_approved", "live_posts_show_only_children_who_may_appear"],
        "should be down",
    ),
    "lapsed consent ignored by the daily job": (
        "class_pages.lifecycle.consent_lapse.consent_map",
        lambda pupil_ids, media, today=None: {(p, m): True for p in pupil_ids for m in media},
        lambda m: (
            m.office_records_paper_consent(pupil="oak", medium="photo", given=True, days=0),
            m.a_day_passes(),
        ),
        ["posts_are_live_exactly_as_approved", "live_posts_show_only_children_who_may_appear"],
        "should be down",
    ),
    "consent check passes everyone": (
        "workflows.checks.consent.consent_map",
        lambda pupil_ids, media, today=None: {(p, m): True for p in pupil_ids for m in media},
        _post_of_child_without_photo_consent,
        ["posts_are_live_exactly_as_approved"],
        "the consent check disagrees",
    ),
    "post form takes any photo id": (
        "class_pages.page_forms.foreign_media_ids",
        lambda guard, raw_blocks: (set(), set()),
        lambda m: m.teacher_writes_post(
            class_name="Oak", data=Pick("any", m.world_image("Willow")), approve=False
        ),
        ["live_posts_use_only_their_own_class_media"],
        "took a photo of another class",
    ),
    "class grant not checked": (
        "class_pages.access.grants.has_class_grant",
        lambda user, class_page: True,
        lambda m: None,
        ["fetch willow_carer class Oak"],
        "willow_carer got class Oak",
    ),
    "cleanup ignores the post's class": (
        "class_pages.media.cleanup.allowed_media_ids",
        lambda guard, images, recordings: (set(images), set(recordings)),
        _oak_photo_in_rowan_draft_deleted,
        ["media_exist_as_expected"],
        "deleted",
    ),
    "media rows deleted without their files": (
        "class_pages.media.cleanup._delete",
        _raw_delete,
        _oak_post_deleted,
        ["every_new_file_belongs_to_existing_media"],
        "files on disk of no image",
    ),
}


def _run_script(steps, checks):
    machine = ClassPagesMachine()
    try:
        steps(machine)
        for check in checks:
            if check.startswith("fetch "):
                _, person, kind, key = check.split()
                pair = (person, kind, key)
                machine.fetch_and_compare(pair, machine.expected_fetches()[pair])
            else:
                getattr(machine, check)()
    finally:
        machine._roll_back()


@pytest.mark.parametrize("broken", [False, True], ids=["as-is", "broken"])
@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_the_checks_fail_when_the_app_breaks_a_rule(world, mutant, broken):
    """Each scripted run passes against the application as it is (control) and fails,
    in the step's own check or in the invariant named, with that rule broken."""
    target, replacement, steps, checks, says = MUTANTS[mutant]
    add_adults(world)
    ClassPagesMachine.world_source = world  # browsers signed in as needed
    try:
        if not broken:
            _run_script(steps, checks)
            return
        with mock.patch(target, replacement), pytest.raises(AssertionError, match=says):
            _run_script(steps, checks)
    finally:
        ClassPagesMachine.world_source, ClassPagesMachine.browsers_source = None, {}
