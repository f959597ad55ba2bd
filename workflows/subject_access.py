"""Subject access exports (UK GDPR article 15): everything the class pages hold about one
pupil, or about one carer, as a ZIP for a senior leader to review and release.

A pupil's export holds `data.json` (the record, enrolments, carer links, consent history,
invitations, the posts that show them, their carers' access changes for their classes),
`media/` (the original of every photo and recording they are tagged in) and `index.html`
(the same, readable, with relative links to the media). A carer's export holds their
account, links, the consents and concern reports they made, invitations they used,
agreements they accepted and their access changes; it has no media.

Nothing names another pupil: a photo that shows other pupils too is included (it shows
this one) but says only how many others are tagged; media titles and upload file names
(often a child's name) are left out. The text of shared posts is the one exception, and
the index tells the leader to review it before release. Scope is the school(s) the
exporting leader leads; nothing of another school goes in."""

import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import LogFormatter, log
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
from workflows.access_removal import AccessRemoval
from workflows.oversight import ConcernReport

security_log = logging.getLogger("class_pages.security")

EXPORT_ACTION = "workflows.subject_access_export"
REVIEW_NOTE = (
    "Before release, a senior leader must review this export. Read the text of every "
    "shared post (titles, text, photo descriptions and captions) and every note written "
    "by staff, and remove anything about other children or other adults that should not "
    "be disclosed. Other pupils tagged in the same photos or recordings are not named "
    "here, but they may be seen or heard in them: blur, crop or withhold those where "
    "needed."
)
SPOOL_IN_MEMORY = 20 * 1024 * 1024  # larger exports (videos) spill to a temporary file
COPY_CHUNK = 1024 * 1024
SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,9}")


class ExportLogFormatter(LogFormatter):
    """Ids only: the log is read by people who need not know whose data was asked for."""

    label = "Subject access export"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"Subject access export made: {data.get('subject', '?')} #{data.get('id', '?')}"


# --- small formatting helpers -------------------------------------------------------------


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _day(value):
    return value.isoformat() if value else None


def _name(user):
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _under(schools, prefix=""):
    """Q for rows whose page (through `prefix`) lies under one of the schools."""
    wanted = Q(pk__in=[])
    for school in schools:
        wanted |= Q(**{f"{prefix}path__startswith": school.path})
    return wanted


def _extension(name):
    extension = os.path.splitext(name or "")[1].lower()
    return extension if SAFE_EXTENSION.fullmatch(extension) else ""


# --- the export ---------------------------------------------------------------------------


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
        "generated_at": _when(timezone.now()),
        "schools": [school.title for school in schools],
        "before_release": REVIEW_NOTE,
    }


def _link_row(link):
    return {
        "relationship": link.get_relationship_display(),
        "status": link.get_status_display(),
        "end_reason": link.get_end_reason_display() if link.end_reason else None,
        "status_note": link.status_reason,
        "linked_at": _when(link.created_at),
        "changed_at": _when(link.updated_at),
    }


def _consent_row(record, carer_ids):
    if record.recorded_by_id is None:
        recorded_by = None
    elif record.recorded_by_id in carer_ids:
        recorded_by = _name(record.recorded_by)
    else:
        recorded_by = "a member of staff"
    return {
        "medium": record.get_medium_display(),
        "given": record.given,
        "method": record.get_method_display(),
        "recorded_by": recorded_by,
        "recorded_at": _when(record.recorded_at),
        "valid_until": _day(record.valid_until),
        "note": record.note,
    }


def _tagged(model, pupil):
    """Media tagged with the pupil, with how many pupils each is tagged with in all.
    (Counting over the same join as the filter would count only this pupil.)"""
    ids = model.objects.filter(pupils=pupil).values("pk")
    return list(model.objects.filter(pk__in=ids).annotate(tagged=Count("pupils")).order_by("pk"))


def _versions(post):
    """The versions of a post the school holds now: the live one, and a newer draft (or
    only the draft, for a post that is not live)."""
    versions = []
    if post.live:
        versions.append(("live", post))
    if (not post.live or post.has_unpublished_changes) and post.latest_revision_id:
        versions.append(("draft", post.latest_revision.as_object()))
    return versions or [("draft", post)]


def _post_version(version, page, photo_files, recording_files):
    photos = [
        {"file": photo_files[image_id], "description": alt_text, "caption": caption}
        for image_id, alt_text, caption in page.photo_entries()
        if image_id in photo_files
    ]
    recordings = [
        {"file": recording_files[media_id], "kind": kind, "description": text, "caption": caption}
        for kind, media_id, text, caption in page.recording_entries()
        if media_id in recording_files
    ]
    return {
        "version": version,
        "title": page.title,
        "kind": page.get_kind_display(),
        "event_date": _day(page.event_date),
        "text": page.body,
        "photos_of_this_pupil": photos,
        "recordings_of_this_pupil": recordings,
    }


def _posts_showing(school, photo_files, recording_files):
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
            entry = _post_version(version, page, photo_files, recording_files)
            if entry["photos_of_this_pupil"] or entry["recordings_of_this_pupil"]:
                showing.append(entry)
        if showing:
            posts.append((post, showing))
    parents = dict(
        Page.objects.filter(path__in={post.path[: -Page.steplen] for post, _ in posts}).values_list(
            "path", "title"
        )
    )
    return [
        {
            "id": post.pk,
            "class": parents.get(post.path[: -Page.steplen]),
            "live": post.live,
            "first_published_at": _when(post.first_published_at),
            "last_published_at": _when(post.last_published_at),
            "versions": showing,
        }
        for post, showing in posts
    ]


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

    media = []
    photo_files, recording_files, photos, recordings = {}, {}, [], []
    for image in _tagged(get_image_model(), pupil):
        arcname = f"media/photo-{image.pk}{_extension(image.file.name)}"
        entry = {
            "file": arcname,
            "uploaded_at": _when(image.created_at),
            "other_pupils_tagged": image.tagged - 1,
            "in_posts": [],
        }
        photo_files[image.pk] = arcname
        photos.append(entry)
        media.append(MediaFile(arcname, image.file))
    for item in _tagged(get_document_model(), pupil):
        arcname = f"media/{item.kind}-{item.pk}{_extension(item.file.name)}"
        entry = {
            "file": arcname,
            "kind": item.get_kind_display(),
            "uploaded_at": _when(item.created_at),
            "other_pupils_tagged": item.tagged - 1,
            "in_posts": [],
        }
        recording_files[item.pk] = arcname
        recordings.append(entry)
        media.append(MediaFile(arcname, item.file))

    posts = _posts_showing(school, photo_files, recording_files)
    by_file = {entry["file"]: entry for entry in (*photos, *recordings)}
    for post in posts:
        shown = {
            item["file"]
            for version in post["versions"]
            for item in (*version["photos_of_this_pupil"], *version["recordings_of_this_pupil"])
        }
        for arcname in sorted(shown):
            by_file[arcname]["in_posts"].append(post["id"])

    data = {
        "export": _header("Subject access export: pupil", [school]),
        "pupil": {
            "id": pupil.pk,
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "school": school.title,
            "left_on": _day(pupil.left_on),
            "on_roll_since": _when(pupil.created_at),
        },
        "enrolments": [
            {
                "class": enrolment.class_page.title,
                "academic_year": enrolment.class_page.academic_year,
                "started_on": _day(enrolment.started_on),
                "ended_on": _day(enrolment.ended_on),
            }
            for enrolment in enrolments
        ],
        "carer_links": [{"carer": _name(link.carer), **_link_row(link)} for link in links],
        "consent_history": [
            _consent_row(record, carer_ids)
            for record in ConsentRecord.objects.filter(pupil=pupil)
            .select_related("recorded_by")
            .order_by("recorded_at", "pk")
        ],
        "invitations": [
            {
                "adult_name": invitation.adult_name,
                "email": invitation.email,
                "relationship": invitation.get_relationship_display(),
                "status": invitation.status,
                "issued_at": _when(invitation.issued_at),
                "expires_at": _when(invitation.expires_at),
                "used_at": _when(invitation.used_at),
                "revoked_at": _when(invitation.revoked_at),
            }
            for invitation in Invitation.objects.filter(pupil=pupil)
        ],
        "posts": posts,
        "photos": photos,
        "recordings": recordings,
        "carer_access_changes": [
            {
                "carer": _name(change.carer),
                "class": change.class_page.title,
                "change": change.get_change_display(),
                "reason": change.reason,
                "at": _when(change.at),
            }
            for change in AccessChange.objects.filter(
                carer_id__in=carer_ids, class_page_id__in=class_ids
            ).select_related("carer", "class_page")
        ],
    }
    return Export(
        "pupil", pupil.pk, [school], data, "workflows/subject_access/pupil_index.html", media
    )


def carer_export(carer, schools):
    """The export of one carer, limited to the given schools (those the leader leads
    where the carer is linked to a pupil)."""
    schools = list(schools)
    in_schools = Q(pupil__school__in=schools)
    data = {
        "export": _header("Subject access export: carer", schools),
        "account": {
            "id": carer.pk,
            "username": carer.get_username(),
            "first_name": carer.first_name,
            "last_name": carer.last_name,
            "email": carer.email,
            "active": carer.is_active,
            "joined_at": _when(carer.date_joined),
            "last_signed_in_at": _when(carer.last_login),
        },
        "linked_pupils": [
            {"pupil": str(link.pupil), "school": link.pupil.school.title, **_link_row(link)}
            for link in CarerLink.objects.filter(in_schools, carer=carer).select_related(
                "pupil", "pupil__school"
            )
        ],
        "consents_recorded": [
            {"pupil": str(record.pupil), **_consent_row(record, {carer.pk})}
            for record in ConsentRecord.objects.filter(in_schools, recorded_by=carer)
            .select_related("pupil", "recorded_by")
            .order_by("recorded_at", "pk")
        ],
        "invitations_used": [
            {
                "pupil": str(invitation.pupil),
                "adult_name": invitation.adult_name,
                "email": invitation.email,
                "relationship": invitation.get_relationship_display(),
                "issued_at": _when(invitation.issued_at),
                "used_at": _when(invitation.used_at),
            }
            for invitation in Invitation.objects.filter(in_schools, used_by=carer).select_related(
                "pupil"
            )
        ],
        "agreement_acceptances": [
            {
                "agreement": acceptance.policy.title,
                "version": acceptance.version,
                "accepted_at": _when(acceptance.accepted_at),
            }
            for acceptance in PolicyAcceptance.objects.filter(
                _under(schools, "policy__"), user=carer
            ).select_related("policy")
        ],
        "concern_reports": [
            {
                "post": report.post.title,
                "reason": report.get_reason_display(),
                "details": report.details,
                "reported_at": _when(report.created_at),
                "status": report.get_status_display(),
                "handled_at": _when(report.handled_at),
            }
            for report in ConcernReport.objects.filter(
                _under(schools, "post__"), reporter=carer
            ).select_related("post")
        ],
        "access_changes": [
            {
                "class": change.class_page.title,
                "change": change.get_change_display(),
                "reason": change.reason,
                "at": _when(change.at),
            }
            for change in AccessChange.objects.filter(
                _under(schools, "class_page__"), carer=carer
            ).select_related("class_page")
        ],
        "access_removals": [
            {
                "what": removal.get_kind_display(),
                "reason": removal.get_reason_display(),
                "note": removal.note,
                "at": _when(removal.removed_at),
            }
            for removal in AccessRemoval.objects.filter(person=carer, school__in=schools)
        ],
    }
    return Export("carer", carer.pk, schools, data, "workflows/subject_access/carer_index.html")


def carer_schools(carer, schools):
    """Of the given schools, those where the user is (or was) linked to a pupil."""
    return SchoolPage.objects.filter(
        pk__in=CarerLink.objects.filter(carer=carer, pupil__school__in=schools).values(
            "pupil__school"
        )
    ).order_by("path")


# --- writing the archive ------------------------------------------------------------------


def _copy_original(archive, item, date_time):
    """Copy one stored original into the archive; False if storage has lost it."""
    storage, name = item.file.storage, item.file.name
    try:
        size = storage.size(name)
        source = storage.open(name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        return False
    info = zipfile.ZipInfo(item.arcname, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED  # photos and video are compressed already
    info.file_size = size  # lets zipfile choose ZIP64 for very large recordings
    with source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)
    return True


def _forget(value, missing):
    """Unlink every mention of a file that storage has lost (data.json and index.html
    must not point at what is not in the ZIP)."""
    if isinstance(value, dict):
        if value.get("file") in missing:
            value["file"], value["missing"] = None, "The stored file could not be found."
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in children:
        _forget(child, missing)


def write_archive(export):
    """The ZIP, in a spooled temporary file positioned at its start."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    date_time = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        missing = {
            item.arcname for item in export.media if not _copy_original(archive, item, date_time)
        }
        _forget(export.data, missing)
        archive.writestr(
            zipfile.ZipInfo("data.json", date_time=date_time),
            json.dumps(export.data, indent=2, ensure_ascii=False),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("index.html", date_time=date_time),
            render_to_string(export.template, {"data": export.data, "note": REVIEW_NOTE}),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    spool.seek(0)
    return spool


def record_export(export, user, request=None):
    """Every export leaves a trace: a line in the security log and an entry in each
    school's page log (which the leaders' audit log shows). Ids only, no names."""
    for school in export.schools:
        log(
            instance=school,
            action=EXPORT_ACTION,
            user=user,
            data={"subject": export.subject, "id": export.subject_id},
        )
    # WARNING, not INFO: the default logging configuration drops INFO, and every
    # disclosure of a child's or a carer's data must leave a line.
    security_log.warning(
        "subject access export of %s %s made by user %s (school %s)",
        export.subject,
        export.subject_id,
        user.pk,
        ",".join(str(school.pk) for school in export.schools),
        extra={"request": request} if request is not None else None,
    )
