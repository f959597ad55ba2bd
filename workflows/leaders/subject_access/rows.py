"""One row of a subject access export per kind of record held: each function turns one
record into the plain, JSON-ready dict the export shows for it (times in local ISO form,
choices by their labels). A row never names staff (consents they recorded say "a member
of staff") nor another pupil; nothing here queries beyond the record's own relations."""

from django.utils import timezone

STAFF = "a member of staff"


def when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def day(value):
    return value.isoformat() if value else None


def name(user):
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


# --- the pupil, and the records about them -----------------------------------------------


def pupil_row(pupil, school):
    return {
        "id": pupil.pk,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "school": school.title,
        "left_on": day(pupil.left_on),
        "on_roll_since": when(pupil.created_at),
    }


def enrolment_row(enrolment):
    return {
        "class": enrolment.class_page.title,
        "academic_year": enrolment.class_page.academic_year,
        "started_on": day(enrolment.started_on),
        "ended_on": day(enrolment.ended_on),
    }


def link_row(link):
    """A carer link, from either end (the caller adds whom it links to)."""
    return {
        "relationship": link.get_relationship_display(),
        "status": link.get_status_display(),
        "end_reason": link.get_end_reason_display() if link.end_reason else None,
        "status_note": link.status_reason,
        "linked_at": when(link.created_at),
        "changed_at": when(link.updated_at),
    }


def consent_row(record, carer_ids):
    """A consent record; who recorded it is named only if they are one of `carer_ids`."""
    if record.recorded_by_id is None:
        recorded_by = None
    elif record.recorded_by_id in carer_ids:
        recorded_by = name(record.recorded_by)
    else:
        recorded_by = STAFF
    return {
        "medium": record.get_medium_display(),
        "given": record.given,
        "method": record.get_method_display(),
        "recorded_by": recorded_by,
        "recorded_at": when(record.recorded_at),
        "valid_until": day(record.valid_until),
        "note": record.note,
    }


def invitation_row(invitation):
    """An invitation to a carer of the pupil (its token hash never leaves)."""
    return {
        "adult_name": invitation.adult_name,
        "email": invitation.email,
        "relationship": invitation.get_relationship_display(),
        "status": invitation.status,
        "issued_at": when(invitation.issued_at),
        "expires_at": when(invitation.expires_at),
        "used_at": when(invitation.used_at),
        "revoked_at": when(invitation.revoked_at),
    }


def photo_row(image, arcname):
    """A photo the pupil is tagged in; `in_posts` is filled once the posts are known."""
    return {
        "file": arcname,
        "uploaded_at": when(image.created_at),
        "other_pupils_tagged": image.tagged - 1,
        "in_posts": [],
    }


def recording_row(item, arcname):
    return {
        "file": arcname,
        "kind": item.get_kind_display(),
        "uploaded_at": when(item.created_at),
        "other_pupils_tagged": item.tagged - 1,
        "in_posts": [],
    }


def post_version_row(version, page, photo_files, recording_files):
    """One held version of a post, with only the media of it that show the pupil
    (`photo_files` and `recording_files` map their ids to their names in the ZIP)."""
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
        "event_date": day(page.event_date),
        "text": page.body,
        "photos_of_this_pupil": photos,
        "recordings_of_this_pupil": recordings,
    }


def post_row(post, class_title, versions):
    return {
        "id": post.pk,
        "class": class_title,
        "live": post.live,
        "first_published_at": when(post.first_published_at),
        "last_published_at": when(post.last_published_at),
        "versions": versions,
    }


def carer_access_change_row(change):
    """A change to a carer's access to one of the pupil's classes."""
    return {"carer": name(change.carer), **access_change_row(change)}


# --- the carer, and the records about them -----------------------------------------------


def account_row(carer):
    """The account, without its password hash or anything derived from it."""
    return {
        "id": carer.pk,
        "username": carer.get_username(),
        "first_name": carer.first_name,
        "last_name": carer.last_name,
        "email": carer.email,
        "active": carer.is_active,
        "joined_at": when(carer.date_joined),
        "last_signed_in_at": when(carer.last_login),
    }


def used_invitation_row(invitation):
    return {
        "pupil": str(invitation.pupil),
        "adult_name": invitation.adult_name,
        "email": invitation.email,
        "relationship": invitation.get_relationship_display(),
        "issued_at": when(invitation.issued_at),
        "used_at": when(invitation.used_at),
    }


def acceptance_row(acceptance):
    return {
        "agreement": acceptance.policy.title,
        "version": acceptance.version,
        "accepted_at": when(acceptance.accepted_at),
    }


def concern_report_row(report):
    return {
        "post": report.post.title,
        "reason": report.get_reason_display(),
        "details": report.details,
        "reported_at": when(report.created_at),
        "status": report.get_status_display(),
        "handled_at": when(report.handled_at),
    }


def access_change_row(change):
    return {
        "class": change.class_page.title,
        "change": change.get_change_display(),
        "reason": change.reason,
        "at": when(change.at),
    }


def removal_row(removal):
    return {
        "what": removal.get_kind_display(),
        "reason": removal.get_reason_display(),
        "note": removal.note,
        "at": when(removal.removed_at),
    }
