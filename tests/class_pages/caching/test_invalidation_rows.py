"""Every row of the invalidation table really invalidates: for each row and each change it
watches, a real change of a real instance, made while that row alone is wired, gives the
scopes the row is there for new tokens. The scopes expected are written out here, not
asked of the row, and a row (or a change of a row) with no example fails by name."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, GroupCollectionPermission, PageViewRestriction, Site

from class_pages.access import sync_carer_access
from class_pages.caching import invalidation
from class_pages.caching.tokens import (
    AGREEMENTS_SCOPE,
    PERMISSIONS_SCOPE,
    feed_scope,
    school_scope,
    user_scope,
    versions,
)
from class_pages.factories import (
    CarerLinkFactory,
    PupilFactory,
    StoryPostPageFactory,
    UserFactory,
    create_class,
    enrol,
    give_consent,
)
from class_pages.models import Enrolment, Medium, PolicyPage, SchoolSettings, StoryPostPage

EXAMPLES = {}


def example(key):
    """Register an example of the change `key` ("model[.field]:CHANGE"): a function of the
    world that prepares what it needs and returns (scopes expected to change, the change)."""

    def register(function):
        EXAMPLES.setdefault(key, []).append(function)
        return function

    return register


def key_of(row, change):
    field = f".{row.field}" if getattr(row, "field", "") else ""
    return f"{row.model}{field}:{change}"


ROW_CHANGES = [
    (row, change.name) for row in invalidation.WATCHES for change in getattr(row, "on", ())
] + [(row, "CALLED") for row in invalidation.WATCHES if isinstance(row, invalidation.Called)]


def oak_post(world):
    return StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk)


def oak_feed(world):
    oak = world.a.classes["Oak"]
    return [feed_scope(oak.path), school_scope(oak.path)]


def school_a(world):
    return school_scope(world.a.school.path)


# --- pages --------------------------------------------------------------------------------


@example("wagtailcore.Page:PUBLISH")
def new_post(world):
    return oak_feed(world), lambda: StoryPostPageFactory(parent=world.a.classes["Oak"])


@example("wagtailcore.Page:UNPUBLISH")
def post_taken_down(world):
    return oak_feed(world), oak_post(world).unpublish


@example("wagtailcore.Page:DELETE")
def post_deleted(world):
    return oak_feed(world), oak_post(world).delete


@example("wagtailcore.Page:MOVE")
def post_moved(world):
    willow = world.a.classes["Willow"]
    expected = [*oak_feed(world), feed_scope(willow.path)]
    return expected, lambda: oak_post(world).move(willow, pos="last-child")


@example("class_pages.ClassPage:SAVE")
def class_saved(world):
    oak = world.a.classes["Oak"]
    oak.welcome = "Welcome back"
    return [school_a(world), AGREEMENTS_SCOPE], oak.save


@example("class_pages.ClassPage:DELETE")
def class_deleted(world):
    ash = create_class(world.a.school, "Ash")
    return [school_a(world), AGREEMENTS_SCOPE], ash.delete


@example("class_pages.SchoolPage:SAVE")
def school_saved(world):
    return [school_a(world), AGREEMENTS_SCOPE], world.a.school.save


@example("class_pages.SchoolPage:DELETE")
def school_deleted(world):
    return [school_scope(world.b.school.path), AGREEMENTS_SCOPE], world.b.school.delete


def agreement():
    return PolicyPage(title="Agreement", slug="agreement", body="<p>Be kind.</p>")


@example("class_pages.PolicyPage:SAVE")
def agreement_added(world):
    return [AGREEMENTS_SCOPE], lambda: world.a.school.add_child(instance=agreement())


@example("class_pages.PolicyPage:DELETE")
def agreement_deleted(world):
    page = world.a.school.add_child(instance=agreement())
    return [AGREEMENTS_SCOPE], page.delete


@example("wagtailcore.PageViewRestriction:SAVE")
def restriction_added(world):
    def change():
        PageViewRestriction.objects.create(
            page=world.a.classes["Oak"], restriction_type=PageViewRestriction.LOGIN
        )

    return [school_a(world)], change


@example("wagtailcore.PageViewRestriction:DELETE")
def restriction_lifted(world):
    restriction = PageViewRestriction.objects.filter(page__path__startswith=world.a.school.path)
    return [school_a(world)], restriction.first().delete


@example("wagtailcore.Site:SAVE")
def site_renamed(world):
    site = Site.objects.get(root_page=world.a.school)
    site.site_name = "Alder"
    return [school_a(world)], site.save


@example("wagtailcore.Site:DELETE")
def site_deleted(world):
    site = Site.objects.get(root_page=world.b.school)
    return [school_scope(world.b.school.path)], site.delete


@example("class_pages.SchoolSettings:SAVE")
def watermark_on(world):
    settings = SchoolSettings.for_site(Site.objects.get(root_page=world.a.school))
    settings.watermark_carer_photos = True
    return [school_a(world)], settings.save


# --- stored files -------------------------------------------------------------------------


@example("class_pages.ClassImage:SAVE")
def photo_saved(world):
    image = world.a.images["Oak"]
    image.title = "Renamed photo"
    return oak_feed(world), image.save


@example("class_pages.ClassImage:DELETING")
def photo_deleted(world):
    return oak_feed(world), world.a.images["Oak"].delete


@example("class_pages.ClassRendition:DELETE")
def rendition_deleted(world):
    rendition = world.a.images["Oak"].get_rendition("fill-800x600")
    return oak_feed(world), rendition.delete


def recording_in_a_post(world):
    oak = world.a.classes["Oak"]
    media = get_document_model()(title="Clip", kind="audio", collection=oak.collection)
    media.file.save("clip.mp3", ContentFile(b"ID3\x04" + bytes(range(256)) * 8), save=True)
    recording = {"recording": media, "description": "Singing practice", "caption": ""}
    StoryPostPageFactory(parent=oak, title="Singing", media=[("audio", recording)])
    return media


@example("class_pages.ClassMedia:SAVE")
def recording_saved(world):
    media = recording_in_a_post(world)
    media.title = "Renamed clip"
    return oak_feed(world), media.save


@example("class_pages.ClassMedia:DELETING")
def recording_deleted(world):
    return oak_feed(world), recording_in_a_post(world).delete


# --- the register -------------------------------------------------------------------------


@example("class_pages.ConsentRecord:SAVE")
def consent_withdrawn(world):
    pupil = world.a.pupils["Oak"]
    return [school_a(world)], lambda: give_consent(pupil, media=[Medium.VIDEO], given=False)


@example("class_pages.Pupil:SAVE")
def pupil_renamed(world):
    pupil = world.a.pupils["Oak"]
    pupil.first_name = "Renamed"
    return [school_a(world), AGREEMENTS_SCOPE], pupil.save


@example("class_pages.Pupil:DELETE")
def pupil_deleted(world):
    pupil = PupilFactory(school=world.a.school)
    return [school_a(world), AGREEMENTS_SCOPE], pupil.delete


@example("class_pages.Enrolment:SAVE")
def pupil_enrolled(world):
    pupil = PupilFactory(school=world.a.school)
    return [school_a(world)], lambda: enrol(pupil, world.a.classes["Oak"])


@example("class_pages.Enrolment:DELETE")
def enrolment_ended(world):
    return [school_a(world)], Enrolment.objects.get(pupil=world.a.pupils["Oak"]).delete


def unenrolled_link(world, carer):
    """A link that grants nothing (the pupil is in no class), so no grant changes and the
    row alone accounts for the new token."""
    return CarerLinkFactory(carer=carer, pupil=PupilFactory(school=world.a.school))


@example("class_pages.CarerLink:SAVE")
def carer_linked(world):
    carer = world.a.carers["Oak"]
    return [user_scope(carer.pk), AGREEMENTS_SCOPE], lambda: unenrolled_link(world, carer)


@example("class_pages.CarerLink:DELETE")
def carer_unlinked(world):
    carer = world.a.carers["Oak"]
    return [user_scope(carer.pk), AGREEMENTS_SCOPE], unenrolled_link(world, carer).delete


@example("class_pages.ClassPageUserObjectPermission:CALLED")
def grants_rederived(world):
    """The register changed without a signal (an update): the next sync moves the grant."""
    carer, oak, willow = world.a.carers["Oak"], world.a.classes["Oak"], world.a.classes["Willow"]
    Enrolment.objects.filter(pupil=world.a.pupils["Oak"]).update(class_page=willow)
    expected = [user_scope(carer.pk), feed_scope(oak.path), feed_scope(willow.path)]
    return expected, lambda: sync_carer_access(carer)


# --- people, groups and staff permissions -----------------------------------------------


@example("auth.User:SAVE")
def new_password(world):
    """(Disabling the account would also revoke the carer's grants, which bumps the same
    scope: a new password is the row's alone.)"""
    carer = world.a.carers["Oak"]
    carer.set_password("a whole new passphrase")
    return [user_scope(carer.pk)], carer.save


@example("auth.User:DELETE")
def account_deleted(world):
    person = UserFactory()
    return [user_scope(person.pk)], person.delete


@example("auth.User.groups:M2M")
def teacher_leaves_the_class(world):
    teacher, group = world.a.teachers["Oak"], world.a.classes["Oak"].teachers_group
    return [user_scope(teacher.pk), AGREEMENTS_SCOPE], lambda: teacher.groups.remove(group)


@example("auth.User.groups:M2M")
def group_loses_a_member(world):
    teacher, group = world.a.teachers["Oak"], world.a.classes["Oak"].teachers_group
    expected = [user_scope(teacher.pk), PERMISSIONS_SCOPE, AGREEMENTS_SCOPE]
    return expected, lambda: group.user_set.remove(teacher)


@example("auth.User.groups:M2M")
def group_emptied(world):
    group = world.a.classes["Oak"].teachers_group
    return [PERMISSIONS_SCOPE, AGREEMENTS_SCOPE], group.user_set.clear


@example("auth.Group:DELETE")
def group_deleted(world):
    return [PERMISSIONS_SCOPE, AGREEMENTS_SCOPE], world.a.classes["Oak"].teachers_group.delete


@example("auth.Group.permissions:M2M")
def group_given_a_permission(world):
    group = world.a.classes["Oak"].teachers_group
    permission = Permission.objects.get(codename="add_user")
    return [PERMISSIONS_SCOPE], lambda: group.permissions.add(permission)


def collection_permission(world):
    return GroupCollectionPermission(
        group=world.a.classes["Oak"].teachers_group,
        collection=world.a.classes["Willow"].collection,
        permission=Permission.objects.get(codename="choose_image"),
    )


@example("wagtailcore.GroupCollectionPermission:SAVE")
def collection_permission_given(world):
    return [PERMISSIONS_SCOPE], collection_permission(world).save


@example("wagtailcore.GroupCollectionPermission:DELETE")
def collection_permission_taken(world):
    given = GroupCollectionPermission.objects.filter(group=world.a.classes["Oak"].teachers_group)
    return [PERMISSIONS_SCOPE], given.delete


@example("wagtailcore.Collection:SAVE")
def collection_renamed(world):
    collection = Collection.objects.get(pk=world.a.classes["Oak"].collection_id)
    collection.name = "Oak, renamed"
    return [PERMISSIONS_SCOPE], collection.save


@example("wagtailcore.Collection:DELETE")
def collection_deleted(world):
    parent = Collection.objects.get(pk=world.a.classes["Oak"].collection_id)
    child = parent.add_child(name="Empty")
    return [PERMISSIONS_SCOPE], child.delete


# --- the tests ----------------------------------------------------------------------------


@pytest.fixture
def only_row():
    """Wire one row of the table and nothing else of it, then the whole table again."""
    wired = []

    def wire(row):
        invalidation.disconnect()
        row.connect()
        wired.append(row)

    yield wire
    for row in wired:
        row.disconnect()
    invalidation.connect()


@pytest.mark.parametrize(
    "row, change", ROW_CHANGES, ids=[key_of(row, change) for row, change in ROW_CHANGES]
)
def test_every_change_a_row_watches_has_an_example(row, change):
    assert EXAMPLES.get(key_of(row, change)), f"no example of {key_of(row, change)} here"


CASES = [
    pytest.param(row, function, id=f"{key_of(row, change)}-{function.__name__}")
    for row, change in ROW_CHANGES
    for function in EXAMPLES.get(key_of(row, change), ())
]


@pytest.mark.parametrize("row, make_change", CASES)
def test_a_row_bumps_the_scopes_it_is_there_for(world, only_row, row, make_change):
    only_row(row)
    expected, change = make_change(world)
    before = versions(*expected)
    change()
    after = versions(*expected)
    stale = [scope for scope, old, new in zip(expected, before, after, strict=True) if old == new]
    assert not stale, f"{make_change.__name__} did not renew {stale}"


def test_every_example_belongs_to_a_row():
    keys = {key_of(row, change) for row, change in ROW_CHANGES}
    assert set(EXAMPLES) <= keys, sorted(set(EXAMPLES) - keys)
