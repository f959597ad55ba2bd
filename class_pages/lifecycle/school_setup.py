"""What a new school or class gets automatically: staff groups, a media collection,
page and collection permissions, and the login restriction on the class index.

Nobody gets `publish` on class content: the only road to live is the school's workflow.
Every function here is idempotent, so it can run again on an existing school."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    PageViewRestriction,
)

PAGE_EDITING = ("add_page", "change_page")
IMAGE_EDITING = ("add_image", "change_image", "choose_image")
RECORDING_EDITING = ("add_document", "change_document", "choose_document")
REGISTER_MODELS = (
    "pupil",
    "enrolment",
    "carerlink",
    "consentrecord",
    "invitation",
    "nocontactrestriction",
)


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _group(name):
    return Group.objects.get_or_create(name=name[:150])[0]


def _collection(name, parent):
    existing = parent.get_children().filter(name=name).first()
    return existing or parent.add_child(name=name)


def _grant_pages(group, page, codenames):
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_permission("wagtailcore", codename)
        )


def _grant_collection(group, collection, codenames):
    """Collection rights over images and over video/audio (Wagtail documents)."""
    for codename in codenames:
        app_label = "wagtaildocs" if codename.endswith("_document") else "wagtailimages"
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=_permission(app_label, codename),
        )


def _grant_models(group, actions):
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for model in REGISTER_MODELS:
        for action in actions:
            group.permissions.add(_permission("class_pages", f"{action}_{model}"))


def setup_school(school):
    """Leaders (edit pages of the school, all its images, read the register) and office
    (keep the register) groups, and the school's media collection."""
    changed = []
    if school.leaders_group is None:
        school.leaders_group = _group(f"{school.title} leaders")
        changed.append("leaders_group")
    if school.office_group is None:
        school.office_group = _group(f"{school.title} office")
        changed.append("office_group")
    if school.collection is None:
        school.collection = _collection(school.title, Collection.get_first_root_node())
        changed.append("collection")
    if changed:
        type(school).objects.filter(pk=school.pk).update(
            **{field: getattr(school, field) for field in changed}
        )
    _grant_pages(school.leaders_group, school, PAGE_EDITING)
    _grant_collection(
        school.leaders_group,
        school.collection,
        (*IMAGE_EDITING, "delete_image", *RECORDING_EDITING, "delete_document"),
    )
    _grant_models(school.leaders_group, ("view",))
    for action in ("add", "change"):  # leaders issue and revoke invitations too
        school.leaders_group.permissions.add(_permission("class_pages", f"{action}_invitation"))
    # Leaders alone lift a suspended or revoked carer link (class_pages.register.carer_links).
    school.leaders_group.permissions.add(_permission("class_pages", "change_carerlink"))
    _grant_models(school.office_group, ("view", "add", "change", "delete"))
    # Consent history is append-only: the office adds paper records, never edits them.
    for action in ("change", "delete"):
        school.office_group.permissions.remove(
            _permission("class_pages", f"{action}_consentrecord")
        )
    return school


def setup_class_index(class_index):
    """Nothing under "Classes" is public: a login restriction, checked further per class
    by the on_serve_page hook."""
    PageViewRestriction.objects.get_or_create(
        page=class_index, restriction_type=PageViewRestriction.LOGIN
    )


def setup_class(class_page, school):
    """The class's teachers group: add/edit pages under the class, upload and choose
    images in the class's collection (a child of the school's)."""
    changed = {}
    if class_page.teachers_group is None:
        changed["teachers_group"] = _group(f"{school.title} · {class_page.title} teachers")
    if class_page.collection is None:
        changed["collection"] = _collection(class_page.title, school.collection)
    if changed:
        type(class_page).objects.filter(pk=class_page.pk).update(**changed)
        for field, value in changed.items():
            setattr(class_page, field, value)
    teachers = class_page.teachers_group
    teachers.permissions.add(_permission("wagtailadmin", "access_admin"))
    _grant_pages(teachers, class_page, PAGE_EDITING)
    _grant_collection(teachers, class_page.collection, (*IMAGE_EDITING, *RECORDING_EDITING))
    return class_page
