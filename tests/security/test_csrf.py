"""CSRF: every state-changing view refuses a POST that carries no CSRF token, even from a
signed-in person allowed to use it, and nothing changes.

The views come from the resolver: every URL of our own apps (cms, class_pages,
workflows, the admin pages they register included) and every other URL outside the
admin, plus a representative set of Wagtail's admin views (page add/edit/delete/
unpublish, workflow actions, image upload, user edit). Each is POSTed with data that
would change something, through `Client(enforce_csrf_checks=True)`; the answer must be
403 and the database unchanged (row counts of every model, and the rows a view would
edit). Positive controls prove the same requests do change things with a token, so the
test can fail. The only views allowed to skip the check are in CSRF_EXEMPT."""

import functools

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.api.v2.views import BaseAPIViewSet
from wagtail.models import Page

from class_pages.access import admin_guards
from class_pages.factories import DEFAULT_PASSWORD, generated_image_file
from class_pages.models import (
    CalendarFeed,
    CarerLink,
    ConsentRecord,
    Invitation,
    PolicyAcceptance,
    PolicyPage,
    Pupil,
)
from tests.helpers import action_url, add_url, edit_url, post_form
from tests.security.test_idor_sweep import ALL_ROUTES
from workflows.models import ClassReview, ConcernReport
from workflows.notifications.messages import unsubscribe_token

OWN_APPS = ("cms.", "class_pages.", "workflows.")
# Views that must take a POST without a CSRF token, and why.
CSRF_EXEMPT = {
    "notification_unsubscribe": "RFC 8058 one-click unsubscribe: mail clients POST without "
    "a session; the signed token is the check",
}
# Rows whose every field must survive a refused POST (besides all row counts).
WATCHED = [
    Pupil,
    CarerLink,
    ConsentRecord,
    Invitation,
    ConcernReport,
    ClassReview,
    CalendarFeed,
    PolicyAcceptance,
]
VOLATILE = {"last_login", "last_seen_at", "last_fetched_at", "updated_at"}


@functools.cache
def counting_sql():
    """One query for the row count of every table (a count per model cost ~150 queries a
    snapshot): each table's rows, whatever its model's default manager leaves out."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if not model._meta.proxy
            and model._meta.managed
            and model._meta.label != "sessions.Session"
        }
    )
    quoted = map(connection.ops.quote_name, tables)
    counts = ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in quoted)  # noqa: S608 (the models' tables)
    return tables, f"SELECT {counts}"


def snapshot():
    tables, sql = counting_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    rows = {}
    for model in [*WATCHED, get_user_model(), Page]:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
        rows[model._meta.label] = sorted(model._default_manager.values_list(*fields))
    return counts, rows


def diff(before, after):
    changed = [label for label, count in before[0].items() if after[0].get(label) != count]
    changed += [label for label, rows in before[1].items() if after[1][label] != rows]
    return changed


def own_route(route):
    if route.callback is admin_guards.not_mounted:
        return False  # answers 404 to everything: nothing to forge
    if issubclass(getattr(route.callback, "cls", object), BaseAPIViewSet):
        # Wagtail's read-only admin API (any method but GET is 405, tested in
        # class_pages/media/test_admin_api.py); our subclasses only narrow its rows.
        return False
    module = getattr(route.callback, "__module__", "")
    return module.startswith(OWN_APPS) or not route.key.startswith("admin/")


def own_route_names():
    return {route.name or route.key for route in ALL_ROUTES if own_route(route)}


# --- the cases: (who signs in, URL, data), by URL name ---------------------------------


@pytest.fixture
def cases(world, canaries):
    """name → (user or None, url, data): a POST that would change something."""
    a, oak = world.a, canaries.classes["Oak"]
    carer, pupil, post = a.carers["Oak"], a.pupils["Oak"], a.posts["Oak"]
    policy = PolicyPage(title="Agreement", body="<p>Be kind.</p>", version=1)
    a.school.add_child(instance=policy)
    policy.save_revision().publish()
    # Everybody has accepted it but the one carer who POSTs the agreement form.
    for user in get_user_model().objects.exclude(pk=oak.carer.pk):
        PolicyAcceptance.objects.create(user=user, policy=policy, version=policy.version)
    invitation = Invitation(
        pupil=pupil, adult_name="Jo New", email="jo.new@demo.invalid", has_responsibility=True
    )
    token = invitation.new_token()
    invitation.save()
    uid = urlsafe_base64_encode(force_bytes(carer.pk))
    reset_token = default_token_generator.make_token(carer)
    other_device = Client()
    other_device.force_login(carer)
    session = carer.signed_in_sessions.order_by("-pk").first() if _has_sessions() else None
    class_url = a.classes["Oak"].get_url_parts()[2]
    new_password = {
        "new_password1": "zq brand new pass 42",
        "new_password2": "zq brand new pass 42",
    }
    consent = {"participation": "yes", "photo": "no", "video": "no", "audio": "no"}
    return {
        "sign_in": (None, "/sign-in/", {"username": carer.username, "password": DEFAULT_PASSWORD}),
        "sign_out": (carer, "/sign-out/", {}),
        "agreement": (oak.carer, "/agreement/", {"accept": "on"}),
        "my_sessions": (carer, "/account/sessions/", {}),
        "end_session": (carer, f"/account/sessions/{getattr(session, 'pk', 0)}/end/", {}),
        "end_other_sessions": (carer, "/account/sessions/end-others/", {}),
        "two_factor": (a.teachers["Oak"], "/account/two-factor/", {"code": "123456"}),
        "invitation": (None, f"/invitations/{token}/", _new_account()),
        "password_reset": (None, "/password-reset/", {"email": carer.email}),
        "password_reset_done": (None, "/password-reset/sent/", {}),
        "password_reset_confirm": (None, f"/password-reset/{uid}/{reset_token}/", new_password),
        "password_reset_complete": (None, "/password-reset/done/", {}),
        "my_classes": (carer, "/my-classes/", {}),
        "my_children": (carer, "/my-children/", {}),
        "edit_consent": (carer, f"/my-children/{pupil.pk}/consent/", consent),
        "private_file": (carer, "/files/" + oak.rendition.file.name, {}),
        "calendar": (carer, "/calendar/", {"action": "make"}),
        "calendar_feed": (carer, "/calendar/zq-token.ics", {}),
        "report_concern": (carer, f"/posts/{post.pk}/report/", {"reason": "other"}),
        "concern_sent": (carer, f"/posts/{post.pk}/report/sent/", {}),
        "my_reports": (carer, "/my-reports/", {}),
        "notifications": (carer, "/notifications/", {}),
        "notification_unsubscribe": (
            None,
            f"/notifications/unsubscribe/{unsubscribe_token(carer, [a.classes['Oak']])}/",
            {},
        ),
        "wagtailcore_authenticate_with_password": (
            carer,
            f"/_util/authenticate_with_password/{oak.restriction.pk}/{oak.class_page.pk}/",
            {"password": "x", "return_url": "/"},
        ),
        "wagtailcore_login": (
            None,
            "/_util/login/",
            {"username": carer.username, "password": DEFAULT_PASSWORD},
        ),
        "wagtail_serve": (carer, class_url, {}),
        # Our admin pages (leaders, office).
        "workflows_audit": (a.leader, "/admin/audit/", {}),
        "workflows_audit_csv": (a.leader, "/admin/audit.csv", {}),
        "workflows_remove_access": (
            a.leader,
            "/admin/remove-access/",
            {
                "school": a.school.pk,
                "person": carer.username,
                "kind": "suspend",
                "reason": "violation",
                "note": "x",
            },
        ),
        "workflows_oversight": (a.leader, "/admin/oversight/", {}),
        "workflows_oversight_review": (
            a.leader,
            f"/admin/oversight/classes/{oak.class_page.pk}/review/",
            {"outcome": "fine", "notes": "All good"},
        ),
        "workflows_oversight_reviews_csv": (a.leader, "/admin/oversight/reviews.csv", {}),
        "workflows_erase_pupil_choose": (a.leader, "/admin/erase-pupil/", {"pupil": pupil.pk}),
        "workflows_erase_pupil": (
            a.leader,
            f"/admin/erase-pupil/{oak.pupil.pk}/",
            {"full_name": str(oak.pupil), "valid_request": "on"},
        ),
        "workflows_rollover": (a.leader, "/admin/new-school-year/", {"confirm": "on"}),
        "workflows_take_down": (a.teachers["Oak"], f"/admin/posts/{post.pk}/take-down/", {}),
        "workflows_subject_access": (a.leader, "/admin/subject-access/", {}),
        "workflows_subject_access_pupil": (
            a.leader,
            f"/admin/subject-access/pupil/{oak.pupil.pk}/",
            {},
        ),
        "workflows_subject_access_carer": (
            a.leader,
            f"/admin/subject-access/carer/{oak.carer.pk}/",
            {},
        ),
        "workflows_trust": (a.leader, "/admin/trust/", {}),
        "workflows_signed_in": (a.leader, "/admin/signed-in/", {}),
        "workflows_signed_in_end": (
            a.leader,
            f"/admin/signed-in/{getattr(session, 'pk', 0)}/end/",
            {},
        ),
        "workflows_signed_in_end_all": (
            a.leader,
            f"/admin/signed-in/person/{carer.pk}/end-all/",
            {},
        ),
        "workflows_reset_two_factor": (
            a.leader,
            f"/admin/signed-in/person/{a.teachers['Oak'].pk}/reset-two-factor/",
            {},
        ),
        **_viewset_cases(world, oak),
        **_wagtail_cases(world, oak),
    }


def _has_sessions():
    return hasattr(get_user_model(), "signed_in_sessions")


def _new_account():
    return {
        "first_name": "Jo",
        "last_name": "New",
        "password": "zq brand new pass 42",
        "password_again": "zq brand new pass 42",
    }


def csv_upload():
    return SimpleUploadedFile(
        "register.csv", b"UPN,Forename,Surname,Date of birth,Class\r\n", content_type="text/csv"
    )


def _viewset_cases(world, oak):
    """Index, add, edit, delete, history, usage (and inspect) of every register viewset."""
    office, leader = world.a.office, world.a.leader
    pupil_data = {"school": world.a.school.pk, "first_name": "Zq", "last_name": "Changed"}
    objects = {
        "pupils": (office, oak.pupil, pupil_data),
        "enrolments": (office, oak.enrolment, {"pupil": oak.pupil.pk}),
        "carer_links": (office, oak.link, {"status": "revoked", "end_reason": "other"}),
        "consent_records": (office, oak.consent, {"pupil": oak.pupil.pk, "medium": "photo"}),
        "invitations": (leader, oak.invitation, {"revoke": "on"}),
        "no_contact": (office, oak.no_contact, {"pupil": oak.pupil.pk, "name": "Zq"}),
        "concern_reports": (leader, oak.report, {"decision": "unpublish", "note": "x"}),
    }
    found = {}
    for route in ALL_ROUTES:
        namespace, _, view = (route.name or "").partition(":")
        if namespace not in objects:
            continue
        user, obj, data = objects[namespace]
        url = "/" + route.key.replace("<int:pk>", str(obj.pk))
        found[route.name] = (user, url, data)
    return found


def _wagtail_cases(world, oak):
    a = world.a
    teacher, leader = a.teachers["Oak"], a.leader
    image = a.images["Oak"]
    upload = {
        "title": "Zq upload",
        "file": SimpleUploadedFile("zq.png", generated_image_file().read()),
        "collection": oak.collection.pk,
    }
    return {
        "wagtailadmin_pages:add": (
            teacher,
            add_url(oak.class_page),
            post_form("Zq new", "zq-new", [image], "action-submit"),
        ),
        "wagtailadmin_pages:edit": (
            teacher,
            edit_url(a.posts["Oak"]),
            post_form("Zq edited", a.posts["Oak"].slug, [image], "action-submit"),
        ),
        "wagtailadmin_pages:delete": (leader, f"/admin/pages/{oak.post.pk}/delete/", {}),
        "wagtailadmin_pages:unpublish": (leader, f"/admin/pages/{oak.post.pk}/unpublish/", {}),
        "wagtailadmin_pages:workflow_action": (
            leader,
            action_url(oak.post, "approve", oak.task_state),
            {"comment": "Lovely"},
        ),
        "wagtail_bulk_action": (
            leader,
            f"/admin/bulk/wagtailcore/page/unpublish/?id={oak.post.pk}&next=/admin/",
            {},
        ),
        "wagtailadmin_pages:lock": (teacher, f"/admin/pages/{oak.post.pk}/lock/", {}),
        "wagtailimages:add": (teacher, "/admin/images/add/", upload),
        "wagtailimages:add_multiple": (
            teacher,
            "/admin/images/multiple/add/",
            {"files[]": upload["file"], "collection": oak.collection.pk},
        ),
        "wagtailimages:edit": (
            teacher,
            f"/admin/images/{oak.image.pk}/",
            {"title": "Zq renamed", "collection": oak.collection.pk},
        ),
        "wagtailimages:delete": (leader, f"/admin/images/{oak.image.pk}/delete/", {}),
        # Listings (class_pages.media.listings): nothing to change, still no POST without a token.
        "class_pages_images": (teacher, "/admin/images/", {}),
        "class_pages_images_results": (teacher, "/admin/images/results/", {}),
        "class_pages_recordings": (teacher, "/admin/documents/", {}),
        "class_pages_recordings_results": (teacher, "/admin/documents/results/", {}),
        "wagtailadmin_account": (teacher, "/admin/account/", {"name-first_name": "Zq"}),
        # The teachers' composer (workflows.composer).
        "composer:compose": (
            teacher,
            "/admin/write/",
            {"class_page": oak.class_page.pk, "kind": "learning", "title": "Zq", "body": "Zq"},
        ),
        "composer:upload": (
            teacher,
            "/admin/write/upload/",
            {"class_page": oak.class_page.pk, "file": upload["file"]},
        ),
        "composer:remove": (
            teacher,
            "/admin/write/remove/",
            {"class_page": oak.class_page.pk, "item": f"photo:{oak.image.pk}"},
        ),
        "composer:submitted": (teacher, f"/admin/write/submitted/{oak.post.pk}/", {}),
        # The register import (class_pages.register.importing): upload, then apply.
        "register_import:upload": (
            world.a.office,
            reverse("register_import:upload"),
            {"school": world.a.school.pk, "file": csv_upload()},
        ),
        "register_import:apply": (
            world.a.office,
            reverse("register_import:apply"),
            {"token": "zq-not-a-token"},
        ),
    }


# --- the tests ---------------------------------------------------------------------------


def test_every_own_and_public_view_has_a_case(cases):
    missing = own_route_names() - set(cases)
    assert not missing, f"POST views with no CSRF case: {sorted(missing)}"


def _browser(user, enforce=True, browsers=None):
    """A signed-in browser (one per person) holding a CSRF cookie, as after any visit:
    only the token is missing from what it POSTs."""
    key = (getattr(user, "pk", None), enforce)
    if browsers is not None and key in browsers:
        return browsers[key]
    client = Client(enforce_csrf_checks=enforce, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)
    if browsers is not None:
        browsers[key] = client
    return client


def test_post_without_token_is_refused_and_changes_nothing(cases):
    problems, browsers = [], {}
    for name, (user, url, data) in sorted(cases.items()):
        client = _browser(user, browsers=browsers)
        before = snapshot()
        response = client.post(url, data)
        after = snapshot()
        if name in CSRF_EXEMPT:
            assert response.status_code != 403 and response.status_code < 500, name
            continue
        if response.status_code != 403:
            problems.append(f"{name}: {url} answered {response.status_code}, not 403")
        changed = diff(before, after)
        if changed:
            problems.append(f"{name}: {url} changed {changed}")
    print(f"\nCSRF: {len(cases)} views POSTed without a token")
    assert not problems, "\n".join(problems)


POSITIVE_CONTROLS = [
    "report_concern",
    "edit_consent",
    "agreement",
    "calendar",
    "workflows_oversight_review",
    "pupils:edit",
    "wagtailadmin_pages:workflow_action",
    "wagtailimages:add",
]


def test_the_same_post_with_a_token_changes_something(cases):
    """Controls: the data of the cases is enough to change the database, so a missing
    CSRF check would show up above as a change. Each runs in its own savepoint."""
    for name in POSITIVE_CONTROLS:
        user, url, data = cases[name]
        with transaction.atomic():
            client = _browser(user, enforce=False)
            before = snapshot()
            response = client.post(url, data)
            assert response.status_code < 500, name
            assert diff(before, snapshot()), f"{name}: {url} changed nothing"
            transaction.set_rollback(True)


def test_unsubscribe_is_the_only_exempt_view(world):
    """csrf_exempt anywhere else in our views fails here."""
    exempt = set()
    for route in ALL_ROUTES:
        if getattr(route.callback, "csrf_exempt", False) and own_route(route):
            exempt.add(route.name or route.key)
    assert exempt == set(CSRF_EXEMPT)
