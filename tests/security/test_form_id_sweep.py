"""Form id sweep (issue 14): the URL sweep (test_idor_sweep) proves URLs; this proves the
ids that travel inside submitted forms. Every id-bearing field of every admin form and
StreamField chooser block, and every id a leaders' tool or a carer's form takes, is
filled with the id of an object of another class or another school and POSTed by the
roles that reach the form (teacher of Oak, office and leader of school A; office and
leader of school B for the reverse direction; a carer of Oak for the carers' forms).

Each submission must be refused (a form error on that field, or 403/404 where the id is
the form's subject), never a 500; afterwards nothing in the database points at the
foreign object that did not before (foreign keys, m2m rows, revisions, StreamField ids,
reference index, logs, tree children) and the foreign object's own row is unchanged; and
no response (nor the page a redirect leads to, nor a flash message) shows a canary of
anything the role may not see.

The list is built by introspection where the code allows it: the admin viewsets of our
apps and their forms' ModelChoiceFields, the chooser blocks of every StreamField of our
page types, the image and video/audio forms, every registered bulk action. The
`test_every_*` guards fail when a new id-bearing field, block, bulk action or id URL
appears that the sweep does not fill, as test_every_pattern_is_swept_or_allowed does for
URLs. Holes found are in HOLES: each is a strict xfail, in the sweep and in its own
focused test, until the application is fixed."""

import functools
import gc
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import blocks
from wagtail.admin.models import EditingSession
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.documents.forms import get_document_form, get_document_multi_form
from wagtail.fields import StreamField
from wagtail.images.forms import get_image_form, get_image_multi_form
from wagtail.models import (
    Collection,
    Comment,
    CommentReply,
    ModelLogEntry,
    Page,
    ReferenceIndex,
    Revision,
    UploadedFile,
    WorkflowState,
)
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from class_pages.factories import (
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    generated_image_file,
)
from class_pages.media.post_media import raw_media_ids
from class_pages.models import (
    CarerLink,
    ClassImage,
    ClassMedia,
    ClassPage,
    ConsentRecord,
    Enrolment,
    Invitation,
    NoContactRestriction,
    PolicyPage,
    Pupil,
    SchoolPage,
    SchoolStoryIndexPage,
    SignedInSession,
    StoryPostPage,
)
from tests.class_pages.media import recording_files as made
from tests.helpers import audit_unless_sampled
from tests.security.conftest import TEACHER_KINDS
from workflows.models import ConcernReport

EVERYTHING = frozenset({"classtitle", "post", "draft", "image", "media", "pupil", "register"})


# --- who submits, and what is foreign to them ---------------------------------------------


@dataclass(frozen=True)
class Role:
    side: str  # "a" (Alder Primary) or "b" (Birch Primary)
    user: Callable  # (world, canaries) -> the user who signs in
    reads: dict  # class name -> canary kinds the role may read


A_STAFF = {"Oak": EVERYTHING, "Willow": EVERYTHING}
ROLES = {
    "teacher_oak": Role("a", lambda w, c: w.a.teachers["Oak"], {"Oak": TEACHER_KINDS}),
    "office_a": Role("a", lambda w, c: w.a.office, A_STAFF),
    "leader_a": Role("a", lambda w, c: w.a.leader, A_STAFF),
    "office_b": Role("b", lambda w, c: w.b.office, {"Rowan": EVERYTHING}),
    "leader_b": Role("b", lambda w, c: w.b.leader, {"Rowan": EVERYTHING}),
    # A carer reads their own child's class here (their child's and their own name too).
    "carer_oak": Role("a", lambda w, c: c.classes["Oak"].carer, {"Oak": EVERYTHING}),
}
HOME = {"a": "Oak", "b": "Rowan"}
# The class whose objects fill the form, by kind of foreign object and the role's side.
FOREIGN = {"other-class": {"a": "Willow"}, "other-school": {"a": "Rowan", "b": "Oak"}}
STAFF = ("teacher_oak", "leader_a", "leader_b")  # those who edit posts and media
REGISTER = ("office_a", "leader_a", "office_b", "leader_b")
LEADERS = ("leader_a", "leader_b")


# --- more canaries: comments, collections, uploads, a second factor -------------------------


def _draft_agreement(school):
    """The school's agreement page, as a draft: a live one would stop every person of the
    school at the agreement gate until they accepted it."""
    agreement = PolicyPage(title="Our agreement", slug="agreement", body="<p>Be kind.</p>")
    school.add_child(instance=agreement)
    PolicyPage.objects.filter(pk=agreement.pk).update(live=False)
    return PolicyPage.objects.get(pk=agreement.pk)


def _extras_for(ns, name, canary, agreements):
    """Objects of one class the shared canaries lack, with canary text where visible."""
    c = name.lower()
    marks = {}

    def mark(kind, text):
        marks[text] = kind
        return text

    collection = canary.collection
    collection.name = mark("media", f"zqcollection{c}")
    collection.save()
    post = canary.post
    comment = Comment.objects.create(
        page=post, user=canary.teacher, text=mark("draft", f"zqcomment{c}"), contentpath="title"
    )
    reply = CommentReply.objects.create(
        comment=comment, user=canary.teacher, text=mark("draft", f"zqreply{c}")
    )
    uploaded_media = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(ClassMedia),
        file=ContentFile(b"RIFF" + b"\0" * 40, name="upload.wav"),
        uploaded_by_user=canary.teacher,
    )
    # A second teacher with an app and a session, for "reset two-factor" and "end
    # sessions" to destroy were they to act (not a role here: two-factor would stop it).
    staff = UserFactory(username=f"zqstaff{c}", last_name=mark("register", f"Zqstaffname{c}"))
    staff.groups.add(canary.teachers_group)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    SignedInSession.objects.create(user=staff, session_key=f"zqstaff{c}", device="Laptop")
    return SimpleNamespace(
        comment=comment,
        reply=reply,
        agreement=agreements[ns.school.pk],
        uploaded_media=uploaded_media,
        staff=staff,
        story=SchoolStoryIndexPage.objects.child_of(ns.school).get(),
        marks=marks,
    )


def _signed_in(role, world, canaries):
    """A session of the role's, made once for the module (signing in for every submission
    cost more than most submissions): each test's changes to it are rolled back."""
    client = Client()
    client.force_login(ROLES[role].user(world, canaries))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def _module_extras(_session_world, _module_canaries, django_db_blocker):
    """In a savepoint of its own inside the canaries' (rolled back when the module ends)."""
    with django_db_blocker.unblock():
        savepoint = transaction.atomic()
        savepoint.__enter__()
        try:
            extras, marks = {}, {}
            schools = (_session_world.a, _session_world.b)
            agreements = {ns.school.pk: _draft_agreement(ns.school) for ns in schools}
            for ns in schools:
                for name in ns.classes:
                    found = _extras_for(ns, name, _module_canaries.classes[name], agreements)
                    extras[name] = found
                    marks.update({text: (name, kind) for text, kind in found.marks.items()})
            sessions = {role: _signed_in(role, _session_world, _module_canaries) for role in ROLES}
            # Some 280,000 long-lived objects (the schools, Wagtail's block definitions):
            # each full collection walked them all, about 0.45 s, every second or third
            # submission. Frozen, they are skipped until the module ends.
            gc.collect()
            gc.freeze()
            yield SimpleNamespace(classes=extras, marks=marks, sessions=sessions)
        finally:
            gc.unfreeze()
            transaction.set_rollback(True)
            savepoint.__exit__(None, None, None)


@pytest.fixture
def state(db, _session_world, _module_canaries, _module_extras):
    """The world, its canaries and this module's extras, as built: every test runs in a
    savepoint that is rolled back, the sweep changes none of these instances in memory, and
    the oracle reads the database itself (reloading some 200 objects per test cost more
    than many submissions)."""
    return SimpleNamespace(
        world=_session_world,
        canaries=_module_canaries,
        extras=_module_extras,
        marks={**_module_canaries.marks, **_module_extras.marks},
    )


def forbidden_marks(role, marks):
    reads = ROLES[role].reads
    return [text for text, (name, kind) in marks.items() if kind not in reads.get(name, ())]


@functools.cache
def wav_bytes():
    return made.tagged_wav(seconds=0.2)


def png_upload(name="sweep.png"):
    data = generated_image_file(name=name, size=(48, 32)).read()
    return SimpleUploadedFile(name, data, content_type="image/png")


def wav_upload(name="sweep.wav"):
    return SimpleUploadedFile(name, wav_bytes(), content_type="audio/wav")


# --- the database oracle: what points at an object, and the object itself --------------------


def _concrete_models():
    return [model for model in apps.get_models(include_auto_created=True) if not model._meta.proxy]


@functools.cache
def _inbound(model_class):
    """(model, attname) of every foreign key, one-to-one and m2m row pointing at this class
    (or a concrete parent of it: a ClassPage is also pointed at as a Page)."""
    found = []
    for model in _concrete_models():
        for field in model._meta.local_concrete_fields:
            target = getattr(field, "related_model", None)
            if not field.is_relation or not isinstance(target, type):
                continue
            if getattr(field.remote_field, "parent_link", False):
                continue
            if issubclass(model_class, target):
                found.append((model, field.attname))
    return tuple(found)


@functools.cache
def _generic():
    """(model, content type field, object id field) of every generic reference."""
    found = {
        (Revision, "base_content_type", "object_id"),
        (Revision, "content_type", "object_id"),
        (WorkflowState, "base_content_type", "object_id"),
        (ReferenceIndex, "to_content_type", "to_object_id"),
        (ModelLogEntry, "content_type", "object_id"),
        (EditingSession, "content_type", "object_id"),
    }
    for model in _concrete_models():
        for field in model._meta.private_fields:
            if isinstance(field, GenericForeignKey):
                found.add((model, field.ct_field, field.fk_field))
    return tuple(sorted(found, key=lambda item: (item[0]._meta.label, item[1])))


def _rows(queryset):
    return sorted((sorted(row.items()) for row in queryset.values()), key=repr)


def _stream_uses(obj):
    """Posts and revisions whose StreamField data hold this image's or recording's id."""
    if not isinstance(obj, ClassImage | ClassMedia):
        return []
    which = 0 if isinstance(obj, ClassImage) else 1
    uses = []
    for pk, media in StoryPostPage.objects.values_list("pk", "media"):
        raw = getattr(media, "raw_data", media)
        if obj.pk in raw_media_ids(raw)[which]:
            uses.append(("page", pk))
    page_type = ContentType.objects.get_for_model(StoryPostPage)
    for pk, content in Revision.objects.filter(content_type=page_type).values_list("pk", "content"):
        raw = (content or {}).get("media") or []
        raw = json.loads(raw) if isinstance(raw, str) else raw
        if obj.pk in raw_media_ids(raw)[which]:
            uses.append(("revision", pk))
    return sorted(uses)


def fingerprint(obj):
    """Everything about `obj` a refused submission must leave as it was."""
    model = type(obj)
    found = {"row": _rows(model._base_manager.filter(pk=obj.pk))}
    for other, attname in _inbound(model):
        found[f"{other._meta.label}.{attname}"] = _rows(
            other._base_manager.filter(**{attname: obj.pk})
        )
    types = [ContentType.objects.get_for_model(m) for m in (model, *model._meta.get_parent_list())]
    for other, ct_field, id_field in _generic():
        rows = other._base_manager.filter(**{f"{ct_field}__in": types, id_field: str(obj.pk)})
        found[f"{other._meta.label}.{id_field}"] = _rows(rows)
    found["stream"] = _stream_uses(obj)
    if isinstance(obj, Page):
        found["tree"] = list(
            Page.objects.descendant_of(obj).order_by("path").values_list("pk", "title", "live")
        )
    if isinstance(obj, Collection):
        found["tree"] = list(obj.get_descendants().order_by("path").values_list("pk", "name"))
    return found


def changes(before, after):
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


# --- what a response says -------------------------------------------------------------------


def _forms_of(response):
    """Every bound form the response's templates were given (the test client keeps them)."""
    contexts = getattr(response, "context", None) or []
    if hasattr(contexts, "dicts"):  # a single Context
        contexts = [contexts]
    found = []
    for context in contexts:
        for key in ("form", "edit_form"):
            try:
                form = context[key]
            except KeyError:
                continue
            if isinstance(form, forms.BaseForm) and form.is_bound and form not in found:
                found.append(form)
    return found


def error_keys(response):
    """Fields (and formsets, as "formset:<name>") with errors, in every bound form shown."""
    keys = set()
    for form in _forms_of(response):
        keys |= set(form.errors)
        for name, formset in getattr(form, "formsets", {}).items():
            if formset.total_error_count():
                keys.add(f"formset:{name}")
    return keys


def texts(client, response):
    """What the role got to read: the body, the page a redirect leads to, flash messages."""
    seen = []
    if getattr(response, "streaming", False):
        seen.append(b"".join(response.streaming_content).decode(errors="replace"))
    else:
        seen.append(response.content.decode(errors="replace"))
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is not None:
        seen += [str(message) for message in getattr(storage, "_queued_messages", [])]
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    # The dashboard a denial leads to shows the role's own things and the flash messages,
    # read above from the message storage: not worth rendering.
    if location.startswith("/") and location != "/admin/":
        followed = client.get(location)
        seen.append(f"[{followed.status_code}] " + followed.content.decode(errors="replace"))
    return "\n".join(seen).lower()


# --- refusals -------------------------------------------------------------------------------

DENIED = (400, 403, 404, 405)
# Where the site's gates send someone before any view runs (sign-in, second factor,
# agreement): a submission stopped there proves nothing about the form.
GATES = ("/sign-in/?", "/admin/login/", "/account/two-factor/", "/agreement/")


def gated(response):
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.startswith(GATES)


def is_denial(response):
    """403/404, or Wagtail's permission denial: a redirect to the admin's home."""
    if response.status_code in DENIED:
        return True
    return response.status_code == 302 and response["Location"] == "/admin/"


def form_error(key):
    def check(ctx, response):
        if key in error_keys(response):
            return None
        return (
            f"{response.status_code}, no error on {key!r} (errors: {sorted(error_keys(response))})"
        )

    return check


def denied(ctx, response):
    if is_denial(response):
        return None
    return f"{response.status_code} {response.get('Location', '')}: not refused"


def error_or_denied(key):
    error = form_error(key)

    def check(ctx, response):
        return None if is_denial(response) else error(ctx, response)

    return check


def unchanged_only(ctx, response):
    """Views that skip what the user may not act on: the database oracle is the test."""
    return None


def error_unless_field_absent(key, form_for):
    """A field the role's form does not have is ignored (the form picks the value itself),
    which the database oracle then proves; a field it has must answer with an error."""
    error = form_error(key)

    def check(ctx, response):
        if key not in form_for(ctx).fields:
            return None if response.status_code in (200, 302) else f"{response.status_code}"
        return error(ctx, response)

    return check


# --- the sweep's table -----------------------------------------------------------------------


@dataclass
class Sweep:
    form: str
    field: str
    attr: str  # the attribute of a class's objects (see `objects_of`) that fills the field
    roles: tuple
    submit: Callable  # (ctx, foreign object) -> response
    check: Callable  # (ctx, response) -> problem or None
    other_class: tuple = ()  # roles to whom another class of their own school is foreign
    control: bool = True  # the same submission with the role's own object is accepted
    own: Callable = None  # (ctx) -> the role's own object for the control (default: attr)
    reach: Callable = None  # (ctx) -> whether the role's permissions reach the form

    def own_object(self, ctx):
        return self.own(ctx) if self.own else getattr(ctx.home, self.attr)

    @property
    def key(self):
        return f"{self.form}:{self.field}"


SWEEPS = []


def sweep(form, field, attr, roles, check, other_class=(), control=True, own=None, reach=None):
    def register(submit):
        entry = Sweep(form, field, attr, roles, submit, check, other_class, control, own, reach)
        SWEEPS.append(entry)
        return submit

    return register


def objects_of(name, state):
    """One class's objects by attribute: the shared canaries plus this module's extras."""
    canary, extra = state.canaries.classes[name], state.extras.classes[name]
    found = {**vars(canary), **vars(extra)}
    del found["marks"]
    return SimpleNamespace(**found)


# Known holes: (form, field) -> what leaks. Each is a strict xfail until fixed.
HOLES = {}
# Holes that break the form with the role's own objects too (their controls fail).
BROKEN_FOR_EVERYONE = set()
# Forms that refuse every submission by design, whoever's objects fill them: finishing an
# earlier upload would store its bytes unchecked (class_pages.media.forms.StoreUploadMixin), so
# it answers "upload it again" (test_the_second_step_of_a_recording_upload_is_refused).
REFUSED_BY_DESIGN = {"media-from-upload", "image-from-upload"}


# --- StoryPostPage and ClassPage editors ----------------------------------------------------

PHOTO = {"alt_text": "Seedlings in pots", "caption": ""}
RECORDING = {"description": "Singing practice", "caption": ""}
# The chooser blocks of StoryPostPage.media, by path, and the stream that holds one id there.
STREAM_CHOOSERS = {
    "photo.image": ("image", lambda pk: [("photo", {"image": pk, **PHOTO})]),
    "gallery.photos.image": (
        "image",
        lambda pk: [
            ("gallery", {"photos": streamfield([("item", {"image": pk, **PHOTO})]), "caption": ""})
        ],
    ),
    "video.recording": ("media", lambda pk: [("video", {"recording": pk, **RECORDING})]),
    "audio.recording": ("media", lambda pk: [("audio", {"recording": pk, **RECORDING})]),
}


MOVED = "zq moved"  # the text a forged comment or reply id is submitted with


def comment_data(field, pk):
    """The page form's comments formset holding `pk` as a comment's or a reply's id."""
    if field == "comments.id":
        items = [{"id": pk, "contentpath": "title", "text": MOVED, "position": ""}]
        return inline_formset(
            [{**item, "resolved": "", "replies": inline_formset([])} for item in items],
            initial=1 if pk else 0,
        )
    reply = {"id": pk, "text": MOVED}
    return inline_formset(
        [
            {
                "id": "",
                "contentpath": "title",
                "text": "A new comment",
                "position": "",
                "resolved": "",
                "replies": inline_formset([reply], initial=1 if pk else 0),
            }
        ]
    )


def post_data(title, media=(), comments=None):
    return nested_form_data(
        {
            "title": title,
            "slug": slugify(title),
            "kind": StoryPostPage.Kind.LEARNING,
            "event_date": "",
            "body": "We learned about seeds today.",
            "media": streamfield(list(media)),
            "comments": comments or inline_formset([]),
        }
    )


def page_form_data(ctx, field, obj, title):
    pk = obj.pk if obj is not None else ""
    if field in STREAM_CHOOSERS:
        return post_data(title, media=STREAM_CHOOSERS[field][1](pk))
    return post_data(title, comments=comment_data(field, pk))


def home_post(ctx):
    """The post a role edits: the world's live post of their class (not in moderation)."""
    school = ctx.world.a if ROLES[ctx.role].side == "a" else ctx.world.b
    return school.posts[ctx.home.name]


POST_FIELDS = {path: attr for path, (attr, _) in STREAM_CHOOSERS.items()}
POST_FIELDS.update({"comments.id": "comment", "comments.replies.id": "reply"})


def comment_refused(ctx, response):
    """A comment or reply id that is not one of this page's is no error: the formset
    (modelcluster's) takes it for a new one. The text must then be on a new comment of
    the role's own page, and the foreign one untouched (the database oracle)."""
    if "formset:comments" in error_keys(response):
        return None
    if response.status_code != 302:
        return f"{response.status_code}, no error on the comments (errors: {error_keys(response)})"
    mine = {"text": MOVED, "user": ctx.user}
    made = [*Comment.objects.filter(**mine), *CommentReply.objects.filter(**mine)]
    pages = {getattr(item, "page_id", None) or item.comment.page_id for item in made}
    own = set(Page.objects.descendant_of(ctx.home.class_page, inclusive=True).values_list("pk"))
    if made and pages <= {pk for (pk,) in own}:
        return None
    return f"the text went to {sorted(pages)}, not a new comment of the role's own page"


def _post_error(field):
    return form_error("media") if field in STREAM_CHOOSERS else comment_refused


def _new_comment(ctx):
    return None  # the control of a comment id: a new comment, which any editor may add


for _field, _attr in POST_FIELDS.items():
    # Another class's media is foreign to a leader too: a post uses its own class's library.
    _media_rule = ("teacher_oak", "leader_a") if _field in STREAM_CHOOSERS else STAFF[:2]

    _own = None if _field in STREAM_CHOOSERS else _new_comment

    @sweep("post-add", _field, _attr, STAFF, _post_error(_field), _media_rule, own=_own)
    def _post_add(ctx, obj, field=_field):
        url = f"/admin/pages/add/class_pages/storypostpage/{ctx.home.class_page.pk}/"
        return ctx.client.post(url, page_form_data(ctx, field, obj, f"Sweep post {ctx.role}"))

    @sweep("post-edit", _field, _attr, STAFF, _post_error(_field), _media_rule, own=_own)
    def _post_edit(ctx, obj, field=_field):
        post = home_post(ctx)
        return ctx.client.post(
            f"/admin/pages/{post.pk}/edit/", page_form_data(ctx, field, obj, post.title)
        )


for _field in STREAM_CHOOSERS:
    # The whole-school story may use every class's media of its school, nothing else.
    @sweep("story-post-add", _field, STREAM_CHOOSERS[_field][0], LEADERS, form_error("media"))
    def _story_add(ctx, obj, field=_field):
        url = f"/admin/pages/add/class_pages/storypostpage/{ctx.home.story.pk}/"
        return ctx.client.post(url, page_form_data(ctx, field, obj, f"Sweep story {ctx.role}"))


for _field, _attr in (("comments.id", "comment"), ("comments.replies.id", "reply")):

    @sweep(
        "classpage-edit",
        _field,
        _attr,
        STAFF,
        comment_refused,
        STAFF[:2],
        own=_new_comment,
    )
    def _class_edit(ctx, obj, field=_field):
        page = ctx.home.class_page
        data = nested_form_data(
            {
                "title": page.title,
                "slug": page.slug,
                "class_name": page.class_name,
                "year_group": page.year_group,
                "academic_year": page.academic_year,
                "welcome": page.welcome,
                "comments": comment_data(field, obj.pk if obj is not None else ""),
            }
        )
        return ctx.client.post(f"/admin/pages/{page.pk}/edit/", data)


# The school's agreement links its related policies with a page chooser block.
@sweep(
    "policy-edit", "related_policies.policy.page", "post", LEADERS, form_error("related_policies")
)
def _policy_edit(ctx, obj):
    agreement = ctx.home.agreement
    data = nested_form_data(
        {
            "title": agreement.title,
            "slug": agreement.slug,
            "version": 1,
            "body": rich_text("<p>Be kind.</p>"),
            "related_policies": streamfield(
                [("policy", {"title": "Behaviour", "page": obj.pk, "url": ""})]
            ),
            "comments": inline_formset([]),
        }
    )
    return ctx.client.post(f"/admin/pages/{agreement.pk}/edit/", data)


# --- the page tree: copy, choose a parent, move, workflow actions ----------------------------


def own_draft(ctx):
    """A draft post of the role's class, which they may move (a live one they may not)."""
    if not hasattr(ctx, "draft"):
        ctx.draft = StoryPostPageFactory(
            parent=ctx.home.class_page, title=f"Sweep draft {ctx.role}", published=False
        )
    return ctx.draft


@sweep(
    "page-copy",
    "new_parent_page",
    "class_page",
    STAFF,
    error_or_denied("new_parent_page"),
    STAFF[:1],
)
def _copy(ctx, obj):
    data = {
        "new_title": f"Sweep copy {ctx.role}",
        "new_slug": f"sweep-copy-{ctx.role}",
        "new_parent_page": obj.pk,
        "copy_subpages": "",
        "publish_copies": "",
        "alias": "",
    }
    return ctx.client.post(f"/admin/pages/{home_post(ctx).pk}/copy/", data)


@sweep(
    "page-choose-parent", "parent_page", "class_page", STAFF, form_error("parent_page"), STAFF[:1]
)
def _choose_parent(ctx, obj):
    url = reverse("wagtailadmin_pages:choose_parent", args=["class_pages", "storypostpage"])
    return ctx.client.post(url, {"parent_page": obj.pk})


# Where a bulk action goes when done: not the admin's home, where a denial goes.
BULK_DONE = "/admin/account/"


def _move_not_done(ctx, response):
    if response.status_code in DENIED:
        return None
    draft = Page.objects.get(pk=own_draft(ctx).pk)
    if response.status_code == 200 and draft.get_parent().pk == ctx.home.class_page.pk:
        return None  # shown again: the page may not go there
    return f"{response.status_code}: moved under {draft.get_parent().pk}"


@sweep("page-bulk-move", "chooser", "class_page", STAFF, _move_not_done, STAFF[:1])
def _bulk_move(ctx, obj):
    url = f"/admin/bulk/wagtailcore/page/move/?id={own_draft(ctx).pk}&next={BULK_DONE}"
    return ctx.client.post(url, {"chooser": obj.pk})


@sweep("page-move-confirm", "destination_id", "class_page", STAFF, denied, STAFF[:1])
def _move_confirm(ctx, obj):
    return ctx.client.post(f"/admin/pages/{own_draft(ctx).pk}/move/{obj.pk}/confirm/")


def _workflow_refused(ctx, response):
    # Refused, or sent back to the editor untouched (the oracle checks the database).
    if is_denial(response) or response.status_code == 302:
        return None
    return f"{response.status_code}: the action was offered"


@sweep("workflow-action", "task_state_id", "task_state", LEADERS, _workflow_refused)
def _workflow_task_state(ctx, obj):
    url = f"/admin/pages/workflow/action/{ctx.home.post.pk}/approve/{obj.pk}/"
    return ctx.client.post(url, {"comment": ""})


@sweep("workflow-action", "task_state_id(reject)", "task_state", LEADERS, _workflow_refused)
def _workflow_reject(ctx, obj):
    url = f"/admin/pages/workflow/action/{ctx.home.post.pk}/reject/{obj.pk}/"
    return ctx.client.post(url, {"comment": "zq sweep"})


@sweep("workflow-action", "page_id", "class_page", STAFF, _workflow_refused, STAFF[:1], False)
def _workflow_page(ctx, obj):
    url = f"/admin/pages/workflow/action/{obj.pk}/approve/{ctx.home.task_state.pk}/"
    return ctx.client.post(url, {"comment": ""})


# Wagtail's own state-changing page views, POSTed with another class's page in the URL
# (the URL sweep only reads them): each must refuse and change nothing.
PAGE_ACTIONS = {
    "page-edit": ("post", lambda ctx, obj: (f"/admin/pages/{obj.pk}/edit/", post_data(obj.title))),
    "page-add-under": (
        "class_page",
        lambda ctx, obj: (
            f"/admin/pages/add/class_pages/storypostpage/{obj.pk}/",
            post_data(f"Sweep post {ctx.role}"),
        ),
    ),
    "page-delete": ("post", lambda ctx, obj: (f"/admin/pages/{obj.pk}/delete/", {})),
    "page-unpublish": ("post", lambda ctx, obj: (f"/admin/pages/{obj.pk}/unpublish/", {})),
    "page-lock": ("post", lambda ctx, obj: (f"/admin/pages/{obj.pk}/lock/", {})),
    "page-unlock": ("post", lambda ctx, obj: (f"/admin/pages/{obj.pk}/unlock/", {})),
    # Lifting the login restriction of another school's "Classes" would make them public.
    "page-privacy": (
        "class_index",
        lambda ctx, obj: (f"/admin/pages/{obj.pk}/privacy/", {"restriction_type": "none"}),
    ),
    "image-delete": ("image", lambda ctx, obj: (f"/admin/images/{obj.pk}/delete/", {})),
    "media-delete": ("media", lambda ctx, obj: (f"/admin/documents/delete/{obj.pk}/", {})),
}
for _form, (_attr, _request) in PAGE_ACTIONS.items():

    @sweep(_form, "url", _attr, STAFF, unchanged_only, STAFF[:1], control=False)
    def _page_action(ctx, obj, request=_request):
        url, data = request(ctx, obj)
        return ctx.client.post(url, data)


# --- images and video/audio: add, edit, multiple upload, chooser upload, bulk ----------------


def image_form_for(ctx):
    return get_image_form(ClassImage)(user=ctx.user)


def media_form_for(ctx):
    return get_document_form(ClassMedia)(user=ctx.user)


MEDIA_FIELDS = {"collection": "collection", "pupils": "pupil"}


def media_values(ctx, field, obj):
    """The form's id fields: the role's own collection and pupil, one of them replaced."""
    values = {"collection": ctx.home.collection.pk, "pupils": [ctx.home.pupil.pk]}
    values[field] = obj.pk if field == "collection" else [obj.pk]
    return values


def image_fields(ctx, field, obj, prefix=""):
    data = {
        "title": "Sweep image",
        "tags": "",
        "description": "",
        "focal_point_x": "",
        "focal_point_y": "",
        "focal_point_width": "",
        "focal_point_height": "",
        **media_values(ctx, field, obj),
    }
    return {f"{prefix}{key}": value for key, value in data.items()}


def recording_fields(ctx, field, obj, prefix=""):
    data = {"title": "Sweep recording", "tags": "", **media_values(ctx, field, obj)}
    return {f"{prefix}{key}": value for key, value in data.items()}


XHR = {"headers": {"x-requested-with": "XMLHttpRequest"}}


def own_upload(ctx, model):
    """An upload of the role's own waiting for its details (multiple upload, step two)."""
    data = png_upload().read() if model is ClassImage else wav_bytes()
    return UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(model),
        file=ContentFile(data, name="waiting.png" if model is ClassImage else "waiting.wav"),
        uploaded_by_user=ctx.user,
    )


# Other classes' pupils are foreign to a teacher; a leader tags every pupil of the school.
for _field, _attr in MEDIA_FIELDS.items():
    _image_check = error_unless_field_absent(_field, image_form_for)
    _media_check = error_unless_field_absent(_field, media_form_for)

    @sweep("image-add", _field, _attr, STAFF, _image_check, STAFF[:1])
    def _image_add(ctx, obj, field=_field):
        data = {**image_fields(ctx, field, obj), "file": png_upload()}
        return ctx.client.post(reverse("wagtailimages:add"), data)

    @sweep("image-edit", _field, _attr, STAFF, _image_check, STAFF[:1])
    def _image_edit(ctx, obj, field=_field):
        url = reverse("wagtailimages:edit", args=[ctx.home.image.pk])
        return ctx.client.post(url, image_fields(ctx, field, obj))

    @sweep("image-multiple-edit", _field, _attr, STAFF, _image_check, STAFF[:1])
    def _image_multiple_edit(ctx, obj, field=_field):
        pk = ctx.home.image.pk
        url = reverse("wagtailimages:edit_multiple", args=[pk])
        return ctx.client.post(url, image_fields(ctx, field, obj, f"image-{pk}-"), **XHR)

    @sweep("image-from-upload", _field, _attr, STAFF, _image_check, STAFF[:1])
    def _image_from_upload(ctx, obj, field=_field):
        upload = own_upload(ctx, ClassImage)
        url = reverse("wagtailimages:create_multiple_from_uploaded_image", args=[upload.pk])
        data = image_fields(ctx, field, obj, f"uploaded-image-{upload.pk}-")
        return ctx.client.post(url, data, **XHR)

    @sweep("image-chooser-create", _field, _attr, STAFF, _image_check, STAFF[:1])
    def _image_chooser_create(ctx, obj, field=_field):
        prefix = "image-chooser-upload-"
        data = {**image_fields(ctx, field, obj, prefix), f"{prefix}file": png_upload()}
        return ctx.client.post(reverse("wagtailimages_chooser:create"), data)

    @sweep("media-add", _field, _attr, STAFF, _media_check, STAFF[:1])
    def _media_add(ctx, obj, field=_field):
        data = {**recording_fields(ctx, field, obj), "file": wav_upload()}
        return ctx.client.post(reverse("wagtaildocs:add"), data)

    @sweep("media-edit", _field, _attr, STAFF, _media_check, STAFF[:1])
    def _media_edit(ctx, obj, field=_field):
        url = reverse("wagtaildocs:edit", args=[ctx.home.media.pk])
        return ctx.client.post(url, recording_fields(ctx, field, obj))

    @sweep("media-multiple-edit", _field, _attr, STAFF, _media_check, STAFF[:1])
    def _media_multiple_edit(ctx, obj, field=_field):
        pk = ctx.home.media.pk
        url = reverse("wagtaildocs:edit_multiple", args=[pk])
        return ctx.client.post(url, recording_fields(ctx, field, obj, f"doc-{pk}-"), **XHR)

    @sweep("media-from-upload", _field, _attr, STAFF, _media_check, STAFF[:1])
    def _media_from_upload(ctx, obj, field=_field):
        upload = own_upload(ctx, ClassMedia)
        url = reverse("wagtaildocs:create_multiple_from_uploaded_document", args=[upload.pk])
        data = recording_fields(ctx, field, obj, f"uploaded-document-{upload.pk}-")
        return ctx.client.post(url, data, **XHR)

    @sweep("media-chooser-create", _field, _attr, STAFF, _media_check, STAFF[:1])
    def _media_chooser_create(ctx, obj, field=_field):
        prefix = "document-chooser-upload-"
        data = {**recording_fields(ctx, field, obj, prefix), f"{prefix}file": wav_upload()}
        return ctx.client.post(reverse("wagtaildocs_chooser:create"), data)


def _upload_not_in(ctx, response):
    """Multiple upload: a collection the user may not use is no error here (Wagtail keeps
    the file waiting for its details), but nothing may be created in it."""
    return None if response.status_code in (200, 403) else f"{response.status_code}"


@sweep("image-multiple-add", "collection", "collection", STAFF, _upload_not_in, STAFF[:1])
def _image_multiple_add(ctx, obj):
    data = {"files[]": png_upload(), "collection": obj.pk}
    return ctx.client.post(reverse("wagtailimages:add_multiple"), data, **XHR)


@sweep("media-multiple-add", "collection", "collection", STAFF, _upload_not_in, STAFF[:1])
def _media_multiple_add(ctx, obj):
    data = {"files[]": wav_upload(), "collection": obj.pk}
    return ctx.client.post(reverse("wagtaildocs:add_multiple"), data, **XHR)


# The ids in the URL of a form's POST: another class's item, another class's upload.
for _kind, _attr, _name in (("image", "image", "image_id"), ("media", "media", "doc_id")):
    _edit = "wagtailimages:edit" if _kind == "image" else "wagtaildocs:edit"
    _multiple = "wagtailimages:edit_multiple" if _kind == "image" else "wagtaildocs:edit_multiple"
    _fields = image_fields if _kind == "image" else recording_fields
    _prefix = "image" if _kind == "image" else "doc"

    @sweep(f"{_kind}-edit", _name, _attr, STAFF, denied, STAFF[:1], control=False)
    def _edit_foreign(ctx, obj, url_name=_edit, fields=_fields):
        data = fields(ctx, "collection", ctx.home.collection)
        return ctx.client.post(reverse(url_name, args=[obj.pk]), data)

    @sweep(f"{_kind}-multiple-edit", _name, _attr, STAFF, denied, STAFF[:1], control=False)
    def _multiple_foreign(ctx, obj, url_name=_multiple, fields=_fields, prefix=_prefix):
        data = fields(ctx, "collection", ctx.home.collection, f"{prefix}-{obj.pk}-")
        return ctx.client.post(reverse(url_name, args=[obj.pk]), data, **XHR)


@sweep("image-from-upload", "uploaded_file_id", "uploaded", STAFF, denied, STAFF[:1], control=False)
def _image_foreign_upload(ctx, obj):
    url = reverse("wagtailimages:create_multiple_from_uploaded_image", args=[obj.pk])
    data = image_fields(ctx, "collection", ctx.home.collection, f"uploaded-image-{obj.pk}-")
    return ctx.client.post(url, data, **XHR)


@sweep("media-from-upload", "uploaded_file_id", "uploaded_media", STAFF, denied, STAFF[:1], False)
def _media_foreign_upload(ctx, obj):
    url = reverse("wagtaildocs:create_multiple_from_uploaded_document", args=[obj.pk])
    data = recording_fields(ctx, "collection", ctx.home.collection, f"uploaded-document-{obj.pk}-")
    return ctx.client.post(url, data, **XHR)


@sweep("image-select-format", "image_id", "image", STAFF, denied, STAFF[:1], control=False)
def _select_format(ctx, obj):
    url = reverse("wagtailimages_chooser:select_format", args=[obj.pk])
    data = {
        "image-chooser-insertion-format": "fullwidth",
        "image-chooser-insertion-image_is_decorative": "on",
        "image-chooser-insertion-alt_text": "",
    }
    return ctx.client.post(url, data)


def _nothing_chosen(ctx, response):
    """A chooser's "chosen" step for ids the user may not choose: refused, or an empty
    result (the body oracle proves nothing about the items is in it)."""
    if is_denial(response):
        return None
    if response.status_code == 200:
        result = json.loads(response.content).get("result")
        return None if not result else f"chosen: {result}"
    return f"{response.status_code}"


for _url, _attr in (
    ("/admin/images/chooser/chosen-multiple/", "image"),
    ("/admin/documents/chooser/chosen-multiple/", "media"),
    ("/admin/choose-page/chosen-multiple/", "class_page"),
):

    @sweep(f"chosen-multiple:{_attr}", "id", _attr, STAFF, _nothing_chosen, STAFF[:1], False)
    def _chosen(ctx, obj, url=_url):
        return ctx.client.get(url, {"id": [obj.pk]})


# The add-to-collection bulk actions' own form field.
for _model, _attr in (("classimage", "image"), ("classmedia", "media")):

    @sweep(
        f"bulk:class_pages.{_model}.add_to_collection",
        "collection",
        "collection",
        STAFF,
        error_or_denied("collection"),
        STAFF[:1],
    )
    def _bulk_collection(ctx, obj, model=_model, attr=_attr):
        own = getattr(ctx.home, attr).pk
        url = f"/admin/bulk/class_pages/{model}/add_to_collection/?id={own}&next={BULK_DONE}"
        return ctx.client.post(url, {"collection": obj.pk})


# --- every bulk action, asked to act on another class's or school's object ------------------

BULK_OBJECTS = [  # the model of a bulk action -> the object of a class that fills `id=`
    (Page, "post"),
    (ClassImage, "image"),
    (ClassMedia, "media"),
    (get_user_model(), "carer"),
]


def registered_bulk_actions():
    bulk_action_registry._scan_for_bulk_actions()
    found = []
    for app_label, by_model in sorted(bulk_action_registry.actions.items()):
        for model_name, by_action in sorted(by_model.items()):
            model = apps.get_model(app_label, model_name)
            attr = next((attr for base, attr in BULK_OBJECTS if issubclass(model, base)), None)
            for action in sorted(by_action):
                found.append((app_label, model_name, action, attr))
    return found


def _bulk_payload(ctx):
    # Whatever form an action has gets the role's own, valid values.
    return {
        "collection": ctx.home.collection.pk,
        "tags": "zqsweeptag",
        "chooser": ctx.home.class_page.pk,
        "role": "",
        "mark_as_active": "",
    }


for _app, _model, _action, _attr in registered_bulk_actions():
    if _attr is None:
        continue  # test_every_bulk_action_is_swept names it

    @sweep(f"bulk:{_app}.{_model}.{_action}", "id", _attr, STAFF, unchanged_only, STAFF[:1], False)
    def _bulk(ctx, obj, path=f"{_app}/{_model}/{_action}"):
        url = f"/admin/bulk/{path}/?id={obj.pk}&next={BULK_DONE}"
        return ctx.client.post(url, _bulk_payload(ctx))


# --- the register and invitations: every admin viewset of our apps, by introspection ---------

OUR_APPS = ("class_pages", "workflows")
# A viewset's model -> the attribute naming the role's own object of it (edit, delete).
VIEWSET_OBJECTS = {
    Pupil: "pupil",
    Enrolment: "enrolment",
    CarerLink: "link",
    ConsentRecord: "consent",
    Invitation: "invitation",
    NoContactRestriction: "no_contact",
    ConcernReport: "report",
}
# A ModelChoiceField's model -> the attribute naming an object of a class that fills it.
CHOICE_OBJECTS = [
    (SchoolPage, "school"),
    (ClassPage, "class_page"),
    (Pupil, "pupil"),
    (get_user_model(), "carer"),
    (Collection, "collection"),
    (ClassImage, "image"),
    (ClassMedia, "media"),
]
PAGE_ATTRS = ("school", "class_page")  # the attributes above that name pages
# Text fields that name an object: the form looks it up itself.
TEXT_ID_FIELDS = {("carer_links", "carer_account"): "carer"}


def our_viewsets():
    _ = get_resolver().url_patterns  # the admin's URLs register the viewsets
    found, pending = [], list(viewset_registry.viewsets)
    while pending:
        viewset = pending.pop(0)
        if isinstance(viewset, ViewSetGroup):
            pending[:0] = viewset.registerables
        elif isinstance(viewset, ModelViewSet) and viewset.model._meta.app_label in OUR_APPS:
            found.append(viewset)
    return sorted(found, key=lambda viewset: viewset.name)


def our_viewset(name):
    return next(viewset for viewset in our_viewsets() if viewset.name == name)


def viewset_forms(viewset):
    """{"add": form class, "edit": form class} as the views build them."""
    return {
        "add": viewset.get_add_view_kwargs().get("form_class") or viewset.get_form_class(),
        "edit": viewset.get_edit_view_kwargs()["form_class"],
    }


def id_fields(form_class, viewset_name=None):
    """{field name: attribute of the object that fills it} of a form's id-bearing fields;
    None where no object is known (test_every_viewset_field_is_swept says so)."""
    found = {}
    for name, field in form_class.base_fields.items():
        if (viewset_name, name) in TEXT_ID_FIELDS:
            found[name] = TEXT_ID_FIELDS[(viewset_name, name)]
        elif isinstance(field, forms.ModelChoiceField):
            model = field.queryset.model
            found[name] = next((a for base, a in CHOICE_OBJECTS if issubclass(model, base)), None)
    return found


def list_filter_fields(viewset):
    """{field: attribute} of the listing filters that choose a related object."""
    found = {}
    names = viewset.list_filter if isinstance(viewset.list_filter, list | tuple) else ()
    for name in names:
        field = viewset.model._meta.get_field(name)
        if field.is_relation:
            model = field.related_model
            found[name] = next((a for base, a in CHOICE_OBJECTS if issubclass(model, base)), None)
    return found


def register_values(ctx, viewset):
    """A valid submission of the viewset's form with the role's own objects."""
    own = ctx.home
    return {
        "pupils": {
            "school": own.school.pk,
            "first_name": "Zed",
            "last_name": "Sweep",
            "left_on": "",
        },
        "enrolments": {
            "pupil": ctx.new_pupil.pk,  # the canary pupil is enrolled in the class already
            "class_page": own.class_page.pk,
            "started_on": date.today().isoformat(),
            "ended_on": "",
        },
        "carer_links": {
            "carer_account": ctx.adult.username,
            "pupil": own.pupil.pk,
            "relationship": CarerLink.Relationship.PARENT,
            "has_responsibility": "on",
            "status": CarerLink.Status.ACTIVE,
            "end_reason": "",
            "status_reason": "",
        },
        "consent_records": {
            "pupil": own.pupil.pk,
            "medium": "photo",
            "given": "yes",
            "valid_until": "",
            "note": "",
        },
        "invitations": {
            "pupil": own.pupil.pk,
            "adult_name": "Sam Sweep",
            "email": "sam.sweep@example.org",
            "relationship": "parent",
            "has_responsibility": "on",
            "revoke": "",
        },
        "no_contact": {"pupil": own.pupil.pk, "name": "Nobody Sweep", "email": "", "note": ""},
        "concern_reports": {"decision": "dismiss", "leader_note": "Looked at it."},
    }[viewset.name]


def _viewset_value(attr, obj):
    if attr == "carer":
        return str(obj.pk)  # an account named by its id: the field takes username or e-mail
    return obj.pk


def register_reach(viewset, view):
    def reach(ctx):
        action = "add" if view == "add" else "change"
        return viewset.permission_policy.user_has_permission(ctx.user, action)

    return reach


def register_check(viewset, view, field):
    """A role whose permissions reach the form gets an error on the field; anyone else is
    refused the form."""
    error, reach = form_error(field), register_reach(viewset, view)

    def check(ctx, response):
        return error(ctx, response) if reach(ctx) else denied(ctx, response)

    return check


def _leave_own(ctx):
    return None  # the control: the form's own valid values, unchanged


for _viewset in our_viewsets():
    for _view, _form_class in viewset_forms(_viewset).items():
        for _field, _attr in id_fields(_form_class, _viewset.name).items():
            if _attr is None:
                continue  # test_every_viewset_field_is_swept names it

            @sweep(
                f"{_viewset.name}:{_view}",
                _field,
                _attr,
                REGISTER,
                register_check(_viewset, _view, _field),
                own=_leave_own,
                reach=register_reach(_viewset, _view),
            )
            def _register(ctx, obj, viewset=_viewset, view=_view, field=_field, attr=_attr):
                data = register_values(ctx, viewset)
                if obj is not None:
                    data[field] = _viewset_value(attr, obj)
                if view == "add":
                    return ctx.client.post(reverse(f"{viewset.name}:add"), data)
                own = getattr(ctx.home, VIEWSET_OBJECTS[viewset.model])
                return ctx.client.post(reverse(f"{viewset.name}:edit", args=[own.pk]), data)

        # A page field, asked about a post: a page chooser widget would name any page.
        for _field, _attr in id_fields(_form_class, _viewset.name).items():
            if _attr not in PAGE_ATTRS:
                continue

            @sweep(
                f"{_viewset.name}:{_view}",
                f"{_field}(post)",
                "post",
                REGISTER,
                register_check(_viewset, _view, _field),
                control=False,
            )
            def _register_page(ctx, obj, viewset=_viewset, view=_view, field=_field):
                data = {**register_values(ctx, viewset), field: obj.pk}
                if view == "add":
                    return ctx.client.post(reverse(f"{viewset.name}:add"), data)
                own = getattr(ctx.home, VIEWSET_OBJECTS[viewset.model])
                return ctx.client.post(reverse(f"{viewset.name}:edit", args=[own.pk]), data)

    # The listing's filters: an id of another school's object chosen in one.
    for _field, _attr in list_filter_fields(_viewset).items():

        @sweep(f"{_viewset.name}:index", _field, _attr, REGISTER, unchanged_only, control=False)
        def _register_filter(ctx, obj, viewset=_viewset, field=_field):
            return ctx.client.get(reverse(f"{viewset.name}:index"), {field: obj.pk})

    # The object a view is about, by the id in its URL: another school's is a 404.
    _own_attr = VIEWSET_OBJECTS.get(_viewset.model)
    for _view in ("edit", "delete"):

        @sweep(f"{_viewset.name}:{_view}", "pk", _own_attr, REGISTER, denied, control=False)
        def _register_url(ctx, obj, viewset=_viewset, view=_view):
            data = register_values(ctx, viewset) if view == "edit" else {}
            return ctx.client.post(reverse(f"{viewset.name}:{view}", args=[obj.pk]), data)


# --- leaders' tools ---------------------------------------------------------------------------


def removal(ctx, **fields):
    data = {
        "school": ctx.home.school.pk,
        "person": ctx.home.carer.get_username(),
        "kind": "carer-suspended",
        "reason": CarerLink.EndReason.VIOLATION,
        "note": "",
        **fields,
    }
    return ctx.client.post(reverse("workflows_remove_access"), data)


@sweep("remove-access", "school", "school", LEADERS, form_error("school"))
def _removal_school(ctx, obj):
    return removal(ctx, school=obj.pk)


@sweep("remove-access", "person", "carer", LEADERS, form_error("person"))
def _removal_carer(ctx, obj):
    return removal(ctx, person=obj.get_username())


@sweep("remove-access", "person:staff", "staff", LEADERS, form_error("person"))
def _removal_staff(ctx, obj):
    return removal(ctx, person=obj.get_username(), kind="posting-removed")


@sweep("register-import", "school", "school", REGISTER, form_error("school"))
def _register_import_school(ctx, obj):
    data = b"Forename,Surname,Class,DOB\r\nAnn,Lee,Oak,01/02/2018\r\n"
    upload = SimpleUploadedFile("register.csv", data, "text/csv")
    return ctx.client.post(reverse("register_import:upload"), {"school": obj.pk, "file": upload})


@sweep("erase-pupil", "pupil_id", "pupil", LEADERS, denied, control=False)
def _erase(ctx, obj):
    data = {"full_name": f"{obj.first_name} {obj.last_name}", "valid_request": "on"}
    return ctx.client.post(reverse("workflows_erase_pupil", args=[obj.pk]), data)


@sweep("subject-access-pupil", "pupil_id", "pupil", LEADERS, denied, control=False)
def _subject_pupil(ctx, obj):
    return ctx.client.post(reverse("workflows_subject_access_pupil", args=[obj.pk]))


@sweep("subject-access-carer", "user_id", "carer", LEADERS, denied, control=False)
def _subject_carer(ctx, obj):
    return ctx.client.post(reverse("workflows_subject_access_carer", args=[obj.pk]))


@sweep("signed-in-end", "session_id", "signed_in", LEADERS, denied, control=False)
def _end_one(ctx, obj):
    return ctx.client.post(reverse("workflows_signed_in_end", args=[obj.pk]))


@sweep("signed-in-end-all", "user_id", "carer", LEADERS, denied, control=False)
def _end_all(ctx, obj):
    return ctx.client.post(reverse("workflows_signed_in_end_all", args=[obj.pk]))


@sweep("reset-two-factor", "user_id", "staff", LEADERS, denied, control=False)
def _reset_two_factor(ctx, obj):
    return ctx.client.post(reverse("workflows_reset_two_factor", args=[obj.pk]))


@sweep("review", "class_pk", "class_page", LEADERS, denied, control=False)
def _review(ctx, obj):
    url = reverse("workflows_oversight_review", args=[obj.pk])
    return ctx.client.post(url, {"outcome": "fine", "notes": "zq sweep review"})


def rollover_mapping(school, year, **extra):
    classes = ClassPage.objects.descendant_of(school).filter(academic_year=year)
    return {**{f"class_{page.pk}": "__leave__" for page in classes}, "confirm": "on", **extra}


@sweep("rollover", "school", "school", LEADERS, denied, control=False)
def _rollover_school(ctx, obj):
    year = ctx.home.class_page.academic_year
    url = f"{reverse('workflows_rollover')}?school={obj.pk}&year={year}"
    return ctx.client.post(url, rollover_mapping(obj, year))


def _rolled_over(ctx, response):
    """The school's own rollover ran (the foreign class key was in a form that was acted
    on); the database oracle shows the other school's class untouched."""
    if response.status_code == 302 and response["Location"] == reverse("workflows_rollover"):
        return None
    return f"{response.status_code}: the rollover did not run (errors: {error_keys(response)})"


@sweep("rollover", "class_<pk>", "class_page", LEADERS, _rolled_over, control=False)
def _rollover_mapping(ctx, obj):
    """The school's own year, with a mapping for another school's class slipped in."""
    year = ctx.home.class_page.academic_year
    url = f"{reverse('workflows_rollover')}?school={ctx.home.school.pk}&year={year}"
    extra = {f"class_{obj.pk}": "__leave__"}
    return ctx.client.post(url, rollover_mapping(ctx.home.school, year, **extra))


def _refused_with_400(ctx, response):
    return None if response.status_code in DENIED else f"{response.status_code}: accepted"


@sweep("take-down", "post_id", "post", STAFF, denied, ("teacher_oak",), control=False)
def _take_down(ctx, obj):
    return ctx.client.post(reverse("workflows_take_down", args=[obj.pk]))


# --- carers' and everyone's own forms --------------------------------------------------------

CARER = ("carer_oak",)


@sweep("report-concern", "post_id", "post", CARER, denied, CARER, control=False)
def _report(ctx, obj):
    url = reverse("report_concern", args=[obj.pk])
    return ctx.client.post(url, {"reason": ConcernReport.Reason.OTHER, "details": "zq sweep"})


@sweep("edit-consent", "pupil_id", "pupil", CARER, denied, CARER, control=False)
def _consent(ctx, obj):
    data = {"photo": "no", "video": "no", "audio": "no", "participation": "no"}
    return ctx.client.post(reverse("edit_consent", args=[obj.pk]), data)


@sweep("notifications", "place", "class_page", CARER, _refused_with_400, CARER, control=False)
def _notifications(ctx, obj):
    return ctx.client.post(reverse("notifications"), {f"place-{obj.pk}": "none"})


@sweep("end-session", "session_id", "signed_in", ("carer_oak", "teacher_oak"), denied, CARER)
def _end_session(ctx, obj):
    return ctx.client.post(reverse("end_session", args=[obj.pk]))


# --- running one submission -----------------------------------------------------------------


class Context:
    """One role about to submit: signed in, with their own class's objects (`home`)."""

    def __init__(self, role, state):
        user = ROLES[role].user(state.world, state.canaries)
        self.role, self.world = role, state.world
        self.user = get_user_model().objects.get(pk=user.pk)  # no permission cache of before
        self.client = Client(raise_request_exception=False)
        self.client.cookies[settings.SESSION_COOKIE_NAME] = state.extras.sessions[role]
        self.home = objects_of(HOME[ROLES[role].side], state)

    @functools.cached_property
    def adult(self):
        """An account nobody is linked to yet: the carer a new link names."""
        return UserFactory(username=f"sweep.adult.{self.role}", email=f"{self.role}@example.org")

    @functools.cached_property
    def new_pupil(self):
        return PupilFactory(school=self.home.school, first_name="Newkid", last_name="Sweep")


def context(role, state):
    return Context(role, state)


def roles_for(entry, kind):
    if kind == "other-class":
        return [role for role in entry.roles if role in entry.other_class]
    return list(entry.roles)


def submit_foreign(entry, role, kind, state):
    """Submit one foreign id as one role: a list of problems (empty: refused, nothing
    changed, nothing shown)."""
    ctx = context(role, state)
    name = FOREIGN[kind][ROLES[role].side]
    target = getattr(objects_of(name, state), entry.attr)
    label = f"{role} → {name}'s {entry.attr} #{target.pk}"
    before = fingerprint(target)
    response = entry.submit(ctx, target)
    problems = []
    if gated(response):
        problems.append(f"{label}: stopped at {response['Location']}, not the form")
    elif response.status_code >= 500:
        problems.append(f"{label}: {response.status_code}")
    elif problem := entry.check(ctx, response):
        problems.append(f"{label}: {problem}")
    body = texts(ctx.client, response)
    shown = sorted(mark for mark in forbidden_marks(role, state.marks) if mark in body)
    if shown:
        problems.append(f"{label}: shows {shown}")
    if changed := changes(before, fingerprint(target)):
        problems.append(f"{label}: changed {changed}")
    return problems


SWEEP_BY_KEY = {}
for _entry in SWEEPS:
    assert _entry.key not in SWEEP_BY_KEY, f"{_entry.key} is swept twice"
    SWEEP_BY_KEY[_entry.key] = _entry


def _params():
    params = []
    for entry in SWEEPS:
        for kind in ("other-class", "other-school"):
            if not roles_for(entry, kind):
                continue
            marks = ()
            if entry.key in HOLES:
                marks = pytest.mark.xfail(strict=True, reason=HOLES[entry.key])
            params.append(pytest.param(entry.key, kind, id=f"{entry.key}:{kind}", marks=marks))
    return [audit_unless_sampled(param) for param in params]


@pytest.mark.parametrize(("key", "kind"), _params())
def test_a_foreign_id_in_a_form_is_refused(state, key, kind):
    entry = SWEEP_BY_KEY[key]
    problems = []
    for role in roles_for(entry, kind):
        problems += submit_foreign(entry, role, kind, state)
    assert not problems, "\n".join(problems)


def _controls():
    params = []
    for entry in SWEEPS:
        if not entry.control or entry.key.split(":")[0] in REFUSED_BY_DESIGN:
            continue
        marks = ()
        if entry.key in BROKEN_FOR_EVERYONE:
            marks = pytest.mark.xfail(strict=True, reason=HOLES[entry.key])
        params.append(pytest.param(entry.key, id=entry.key, marks=marks))
    return [audit_unless_sampled(param) for param in params]


@pytest.mark.parametrize("key", _controls())
def test_the_same_form_accepts_the_roles_own_object(state, key):
    """The sweep's submissions are well formed: with the role's own object in the field
    instead, the form has no error there (so the refusal above is for the foreign id)."""
    entry = SWEEP_BY_KEY[key]
    contexts = [context(role, state) for role in entry.roles]
    reaching = [ctx for ctx in contexts if entry.reach is None or entry.reach(ctx)]
    if not reaching:
        # Nobody's permissions reach it (consent records are never edited): all refused.
        for ctx in contexts:
            response = entry.submit(ctx, entry.own_object(ctx))
            assert is_denial(response), f"{ctx.role}: {response.status_code}"
        return
    ctx = reaching[0]
    role = ctx.role
    response = entry.submit(ctx, entry.own_object(ctx))
    assert not gated(response), response["Location"]
    assert response.status_code < 500, response.status_code
    assert not is_denial(response), f"{role} does not reach {entry.form}"
    keys = error_keys(response)
    assert not keys, f"{role}: errors on {sorted(keys)}"


# --- the guards: nothing id-bearing escapes the sweep ------------------------------------------

# Text fields of the viewsets' forms, each either naming an object (TEXT_ID_FIELDS, swept)
# or plain text: a new text field must be put in one or the other.
PLAIN_TEXT_FIELDS = {
    ("pupils", "first_name"),
    ("pupils", "last_name"),
    ("carer_links", "status_reason"),
    ("consent_records", "note"),
    ("invitations", "adult_name"),
    ("invitations", "email"),
    ("no_contact", "name"),
    ("no_contact", "email"),
    ("no_contact", "note"),
    ("concern_reports", "leader_note"),
}


def test_every_viewset_field_is_swept():
    """Every add and edit form of our apps' admin viewsets: each ModelChoiceField, each text
    field that names an object, each listing filter on a related object, and the objects
    their URLs name are in the sweep. A field of a model the sweep cannot fill, a viewset
    whose objects it does not know, or an undeclared text field fails here."""
    viewsets = our_viewsets()
    problems, expected = [], set()
    for viewset in viewsets:
        if viewset.model not in VIEWSET_OBJECTS:
            problems.append(f"{viewset.name}: no object of {viewset.model.__name__} to name")
        expected |= {f"{viewset.name}:edit:pk", f"{viewset.name}:delete:pk"}
        for view, form_class in viewset_forms(viewset).items():
            for name, field in form_class.base_fields.items():
                plain = (viewset.name, name) in PLAIN_TEXT_FIELDS
                if isinstance(field, forms.CharField) and not plain:
                    if (viewset.name, name) not in TEXT_ID_FIELDS:
                        problems.append(f"{viewset.name}:{view}: text field {name!r} undeclared")
            for name, attr in id_fields(form_class, viewset.name).items():
                if attr is None:
                    problems.append(f"{viewset.name}:{view}: nothing of its model fills {name!r}")
                    continue
                expected.add(f"{viewset.name}:{view}:{name}")
                if attr in PAGE_ATTRS:
                    expected.add(f"{viewset.name}:{view}:{name}(post)")
        for name, attr in list_filter_fields(viewset).items():
            if attr is None:
                problems.append(f"{viewset.name}: nothing fills the listing filter {name!r}")
            expected.add(f"{viewset.name}:index:{name}")
    names = {viewset.name for viewset in viewsets}
    swept = {key for key in SWEEP_BY_KEY if key.split(":")[0] in names}
    print(f"\nviewsets: {len(viewsets)}, their id fields and URLs swept: {len(swept)}")
    assert not problems, "\n".join(problems)
    assert swept == expected
    register = {
        "pupils:add:school",
        "enrolments:add:pupil",
        "enrolments:add:class_page",
        "carer_links:add:carer_account",
        "carer_links:add:pupil",
        "consent_records:add:pupil",
        "invitations:add:pupil",
        "no_contact:add:pupil",
        "no_contact:edit:pupil",
    }
    assert register <= swept, register - swept


def chooser_paths(block, prefix=()):
    """Paths (photo.image, gallery.photos.image) of every block that holds an object id."""
    if isinstance(block, blocks.ChooserBlock):
        yield ".".join(prefix)
        return
    if isinstance(block, blocks.ListBlock):
        yield from chooser_paths(block.child_block, prefix)
        return
    for name, child in getattr(block, "child_blocks", {}).items():
        yield from chooser_paths(child, (*prefix, name))


def our_page_models():
    return [
        model
        for model in apps.get_app_config("class_pages").get_models()
        if issubclass(model, Page)
    ]


# Every StreamField of our page types -> its chooser blocks -> the forms that sweep them.
STREAM_SWEPT = {
    "StoryPostPage.media": {
        path: [f"{form}:{path}" for form in ("post-add", "post-edit", "story-post-add")]
        for path in STREAM_CHOOSERS
    },
    "PolicyPage.related_policies": {"policy.page": ["policy-edit:related_policies.policy.page"]},
}


def test_every_chooser_block_is_swept():
    """Every chooser block of every StreamField of our page types is filled by the sweep of
    the post form (add and edit): a new block holding an id fails here until it is."""
    found = {}
    for model in our_page_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                paths = set(chooser_paths(field.stream_block))
                found[f"{model.__name__}.{field.name}"] = paths
    assert found == {path: set(swept) for path, swept in STREAM_SWEPT.items()}
    for stream, swept in STREAM_SWEPT.items():
        for path, keys in swept.items():
            for key in keys:
                assert key in SWEEP_BY_KEY, f"{stream} {path}: {key} is not swept"


# The page forms' id-bearing parts: (page type, part) -> the sweep that fills it.
PAGE_FORM_PARTS = {
    ("StoryPostPage", "formset:comments"): ("post-add:comments.id", "post-edit:comments.id"),
    ("ClassPage", "formset:comments"): ("classpage-edit:comments.id",),
}
SAME_COMMENTS = "Wagtail's comments formset, the same on every page type: swept on two of them"


def test_every_page_form_id_field_is_swept():
    """Every page type's editor form: ModelChoiceFields and child formsets (comments) are
    swept on StoryPostPage and ClassPage; on other page types only the very same comments
    formset is allowed."""
    problems = []
    for model in our_page_models():
        form_class = model.get_edit_handler().get_form_class()
        parts = {
            f"field:{name}"
            for name, field in form_class.base_fields.items()
            if isinstance(field, forms.ModelChoiceField)
        }
        parts |= {f"formset:{name}" for name in getattr(form_class, "formsets", {})}
        for part in sorted(parts):
            keys = PAGE_FORM_PARTS.get((model.__name__, part))
            if keys:
                problems += [f"{key} is not swept" for key in keys if key not in SWEEP_BY_KEY]
            elif part != "formset:comments":
                problems.append(f"{model.__name__}: {part} is not swept ({SAME_COMMENTS})")
    assert not problems, "\n".join(problems)


MEDIA_FORMS = {
    "image form": (lambda: get_image_form(ClassImage), ("image-add", "image-edit")),
    "image chooser form": (lambda: get_image_form(ClassImage), ("image-chooser-create",)),
    "image multi form": (
        lambda: get_image_multi_form(ClassImage),
        ("image-multiple-edit", "image-from-upload"),
    ),
    "recording form": (lambda: get_document_form(ClassMedia), ("media-add", "media-edit")),
    "recording chooser form": (lambda: get_document_form(ClassMedia), ("media-chooser-create",)),
    "recording multi form": (
        lambda: get_document_multi_form(ClassMedia),
        ("media-multiple-edit", "media-from-upload"),
    ),
}


def test_every_image_and_recording_form_field_is_swept():
    """The image and video/audio forms (Wagtail's, on our models): every ModelChoiceField is
    swept in every view that uses the form; the multiple upload's first step sends the
    collection alone."""
    for label, (form_class, forms_swept) in MEDIA_FORMS.items():
        fields = {
            name
            for name, field in form_class().base_fields.items()
            if isinstance(field, forms.ModelChoiceField)
        }
        assert fields == set(MEDIA_FIELDS), f"{label}: {sorted(fields)}"
        for form in forms_swept:
            for field in fields:
                assert f"{form}:{field}" in SWEEP_BY_KEY, f"{form}:{field}"
    for form in ("image-multiple-add", "media-multiple-add"):
        assert f"{form}:collection" in SWEEP_BY_KEY


# Bulk actions whose confirmation has a form of its own: its id fields, swept or why not.
BULK_FORMS = {
    "wagtailcore.page.move": "page-bulk-move:chooser",
    "class_pages.classimage.add_to_collection": (
        "bulk:class_pages.classimage.add_to_collection:collection"
    ),
    "class_pages.classmedia.add_to_collection": (
        "bulk:class_pages.classmedia.add_to_collection:collection"
    ),
    # A checkbox (include the pages below) and tags are no ids.
    "wagtailcore.page.delete": None,
    "wagtailcore.page.publish": None,
    "wagtailcore.page.unpublish": None,
    "class_pages.classimage.add_tags": None,
    "class_pages.classmedia.add_tags": None,
    # The groups of assign_role and the flag of set_active_state need user admin rights,
    # which nobody of the sweep's roles holds: their id= sweeps show them refused.
    "auth.user.assign_role": None,
    "auth.user.set_active_state": None,
}


def test_every_bulk_action_is_swept():
    """Every registered bulk action is asked, by every staff role, to act on another
    class's and another school's object; each action's own form is known."""
    from wagtail.admin.views.bulk_action import BulkAction

    problems = []
    actions = registered_bulk_actions()
    for app_label, model_name, action, attr in actions:
        name = f"{app_label}.{model_name}.{action}"
        if attr is None:
            problems.append(f"{name}: no object of its model to ask about (BULK_OBJECTS)")
        elif f"bulk:{name}:id" not in SWEEP_BY_KEY:
            problems.append(f"{name}: not swept")
        action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
        if action_class.form_class is not BulkAction.form_class and name not in BULK_FORMS:
            problems.append(f"{name}: its form ({action_class.form_class.__name__}) is unknown")
    for name, key in BULK_FORMS.items():
        if key is not None and key not in SWEEP_BY_KEY:
            problems.append(f"{name}: {key} is not swept")
    print(f"\nbulk actions: {len(actions)}")
    assert not problems, "\n".join(problems)
    assert len(actions) >= 13


# Forms of our own modules (not the viewsets'): id-bearing fields -> the sweep that fills
# them. Fields made per object at run time are listed by the form that makes them.
PROJECT_FORM_FIELDS = {
    "workflows.leaders.access_removal.RemovalForm.school": "remove-access:school",
    "workflows.leaders.access_removal.RemovalForm.person": "remove-access:person",
    "class_pages.register.forms.CarerLinkForm.carer_account": "carer_links:add:carer_account",
    "class_pages.register.importing.views.UploadForm.school": "register-import:school",
    # class_<pk> per class of the chosen school; the school itself is the query's id.
    "workflows.leaders.rollover.MappingForm.class_<pk>": "rollover:school",
    # place-<pk> per place the carer follows; any other place refuses the whole form.
    "workflows.notifications.views.PreferencesForm.place-<pk>": "notifications:place",
}
# Text fields of our forms that name an account or object (the rest is plain text).
PROJECT_TEXT_IDS = {"RemovalForm.person", "CarerLinkForm.carer_account"}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_ours_is_swept():
    """Every form class defined in class_pages, workflows or cms: a ModelChoiceField, or a
    text field known to name an object, must be filled by the sweep."""
    found = set()
    for form_class in set(_subclasses(forms.BaseForm)):
        if not form_class.__module__.startswith(("class_pages.", "workflows.", "cms.")):
            continue
        for name, field in form_class.base_fields.items():
            label = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
            named = f"{form_class.__qualname__}.{name}" in PROJECT_TEXT_IDS
            if isinstance(field, forms.ModelChoiceField) or named:
                found.add(label)
    declared = {key for key in PROJECT_FORM_FIELDS if "<pk>" not in key}
    assert found == declared
    for label, key in PROJECT_FORM_FIELDS.items():
        assert key in SWEEP_BY_KEY, f"{label}: {key} is not swept"


# URLs of ours that name an object, by name: the sweep that POSTs them, or why none does.
URL_SWEPT = {
    "end_session": "end-session:session_id",
    "edit_consent": "edit-consent:pupil_id",
    "report_concern": "report-concern:post_id",
    "workflows_take_down": "take-down:post_id",
    "workflows_erase_pupil": "erase-pupil:pupil_id",
    "workflows_subject_access_pupil": "subject-access-pupil:pupil_id",
    "workflows_subject_access_carer": "subject-access-carer:user_id",
    "workflows_signed_in_end": "signed-in-end:session_id",
    "workflows_signed_in_end_all": "signed-in-end-all:user_id",
    "workflows_reset_two_factor": "reset-two-factor:user_id",
    "workflows_oversight_review": "review:class_pk",
}
READ_ONLY = "a page to read, no form: test_idor_sweep requests it"
TOKEN = "a token, not an id: test_idor_sweep fills it"
URL_NOT_POSTED = {
    "private_file": "a stored file's name, read only: test_idor_sweep requests it",
    "concern_sent": READ_ONLY,
    "composer:submitted": READ_ONLY,
    "invitation": TOKEN,
    "calendar_feed": TOKEN,
    "notification_unsubscribe": TOKEN,
}
VIEWSET_READ_ONLY = ("history", "history_results", "usage", "inspect")


def test_every_id_url_of_ours_is_swept():
    """Every URL of our apps that takes an id (viewsets, leaders' tools, carers' pages) is
    POSTed with another school's id by the sweep, or is read-only and left to the URL
    sweep: a new one fails here until it is one or the other."""
    from tests.security.test_idor_sweep import ALL_ROUTES

    viewsets = {viewset.name for viewset in our_viewsets()}
    problems, swept = [], 0
    for route in ALL_ROUTES:
        if not route.kwargs or not route.name:
            continue
        view = inspect.unwrap(route.callback)
        namespace, _, view_name = route.name.rpartition(":")
        if namespace in viewsets:
            if view_name in VIEWSET_READ_ONLY:
                continue
            key = f"{namespace}:{view_name}:pk"
        elif view.__module__.startswith(("class_pages.", "workflows.", "cms.")) or (
            route.name.startswith("workflows_")
        ):
            if route.name in URL_NOT_POSTED:
                continue
            key = URL_SWEPT.get(route.name)
        else:
            continue
        if key is None or key not in SWEEP_BY_KEY:
            problems.append(f"{route.key} ({route.name}): not swept")
        swept += 1
    print(f"\nid URLs of ours POSTed by the sweep: {swept}")
    assert not problems, "\n".join(problems)
    assert swept >= 24


# --- the holes, one focused test each ---------------------------------------------------------


def _hole(key):
    return pytest.mark.xfail(strict=True, reason=HOLES[key])


def _shows(role, state, response, client):
    body = texts(client, response)
    return sorted(mark for mark in forbidden_marks(role, state.marks) if mark in body)


def test_copying_a_post_to_another_class_names_nothing_and_no_page_is_no_500(state):
    ctx = context("teacher_oak", state)
    willow = objects_of("Willow", state)
    response = _copy(ctx, willow.class_page)
    assert is_denial(response) or "new_parent_page" in error_keys(response)
    assert _shows("teacher_oak", state, response, ctx.client) == []
    missing = _copy(ctx, SimpleNamespace(pk=2**31 - 1))
    assert missing.status_code < 500


def test_choosing_another_class_as_parent_names_nothing(state):
    ctx = context("leader_b", state)
    response = _choose_parent(ctx, objects_of("Oak", state).class_page)
    assert "parent_page" in error_keys(response)
    assert _shows("leader_b", state, response, ctx.client) == []


def test_bulk_moving_to_another_class_names_nothing(state):
    ctx = context("teacher_oak", state)
    response = _bulk_move(ctx, objects_of("Willow", state).class_page)
    assert _move_not_done(ctx, response) is None
    assert _shows("teacher_oak", state, response, ctx.client) == []


def test_a_workflow_action_on_a_page_not_in_moderation_names_nothing(state):
    # Leader B, their own post's task state, and the id of school A's class page.
    ctx = context("leader_b", state)
    response = _workflow_page(ctx, objects_of("Oak", state).class_page)
    assert _shows("leader_b", state, response, ctx.client) == []


def test_the_second_step_of_an_image_upload_is_refused_clearly(state):
    # Wagtail would store the earlier upload's bytes as they came: EXIF and GPS included.
    ctx = context("teacher_oak", state)
    before = ClassImage.objects.count()
    response = _image_from_upload(ctx, ctx.home.collection)
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["success"] is False and "upload it again" in answer["form"]
    assert ClassImage.objects.count() == before


def test_the_second_step_of_a_recording_upload_is_refused_clearly(state):
    ctx = context("teacher_oak", state)
    before = ClassMedia.objects.count()
    response = _media_from_upload(ctx, ctx.home.collection)
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["success"] is False and "upload it again" in answer["form"]
    assert ClassMedia.objects.count() == before


def test_the_enrolment_listing_offers_only_the_schools_own_classes(state):
    ctx = context("office_a", state)
    response = ctx.client.get(reverse("enrolments:index"))
    assert response.status_code == 200
    assert _shows("office_a", state, response, ctx.client) == []


def test_the_agreement_links_no_page_of_another_school(state):
    ctx = context("leader_a", state)
    rowan = objects_of("Rowan", state)
    before = fingerprint(rowan.post)
    response = _policy_edit(ctx, rowan.post)
    assert "related_policies" in error_keys(response)
    assert _shows("leader_a", state, response, ctx.client) == []
    assert changes(before, fingerprint(rowan.post)) == []
