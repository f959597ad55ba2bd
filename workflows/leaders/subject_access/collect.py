"""What the class pages hold about one pupil, or about one carer: the export's data (the
rows of rows.py, gathered) and the stored originals to put beside it.

A pupil's export holds the record, enrolments, carer links, consent history, invitations,
the posts that show them (every held version, live and draft), the photos and recordings
they are tagged in, and their carers' access changes for their classes; its scope is the
pupil's school. A carer's export holds their account, links, the consents and concern
reports they made, invitations they used, agreements they accepted and their access
changes and removals, within the schools given (those the exporting leader leads); it
has no media.

Nothing names another pupil: a photo that shows other pupils too is included (it shows
this one) but says only how many others are tagged; media titles and upload file names
(often a child's name) are left out. The text of shared posts is the one exception, and
the export tells the leader to review it before release."""

import os
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from class_pages.models import (
    AccessChange,
    CarerLink,
    ConsentRecord,
    Enrolment,
    Invitation,
    PolicyAcceptance,
    SchoolPage,
    StoryPostPage,
)
from class_pages.tree import below, parent_path
from workflows.leaders.subject_access import rows
from workflows.models import AccessRemoval, ConcernReport

REVIEW_NOTE = (
    "Before release, a senior leader must review this export. Read the text of every "
    "shared post (titles, text, photo descriptions and captions) and every note written "
    "by staff, and remove anything about other children or other adults that should not "
    "be disclosed. Other pupils tagged in the same photos or recordings are not named "
    "here, but they may be seen or heard in them: blur, crop or withhold those where "
    "needed."
)
SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,9}")

PUPIL_INDEX = "workflows/subject_access/pupil_index.html"
CARER_INDEX = "workflows/subject_access/carer_index.html"


@dataclass
class MediaFile:
    """One stored original to copy into media/."""

    arcname: str
    file: object


@dataclass
class Export:
    subject: str  # "pupil" or "carer"
    subject_id: int
    schools: list
    data: dict
    template: str
    media: list = field(default_factory=list)

    @property
    def filename(self):
        today = timezone.localdate().isoformat()
        return f"subject-access-{self.subject}-{self.subject_id}-{today}.zip"


def _header(kind, schools):
    return {
        "kind": kind,
        "generated_at": rows.when(timezone.now()),
        "schools": [school.title for school in schools],
        "before_release": REVIEW_NOTE,
    }


def _under(schools, field):
    """Q for rows whose page (its path in `field`) is one of the schools or below one."""
    wanted = Q(pk__in=[])
    for school in schools:
        wanted |= below(school, field, include_self=True)
    return wanted


def _extension(name):
    extension = os.path.splitext(name or "")[1].lower()
    return extension if SAFE_EXTENSION.fullmatch(extension) else ""


# --- the pupil's media and the posts that show them ---------------------------------------


def _tagged(model, pupil):
    """Media tagged with the pupil, with how many pupils each is tagged with in all.
    (Counting over the same join as the filter would count only this pupil.)"""
    ids = model.objects.filter(pupils=pupil).values("pk")
    return list(model.objects.filter(pk__in=ids).annotate(tagged=Count("pupils")).order_by("pk"))


@dataclass
class TaggedMedia:
    """The pupil's photos and recordings: their rows, the ZIP name of each by id (for the
    posts to point at), and the originals to copy."""

    photos: list = field(default_factory=list)
    recordings: list = field(default_factory=list)
    photo_files: dict = field(default_factory=dict)
    recording_files: dict = field(default_factory=dict)
    originals: list = field(default_factory=list)

    def add_photo(self, image):
        arcname = f"media/photo-{image.pk}{_extension(image.file.name)}"
        self.photo_files[image.pk] = arcname
        self.photos.append(rows.photo_row(image, arcname))
        self.originals.append(MediaFile(arcname, image.file))

    def add_recording(self, item):
        arcname = f"media/{item.kind}-{item.pk}{_extension(item.file.name)}"
        self.recording_files[item.pk] = arcname
        self.recordings.append(rows.recording_row(item, arcname))
        self.originals.append(MediaFile(arcname, item.file))

    def note_posts(self, posts):
        """Fill each medium's `in_posts` with the posts any version of which shows it."""
        by_file = {entry["file"]: entry for entry in (*self.photos, *self.recordings)}
        for post in posts:
            shown = {
                item["file"]
                for version in post["versions"]
                for item in (
                    *version["photos_of_this_pupil"],
                    *version["recordings_of_this_pupil"],
                )
            }
            for arcname in sorted(shown):
                by_file[arcname]["in_posts"].append(post["id"])


def _tagged_media(pupil):
    media = TaggedMedia()
    for image in _tagged(get_image_model(), pupil):
        media.add_photo(image)
    for item in _tagged(get_document_model(), pupil):
        media.add_recording(item)
    return media


def _versions(post):
    """The versions of a post the school holds now: the live one, and a newer draft (or
    only the draft, for a post that is not live)."""
    versions = []
    if post.live:
        versions.append(("live", post))
    if (not post.live or post.has_unpublished_changes) and post.latest_revision_id:
        versions.append(("draft", post.latest_revision.as_object()))
    return versions or [("draft", post)]


def _posts_showing(school, media):
    """Posts of the school in any held version of which the pupil is tagged in a photo or
    recording, with the versions that show them."""
    posts = []
    candidates = (
        StoryPostPage.objects.descendant_of(school)
        .select_related("latest_revision")
        .order_by("first_published_at", "path")
    )
    for post in candidates:
        showing = []
        for version, page in _versions(post):
            entry = rows.post_version_row(version, page, media.photo_files, media.recording_files)
            if entry["photos_of_this_pupil"] or entry["recordings_of_this_pupil"]:
                showing.append(entry)
        if showing:
            posts.append((post, showing))
    classes = dict(
        Page.objects.filter(path__in={parent_path(post.path) for post, _ in posts}).values_list(
            "path", "title"
        )
    )
    return [
        rows.post_row(post, classes.get(parent_path(post.path)), showing) for post, showing in posts
    ]


# --- the exports ----------------------------------------------------------------------------


def pupil_export(pupil):
    """The export of one pupil (its school is the scope)."""
    school = SchoolPage.objects.get(pk=pupil.school_id)
    links = list(
        CarerLink.objects.filter(pupil=pupil).select_related("carer").order_by("created_at", "pk")
    )
    carer_ids = {link.carer_id for link in links}
    enrolments = list(
        Enrolment.objects.filter(pupil=pupil).select_related("class_page").order_by("started_on")
    )
    class_ids = [enrolment.class_page_id for enrolment in enrolments]
    media = _tagged_media(pupil)
    posts = _posts_showing(school, media)
    media.note_posts(posts)
    consents = (
        ConsentRecord.objects.filter(pupil=pupil)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    access_changes = AccessChange.objects.filter(
        carer_id__in=carer_ids, class_page_id__in=class_ids
    ).select_related("carer", "class_page")
    data = {
        "export": _header("Subject access export: pupil", [school]),
        "pupil": rows.pupil_row(pupil, school),
        "enrolments": [rows.enrolment_row(enrolment) for enrolment in enrolments],
        "carer_links": [{"carer": rows.name(link.carer), **rows.link_row(link)} for link in links],
        "consent_history": [rows.consent_row(record, carer_ids) for record in consents],
        "invitations": [rows.invitation_row(i) for i in Invitation.objects.filter(pupil=pupil)],
        "posts": posts,
        "photos": media.photos,
        "recordings": media.recordings,
        "carer_access_changes": [rows.carer_access_change_row(c) for c in access_changes],
    }
    return Export("pupil", pupil.pk, [school], data, PUPIL_INDEX, media.originals)


def carer_export(carer, schools):
    """The export of one carer, limited to the given schools (those the leader leads
    where the carer is linked to a pupil)."""
    schools = list(schools)
    in_schools = Q(pupil__school__in=schools)
    links = CarerLink.objects.filter(in_schools, carer=carer).select_related(
        "pupil", "pupil__school"
    )
    consents = (
        ConsentRecord.objects.filter(in_schools, recorded_by=carer)
        .select_related("pupil", "recorded_by")
        .order_by("recorded_at", "pk")
    )
    invitations = Invitation.objects.filter(in_schools, used_by=carer).select_related("pupil")
    acceptances = PolicyAcceptance.objects.filter(
        _under(schools, "policy__path"), user=carer
    ).select_related("policy")
    reports = ConcernReport.objects.filter(
        _under(schools, "post__path"), reporter=carer
    ).select_related("post")
    changes = AccessChange.objects.filter(
        _under(schools, "class_page__path"), carer=carer
    ).select_related("class_page")
    removals = AccessRemoval.objects.filter(person=carer, school__in=schools)
    data = {
        "export": _header("Subject access export: carer", schools),
        "account": rows.account_row(carer),
        "linked_pupils": [
            {"pupil": str(link.pupil), "school": link.pupil.school.title, **rows.link_row(link)}
            for link in links
        ],
        "consents_recorded": [
            {"pupil": str(record.pupil), **rows.consent_row(record, {carer.pk})}
            for record in consents
        ],
        "invitations_used": [rows.used_invitation_row(i) for i in invitations],
        "agreement_acceptances": [rows.acceptance_row(a) for a in acceptances],
        "concern_reports": [rows.concern_report_row(report) for report in reports],
        "access_changes": [rows.access_change_row(change) for change in changes],
        "access_removals": [rows.removal_row(removal) for removal in removals],
    }
    return Export("carer", carer.pk, schools, data, CARER_INDEX)


def carer_schools(carer, schools):
    """Of the given schools, those where the user is (or was) linked to a pupil."""
    return SchoolPage.objects.filter(
        pk__in=CarerLink.objects.filter(carer=carer, pupil__school__in=schools).values(
            "pupil__school"
        )
    ).order_by("path")
