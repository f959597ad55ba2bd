"""The audit log of a school: Wagtail's page log plus our own records (consent changes,
invitations, access grants and removals, policy acceptances, reviews, concern reports),
as uniform rows that leaders of that school can filter and export."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from wagtail.models import PageLogEntry

from class_pages.models import (
    AccessChange,
    ConsentRecord,
    ErasureRecord,
    Invitation,
    PolicyAcceptance,
)
from class_pages.tree import below, school_path
from workflows.models import AccessRemoval, ClassReview, ConcernReport


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    category: str
    actor: str
    subject: str
    detail: str
    school: str

    @property
    def category_label(self):
        return CATEGORIES[self.category]


CATEGORIES = {
    "pages": "Pages and moderation",
    "consent": "Consent",
    "invitations": "Invitations",
    "access": "Access granted or removed",
    "erasures": "Erasure",
    "agreement": "Agreement accepted",
    "reviews": "Monitoring reviews",
    "concerns": "Concern reports",
}


def _who(user):
    if user is None:
        return "system"
    return user.get_full_name() or user.get_username()


def _in_schools(schools, prefix):
    """Q for rows whose page (by `prefix`, e.g. "class_page__") is one of the schools or
    anywhere below one."""
    wanted = Q(pk__in=[])
    for school in schools:
        wanted |= below(school, f"{prefix}path", include_self=True)
    return wanted


def _pages(schools, names):
    entries = PageLogEntry.objects.filter(_in_schools(schools, "page__")).select_related(
        "user", "page"
    )
    for entry in entries:
        yield AuditRow(
            entry.timestamp,
            "pages",
            _who(entry.user),
            entry.label,
            entry.message,
            names.get(school_path(entry.page.path), ""),
        )


def _consent(schools, names):
    for record in ConsentRecord.objects.filter(pupil__school__in=schools).select_related(
        "pupil", "pupil__school", "recorded_by"
    ):
        verb = "gave" if record.given else "refused or withdrew"
        yield AuditRow(
            record.recorded_at,
            "consent",
            _who(record.recorded_by),
            str(record.pupil),
            f"{verb} {record.get_medium_display().lower()} ({record.get_method_display()})",
            record.pupil.school.title,
        )


def _invitations(schools, names):
    for invitation in Invitation.objects.filter(pupil__school__in=schools).select_related(
        "pupil", "pupil__school", "issued_by", "used_by", "revoked_by"
    ):
        school = invitation.pupil.school.title
        subject = f"{invitation.adult_name} for {invitation.pupil}"
        yield AuditRow(
            invitation.issued_at,
            "invitations",
            _who(invitation.issued_by),
            subject,
            "invitation issued",
            school,
        )
        if invitation.used_at:
            yield AuditRow(
                invitation.used_at,
                "invitations",
                _who(invitation.used_by),
                subject,
                "invitation used",
                school,
            )
        if invitation.revoked_at:
            yield AuditRow(
                invitation.revoked_at,
                "invitations",
                _who(invitation.revoked_by),
                subject,
                "invitation revoked",
                school,
            )


def _access(schools, names):
    for change in AccessChange.objects.filter(_in_schools(schools, "class_page__")).select_related(
        "carer", "class_page"
    ):
        yield AuditRow(
            change.at,
            "access",
            "system",
            _who(change.carer),
            f"{change.get_change_display()} {change.class_page.title}: {change.reason}",
            names.get(school_path(change.class_page.path), ""),
        )
    for removal in AccessRemoval.objects.filter(school__in=schools).select_related(
        "person", "removed_by", "school"
    ):
        yield AuditRow(
            removal.removed_at,
            "access",
            _who(removal.removed_by),
            _who(removal.person),
            f"{removal.get_kind_display()}: {removal.get_reason_display()}. {removal.note}".strip(),
            removal.school.title,
        )


def _agreement(schools, names):
    for acceptance in PolicyAcceptance.objects.filter(
        _in_schools(schools, "policy__")
    ).select_related("user", "policy"):
        yield AuditRow(
            acceptance.accepted_at,
            "agreement",
            _who(acceptance.user),
            acceptance.policy.title,
            f"accepted version {acceptance.version}",
            names.get(school_path(acceptance.policy.path), ""),
        )


def _reviews(schools, names):
    for review in ClassReview.objects.filter(_in_schools(schools, "class_page__")).select_related(
        "reviewer", "class_page"
    ):
        yield AuditRow(
            review.reviewed_at,
            "reviews",
            _who(review.reviewer),
            review.class_page.title,
            f"{review.get_outcome_display()}. {review.notes}".strip(),
            names.get(school_path(review.class_page.path), ""),
        )


def _concerns(schools, names):
    for report in ConcernReport.objects.filter(_in_schools(schools, "post__")).select_related(
        "reporter", "handled_by", "post"
    ):
        school = names.get(school_path(report.post.path), "")
        yield AuditRow(
            report.created_at,
            "concerns",
            _who(report.reporter),
            report.post.title,
            f"reported: {report.get_reason_display()}",
            school,
        )
        if report.handled_at:
            yield AuditRow(
                report.handled_at,
                "concerns",
                _who(report.handled_by),
                report.post.title,
                report.get_status_display(),
                school,
            )


def _erasures(schools, names):
    for record in ErasureRecord.objects.filter(school__in=schools).select_related(
        "erased_by", "school"
    ):
        yield AuditRow(
            record.erased_at,
            "access",
            _who(record.erased_by),
            "a pupil record",
            f"erased on request: {record.media_deleted} media deleted, {record.tags_removed} "
            f"tags removed, {record.posts_unpublished} posts returned to draft",
            record.school.title,
        )


SOURCES = {
    "pages": _pages,
    "consent": _consent,
    "invitations": _invitations,
    "access": _access,
    "erasures": _erasures,
    "agreement": _agreement,
    "reviews": _reviews,
    "concerns": _concerns,
}


def audit_rows(schools, categories=None, since=None, until=None, text=""):
    """Rows of the given schools, newest first, filtered."""
    schools = list(schools)
    names = {school.path: school.title for school in schools}
    rows = []
    for category, source in SOURCES.items():
        if categories and category not in categories:
            continue
        rows.extend(source(schools, names))
    text = text.casefold().strip()
    rows = [
        row
        for row in rows
        if (since is None or row.at.date() >= since)
        and (until is None or row.at.date() <= until)
        and (not text or text in f"{row.actor} {row.subject} {row.detail}".casefold())
    ]
    return sorted(rows, key=lambda row: row.at, reverse=True)
