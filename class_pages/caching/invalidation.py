"""What makes a cached answer stale, declared in one table (WATCHES) that connect() wires
to Django's and Wagtail's signals (the kinds of row: class_pages.caching.watch).

The answers are those kept under version tokens (class_pages.caching.tokens): story feed
fragments, remembered file and page decisions, the signed-in person and the agreement
gate. Each row names a model (or one of its many-to-many fields), the changes that count,
and the scopes those changes bump: scope names, or functions of the changed instance (and
the signal's arguments) that give them, defined here. A change no signal carries is
declared as Called, with the function its one writer calls instead. Handlers only bump
tokens: the next request decides and renders afresh.

tests/class_pages/caching/test_invalidation_guard.py holds the table to account: every
database table read by a cold feed, file decision or page decision is watched here (or
allowed there, with its reason), and every row bumps the scopes it says."""

from django.apps import apps
from django.conf import settings
from wagtail.models import Page

from class_pages import tree
from class_pages.caching import watch
from class_pages.caching.tokens import (
    AGREEMENTS_SCOPE,
    PERMISSIONS_SCOPE,
    bump,
    feed_scope,
    school_scope,
    user_scope,
)
from class_pages.caching.watch import (
    DELETE,
    DELETING,
    M2M,
    MOVE,
    PAGE,
    PUBLISH,
    SAVE,
    UNPUBLISH,
    Called,
    Watch,
)


def _model(label):
    return apps.get_model(label)


# --- from a changed instance to the scopes it touches ---------------------------------


def _schools(pages):
    return [school_scope(path) for path in pages.values_list("path", flat=True)]


def parent_feed_and_school(page, **kwargs):
    return (
        [feed_scope(tree.parent_path(page.path)), school_scope(page.path)] if page.depth > 1 else []
    )


def both_parents(page, parent_page_before, parent_page_after, **kwargs):
    parents = (parent_page_before.path, parent_page_after.path)
    return [*map(feed_scope, parents), *map(school_scope, parents)]


def _showing(uses):
    paths = list(uses.values_list("post__path", flat=True))
    return [*(feed_scope(tree.parent_path(path)) for path in paths), *map(school_scope, paths)]


def feeds_showing_image(image, **kwargs):
    return _showing(_model("class_pages.LiveImageUse").objects.filter(image_id=image.pk))


def feeds_showing_rendition(rendition, **kwargs):
    return _showing(_model("class_pages.LiveImageUse").objects.filter(image_id=rendition.image_id))


def feeds_showing_recording(media, **kwargs):
    return _showing(_model("class_pages.LiveMediaUse").objects.filter(media_id=media.pk))


def own_school(page, **kwargs):
    return [school_scope(page.path)]


def restricted_page_school(restriction, **kwargs):
    return _schools(Page.objects.filter(pk=restriction.page_id))


def site_school(site, **kwargs):
    return _schools(Page.objects.filter(pk=site.root_page_id))


def settings_school(school_settings, created=False, **kwargs):
    if created:
        return []  # made with the defaults on first use: the same feed as before
    return _schools(Page.objects.filter(sites_rooted_here=school_settings.site_id))


def pupils_school(record, **kwargs):
    """Of a pupil, or of a record about one (consent)."""
    if isinstance(record, _model("class_pages.Pupil")):
        return _schools(Page.objects.filter(pk=record.school_id))
    pupils = _model("class_pages.Pupil").objects.filter(pk=record.pupil_id)
    return _schools(Page.objects.filter(pk__in=pupils.values("school")))


def class_school(enrolment, **kwargs):
    return _schools(Page.objects.filter(pk=enrolment.class_page_id))


def person(instance, **kwargs):
    """An account, or a carer link (its carer)."""
    return [user_scope(getattr(instance, "carer_id", instance.pk))]


def members(instance, reverse, pk_set, **kwargs):
    if reverse:  # group.user_set changed; cleared, no one is named: everyone's decisions
        return [*(user_scope(pk) for pk in pk_set or ()), PERMISSIONS_SCOPE]
    return [user_scope(instance.pk)]


def class_access_changed(carer_id, class_page_ids):
    """Called by class_pages.access.sync_carer_access when it granted or revoked anything:
    the carer, and the feeds of those classes."""
    paths = Page.objects.filter(pk__in=class_page_ids).values_list("path", flat=True)
    bump(*(feed_scope(path) for path in paths), user_scope(carer_id))


# --- the table ----------------------------------------------------------------------------

WATCHES = (
    # What a feed shows, and what a file or page decision finds in the tree.
    Watch(
        PAGE,
        PUBLISH | UNPUBLISH | DELETE,
        (parent_feed_and_school,),
        "a post (or any page) went live, came down or went: its parent's feed, its school",
        # Rewritten by signal_handlers.post_published/post_unpublished in the same change.
        along=("class_pages.LiveImageUse", "class_pages.LiveMediaUse"),
    ),
    Watch(PAGE, MOVE, (both_parents,), "a page moved: the feeds and schools on both sides"),
    Watch(
        "class_pages.ClassPage",
        SAVE | DELETE,
        (own_school, AGREEMENTS_SCOPE),
        "a class's groups and archive date decide who sees it; its school's agreements",
    ),
    Watch(
        "class_pages.SchoolPage",
        SAVE | DELETE,
        (own_school, AGREEMENTS_SCOPE),
        "a school's leaders and office groups decide who sees it; its agreement",
    ),
    Watch("class_pages.PolicyPage", SAVE | DELETE, (AGREEMENTS_SCOPE,), "an agreement"),
    Watch(
        "wagtailcore.PageViewRestriction",
        SAVE | DELETE,
        (restricted_page_school,),
        "a feed links the school's public information pages only",
    ),
    Watch(
        "wagtailcore.Site",
        SAVE | DELETE,
        (site_school,),
        "a school's site: its settings, its pages' addresses",
    ),
    Watch(
        "class_pages.SchoolSettings",
        SAVE,
        (settings_school,),
        "a school's settings (watermark, which renditions carers get)",
    ),
    # Stored files: deleted before their uses go with them by cascade.
    Watch(
        settings.WAGTAILIMAGES_IMAGE_MODEL,
        SAVE | DELETING,
        (feeds_showing_image,),
        "a photo: the feeds showing it and their schools (whose token guards file decisions)",
    ),
    Watch(
        "class_pages.ClassRendition",
        DELETE,
        (feeds_showing_rendition,),
        "a rendition gone (a new file for its photo): the feeds that linked it",
    ),
    Watch(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        SAVE | DELETING,
        (feeds_showing_recording,),
        "a recording: the feeds showing it and their schools",
    ),
    # The register: who the pupils are, what was consented, who is linked to them.
    Watch(
        "class_pages.ConsentRecord",
        SAVE,
        (pupils_school,),
        "consent given or withdrawn: the whole school's feeds and decisions",
    ),
    Watch(
        "class_pages.Pupil",
        SAVE | DELETE,
        (pupils_school, AGREEMENTS_SCOPE),
        "a pupil renamed, left or erased: the school; whose carers have agreements",
    ),
    Watch(
        "class_pages.Enrolment",
        SAVE | DELETE,
        (class_school,),
        "a class grant counts only while an enrolment backs it",
    ),
    Watch(
        "class_pages.CarerLink",
        SAVE | DELETE,
        (person, AGREEMENTS_SCOPE),
        "a carer link: that carer; which schools' agreements they must accept",
    ),
    Called(
        "class_pages.ClassPageUserObjectPermission",
        by="class_pages.access.sync_carer_access",
        function=class_access_changed,
        why="carers' grants are made and taken in bulk, without signals",
    ),
    # People, groups and staff permissions.
    Watch(
        settings.AUTH_USER_MODEL,
        SAVE | DELETE,
        (person,),
        "an account saved (disabled, new password, renamed) or deleted",
    ),
    Watch(
        settings.AUTH_USER_MODEL,
        M2M,
        (members, AGREEMENTS_SCOPE),
        "group membership: what the person may see; which schools they belong to",
        field="groups",
    ),
    Watch(
        "auth.Group",
        DELETE,
        (PERMISSIONS_SCOPE, AGREEMENTS_SCOPE),
        "a group gone: its members go with it, without a many-to-many signal",
    ),
    Watch("auth.Group", M2M, (PERMISSIONS_SCOPE,), "a group's permissions", field="permissions"),
    Watch(
        "wagtailcore.GroupCollectionPermission",
        SAVE | DELETE,
        (PERMISSIONS_SCOPE,),
        "staff see files through their groups' collection permissions",
    ),
    Watch(
        "wagtailcore.Collection",
        SAVE | DELETE,
        (PERMISSIONS_SCOPE,),
        "a file's school and its staff's permissions follow the collection tree",
    ),
)


def watched_models(table=WATCHES):
    return watch.watched_models(table)


def connect(table=WATCHES):
    """Wire every row (ClassPagesConfig.ready)."""
    watch.connect(table)


def disconnect(table=WATCHES):
    watch.disconnect(table)
