"""IDOR sweep: every URL pattern of the site, taken from the resolver (the Wagtail admin's
included), is requested by every role of the world with its converters filled with ids and
values of objects that role may not see: another class of the same school, or another
school. A 200 whose body holds the canary string of anything the role may not see is a
leak; any 5xx is a failure. A file under /files/ answered with 200 is a leak by itself.

A pattern is either swept or skipped for a stated reason, and the skipped ones must be
exactly SKIPPED below: a new URL (or a new kwarg name nobody taught the sweep) fails
`test_every_pattern_is_swept_or_allowed` instead of escaping silently."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.models import Collection, Page, Task, Workflow

from class_pages.models import (
    CalendarFeed,
    CarerLink,
    ClassImage,
    ClassMedia,
    ConsentRecord,
    Enrolment,
    Invitation,
    NoContactRestriction,
    Pupil,
    SchoolSettings,
)
from tests.security.conftest import CARER_KINDS, TEACHER_KINDS, disable_account
from workflows.models import ConcernReport

EVERYTHING = frozenset({"classtitle", "post", "draft", "image", "media", "pupil", "register"})

# role: (who signs in, the class whose objects fill the URLs, what the role may read).
ROLES = {
    "anonymous": (lambda w, f: None, "Rowan", {}),
    "carer_oak": (lambda w, f: w.a.carers["Oak"], "Willow", {"Oak": CARER_KINDS}),
    "carer_rowan": (lambda w, f: w.b.carers["Rowan"], "Oak", {"Rowan": CARER_KINDS}),
    "teacher_willow": (lambda w, f: w.a.teachers["Willow"], "Oak", {"Willow": TEACHER_KINDS}),
    "office_b": (lambda w, f: w.b.office, "Oak", {"Rowan": EVERYTHING}),
    "leader_b": (lambda w, f: w.b.leader, "Willow", {"Rowan": EVERYTHING}),
    "leader_a": (lambda w, f: w.a.leader, "Rowan", {"Oak": EVERYTHING, "Willow": EVERYTHING}),
    "revoked_carer": (lambda w, f: f.revoked, "Oak", {}),
    "disabled_carer": (lambda w, f: f.disabled, "Oak", {}),
}

GUARDED = "shadowed by the guarded version in cms.urls (swept instead)"
FILTERED = "shadowed by the version in class_pages.media.listings (swept instead)"
# Patterns deliberately not requested, by their label (route and name), with the reason.
SKIPPED = {
    "admin/failwhale/ (wagtailadmin_error_test)": GUARDED,
    "admin/choose-page/<int:parent_page_id>/ (wagtailadmin_choose_page_child)": GUARDED,
    "admin/choose-page/chosen-multiple/ (wagtailadmin_choose_page_chosen_multiple)": GUARDED,
    "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/ "
    "(wagtailadmin_pages:move_confirm)": GUARDED,
    "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/ (wagtail_bulk_action)": GUARDED,
    "admin/pages/<int:page_id>/copy/ (wagtailadmin_pages:copy)": GUARDED,
    "admin/pages/create/<slug:app_label>/<slug:model_name> (wagtailadmin_pages:choose_parent)": (
        GUARDED
    ),
    "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/ "
    "(wagtailadmin_pages:workflow_action)": GUARDED,
    "admin/reports/page-types-usage/ (wagtailadmin_reports:page_types_usage)": GUARDED,
    "admin/reports/page-types-usage/results/ (wagtailadmin_reports:page_types_usage_results)": (
        GUARDED
    ),
    # The listings with a usage count filter that cannot give a 500 (class_pages.media.listings).
    "admin/images/ (wagtailimages:index)": FILTERED,
    "admin/images/results/ (wagtailimages:index_results)": FILTERED,
    "admin/documents/ (wagtaildocs:index)": FILTERED,
    "admin/documents/results/ (wagtaildocs:index_results)": FILTERED,
}

# App label / model name kwargs: the model each of these views is asked about.
NAMED_VALUES = {
    "wagtail_bulk_action": {"app_label": "wagtailcore", "model_name": "page", "action": "delete"},
    "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/": {  # the guarded version
        "app_label": "wagtailcore",
        "model_name": "page",
        "action": "delete",
    },
    "admin/pages/create/<slug:app_label>/<slug:model_name>": {  # the guarded version
        "app_label": "class_pages",
        "model_name": "storypostpage",
    },
    "wagtailadmin_tag_model_autocomplete": {"app_name": "class_pages", "model_name": "classimage"},
    "wagtailadmin_workflows:add_task": {
        "app_label": "workflows",
        "model_name": "leadersapprovaltask",
    },
    "wagtailadmin_editing_sessions:ping": {"app_label": "wagtailcore", "model_name": "page"},
    "wagtailsettings:edit": {"app_name": "class_pages", "model_name": "schoolsettings"},
    "wagtailsettings:preview_on_edit": {"app_name": "class_pages", "model_name": "schoolsettings"},
    "wagtailadmin_pages:choose_parent": {"app_label": "class_pages", "model_name": "storypostpage"},
}
# `pk` of the admin API and choosers, whose views do not name a model.
PK_BY_NAMESPACE = {
    "wagtailadmin_api:pages": "post",
    "wagtailadmin_api:images": "image",
    "wagtailadmin_api:documents": "media",
    "wagtailimages_chooser": "image",
    "wagtaildocs_chooser": "media",
    "wagtailadmin_pages": "post",
    "wagtailsettings": "settings",
}
# `pk` of views that name their model nowhere a resolver can see.
PK_BY_NAME = {
    "wagtailadmin_workflows:enable": "workflow",
    "wagtailadmin_workflows:edit_task": "task",
    "wagtailadmin_workflows:enable_task": "task",
    "wagtailadmin_workflows:disable_task": "task",
}
# `pk` of a viewset view: the object of the viewset's model (first match wins).
PK_BY_MODEL = [
    (Pupil, "pupil"),
    (Enrolment, "enrolment"),
    (CarerLink, "link"),
    (ConsentRecord, "consent"),
    (Invitation, "invitation"),
    (NoContactRestriction, "no_contact"),
    (ConcernReport, "report"),
    (get_user_model(), "carer"),
    (Group, "teachers_group"),
    (Collection, "collection"),
    (Workflow, "workflow"),
    (Task, "task"),
    (ClassImage, "image"),
    (ClassMedia, "media"),
    (Page, "post"),
]
# Every other kwarg by its name: which canary object (attribute) or literal fills it.
BY_KWARG = {
    "parent_page_id": "class_page",
    "page_id": "post",
    "page_to_move_id": "post",
    "destination_id": "class_page",
    "object_id": "post",
    "post_id": "post",
    "class_pk": "class_page",
    "page_pk": "class_index",
    "revision_id": "draft_revision",
    "revision_id_a": "live_revision",
    "revision_id_b": "draft_revision",
    "task_state_id": "task_state",
    "workflow_state_id": "workflow_state",
    "task_id": "task",
    "workflow_pk": "workflow",
    "image_id": "image",
    "document_id": "media",
    "doc_id": "media",
    "uploaded_file_id": "uploaded",
    "pupil_id": "pupil",
    "user_id": "carer",
    "collection_id": "collection",
    "session_id": "signed_in",
    "page_view_restriction_id": "restriction",
}
LITERALS = {
    "content_type_app_name": "class_pages",
    "content_type_model_name": "storypostpage",
    "action_name": "approve",
    "filter_spec": "original",
}


@dataclass
class Route:
    key: str  # the full route, as the resolver spells it
    name: str | None  # namespaced URL name
    callback: object
    kwargs: list = field(default_factory=list)
    positional: int = 0

    @property
    def view_path(self):
        view = getattr(self.callback, "__wrapped__", self.callback)
        return f"{view.__module__}.{view.__qualname__}"

    @property
    def label(self):
        """Route and name (or view): stock and guarded versions of a URL differ here."""
        return f"{self.key} ({self.name or self.view_path})"


def _routes(resolver=None, prefix="", namespaces=()):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _routes(entry, prefix + str(entry.pattern), spaces)
            continue
        regex = entry.pattern.regex
        name = ":".join(namespaces + (entry.name,)) if entry.name else None
        kwargs = list(regex.groupindex)
        yield Route(
            key=prefix + str(entry.pattern),
            name=name,
            callback=entry.callback,
            kwargs=kwargs,
            positional=regex.groups - len(kwargs),
        )


ALL_ROUTES = list(_routes())


def _view_model(callback):
    view_class = getattr(callback, "view_class", None)
    model = getattr(callback, "view_initkwargs", {}).get("model")
    return model or getattr(view_class, "model", None)


def _pk_source(route):
    if route.name in PK_BY_NAME:
        return PK_BY_NAME[route.name]
    namespace = route.name.rsplit(":", 1)[0] if route.name and ":" in route.name else None
    if namespace in PK_BY_NAMESPACE:
        return PK_BY_NAMESPACE[namespace]
    model = _view_model(route.callback)
    if isinstance(model, type) and issubclass(model, models.Model):
        for base, source in PK_BY_MODEL:
            if issubclass(model, base):
                return source
    return None


def _token(route, target):
    name = route.name or ""
    if name == "invitation":
        return target.invitation.token_hash  # the stored hash is no token
    if name == "calendar_feed":
        return CalendarFeed.issue(target.carer)[0].token_hash
    if name == "notification_unsubscribe":
        # Signed by this site, but for another purpose (no unsubscribe salt).
        return signing.dumps([target.carer.pk, [target.class_page.pk]])
    return "zq-set-password"  # password reset: a guessed token for the target's uid


def kwarg_value(route, kwarg, target):
    """(value, None) for one converter of the route, or (None, why not)."""
    if kwarg == "session_id" and (route.name or "").startswith("wagtailadmin_editing_sessions:"):
        return target.editing_session.pk, None
    named = NAMED_VALUES.get(route.name or route.key, {})
    if kwarg in named:
        return named[kwarg], None
    if kwarg in LITERALS:
        return LITERALS[kwarg], None
    if kwarg == "pk":
        source = _pk_source(route)
        if source == "settings":
            return SchoolSettings.for_site(target.school.get_site()).pk, None
        if source is None:
            return None, f"no object for pk of {_view_model(route.callback)!r}"
        return getattr(target, source).pk, None
    if kwarg in BY_KWARG:
        return getattr(target, BY_KWARG[kwarg]).pk, None
    if kwarg == "token":
        return _token(route, target), None
    if kwarg == "uidb64":
        return urlsafe_base64_encode(force_bytes(target.carer.pk)), None
    if kwarg == "name":
        return target.rendition.file.name, None
    return None, f"no value for kwarg {kwarg!r}"


def positional_values(route, target):
    if route.name == "wagtail_serve":
        return [target.post.get_url_parts()[2].lstrip("/")], None
    return None, f"{route.positional} unnamed group(s)"


def build_url(route, target):
    """(url, None) or (None, reason the route cannot be requested)."""
    if route.label in SKIPPED:
        return None, SKIPPED[route.label]
    kwargs, args = {}, []
    for kwarg in route.kwargs:
        value, problem = kwarg_value(route, kwarg, target)
        if problem:
            return None, problem
        kwargs[kwarg] = value
    if route.positional:
        args, problem = positional_values(route, target)
        if problem:
            return None, problem
    try:
        path = reverse(route.name or route.callback, args=args, kwargs=kwargs)
    except NoReverseMatch as error:
        return None, f"does not reverse: {error}"
    if path.endswith("//"):  # the admin catch-all reverses to an empty segment
        path = path[:-1] + "zq-nothing/"
    try:
        match = resolve(path)
    except Resolver404:
        return None, f"{path} does not resolve"
    if match.func is not route.callback:
        return None, f"{path} is answered by another pattern ({match.route})"
    # Search for what only the post's body says; results would then name its title.
    query = {"q": target.post.body, "id": target.post.pk}
    return f"{path}?{urlencode(query)}", None


BULK_ROUTE = next(route for route in ALL_ROUTES if route.name == "wagtail_bulk_action")


def bulk_action_urls(target):
    """Every registered bulk action's confirmation, asked about the target's object of
    that model (pages, images, recordings, users...)."""
    bulk_action_registry._scan_for_bulk_actions()
    urls = []
    for app_label, by_model in sorted(bulk_action_registry.actions.items()):
        for model_name, by_action in sorted(by_model.items()):
            model = apps.get_model(app_label, model_name)
            source = next((src for base, src in PK_BY_MODEL if issubclass(model, base)), None)
            assert source, f"no object to ask the {app_label}.{model_name} bulk actions about"
            for action in sorted(by_action):
                query = urlencode({"id": getattr(target, source).pk, "next": "/admin/"})
                urls.append(f"/admin/bulk/{app_label}/{model_name}/{action}/?{query}")
    return urls


def forbidden_marks(role, canaries):
    scopes = ROLES[role][2]
    return [
        mark
        for mark, (class_name, kind) in canaries.marks.items()
        if kind not in scopes.get(class_name, ())
    ]


def test_every_pattern_is_swept_or_allowed(world, canaries):
    target = canaries.classes["Oak"]
    swept, skipped = [], {}
    for route in ALL_ROUTES:
        url, reason = build_url(route, target)
        if url is None:
            skipped[route.label] = reason
        else:
            swept.append(route.label)
    print(f"\nIDOR sweep: {len(swept)} patterns swept, {len(skipped)} skipped")
    for key, reason in sorted(skipped.items()):
        print(f"  skipped {key}: {reason}")
    assert skipped == SKIPPED
    assert len(swept) > 200  # the admin's patterns are in the sweep, not only ours
    assert len(bulk_action_urls(target)) > 10


def signed_in_browser(role, world, former_carers, target):
    user = ROLES[role][0](world, former_carers)
    client = Client(raise_request_exception=False, HTTP_HOST=target.hostname)
    if user is not None:
        client.force_login(user)
    if role == "disabled_carer":
        disable_account(user)  # signed in while active, then disabled
    return client


def leaks(role, client, route, target, forbidden, url=None):
    """What requesting the route as this role reveals: a list of problems."""
    if url is None:
        url, _ = build_url(route, target)
    if url is None:
        return []
    response = client.get(url)
    status = response.status_code
    if status >= 500:
        return [f"{role}: {status} {url}"]
    if status != 200:
        return []
    if route.name == "private_file":
        return [f"{role}: 200 for another class's file: {url}"]
    if response.streaming:
        return []
    # The search words come back in the search box: that is no leak.
    body = response.content.decode(errors="replace").lower().replace(target.post.body, "")
    leaked = sorted(mark for mark in forbidden if mark in body)
    return [f"{role}: 200 {url} shows {leaked}"] if leaked else []


# Staff read the most URLs (a few seconds each): they are swept in `make test-audit`
# (.ci/run); the quick suite sweeps every other role.
STAFF_ROLES = {"teacher_willow", "office_b", "leader_b", "leader_a"}


@pytest.mark.parametrize(
    "role",
    [
        pytest.param(role, marks=[pytest.mark.audit] if role in STAFF_ROLES else [])
        for role in ROLES
    ],
)
def test_no_role_reads_what_it_may_not_see(world, canaries, former_carers, role):
    target_name = ROLES[role][1]
    target = canaries.classes[target_name]
    client = signed_in_browser(role, world, former_carers, target)
    forbidden = forbidden_marks(role, canaries)
    target_marks = [mark for mark in forbidden if canaries.marks[mark][0] == target_name]
    assert target_marks, "the role may read its target class: the sweep would prove nothing"
    if ROLES[role][0](world, former_carers) is not None and role != "disabled_carer":
        assert client.get("/my-classes/").status_code == 200, "the role is not signed in"
    problems, tried = [], 0
    signed_in = client.cookies.get(settings.SESSION_COOKIE_NAME) is not None
    signed_in_again = 0
    for route in ALL_ROUTES:
        tried += 1
        problems += leaks(role, client, route, target, forbidden)
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if signed_in and (cookie is None or not cookie.value):
            # Wagtail's admin logout drops the session cookie on any method (a GET answered
            # 405 too): sign in again, or every later URL would be swept as anonymous.
            client = signed_in_browser(role, world, former_carers, target)
            signed_in_again += 1
    for url in bulk_action_urls(target):
        tried += 1
        problems += leaks(role, client, BULK_ROUTE, target, forbidden, url=url)
    print(
        f"\n{role}: {tried} patterns requested, target {target_name}, "
        f"signed in again {signed_in_again}x"
    )
    assert not problems, "\n".join(problems)
