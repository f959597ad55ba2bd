"""Moderation e-mails: changes requested by an automatic check (Wagtail itself sends
nothing then), posts taken down because consent was withdrawn or by their teacher
(workflows.takedown), and carers' concern reports for leaders. E-mails carry links,
never photos of children.

Each e-mail is rendered in the request (the objects it names are at hand there) and
sent by a background task, so no request waits for the SMTP server: in production the
database task backend queues it for `manage.py db_worker`, in the same transaction as the
change it reports (rolled back together); in dev and tests the immediate backend sends it
at once, so `mail.outbox` sees it."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from class_pages.access import guarding_page
from class_pages.access.roles import leaders_of
from class_pages.models import SchoolPage


def _admin_url(name, *args):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


@task()
def send_email_task(subject, body, addresses):
    """Send one plain-text e-mail (arguments are plain strings: the task queue stores
    them as JSON). A failure marks the task failed in the queue, not the request."""
    return send_mail(subject, body, None, addresses)


def _send(template, context, recipients):
    """Render the e-mail and queue it; returns 1 if one was queued, 0 if nobody to tell."""
    addresses = sorted(
        {user.email for user in recipients if user and user.is_active and user.email}
    )
    if not addresses:
        return 0
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    send_email_task.enqueue(subject.strip(), body.strip(), addresses)
    return 1


def leaders_of_school_of(page):
    return list(leaders_of(SchoolPage.for_page(page)))


def send_changes_requested(workflow_state, task, findings):
    post = workflow_state.content_object.specific
    return _send(
        "workflows/mail/changes_requested.txt",
        {
            "post": post,
            "task": task,
            "findings": findings,
            "edit_url": _admin_url("wagtailadmin_pages:edit", post.pk),
        },
        [workflow_state.requested_by],
    )


def send_consent_takedown(post, pupil, medium):
    recipients = [post.owner, *leaders_of_school_of(post)]
    return _send(
        "workflows/mail/consent_takedown.txt",
        {
            "post": post,
            "pupil": pupil,
            "medium": medium,
            "edit_url": _admin_url("wagtailadmin_pages:edit", post.pk),
        },
        recipients,
    )


def send_taken_down(post, user):
    """Tell the school's leaders that a teacher (or a leader) took a live post down."""
    return _send(
        "workflows/mail/taken_down.txt",
        {
            "post": post,
            "taken_down_by": user.get_full_name() or user.get_username(),
            "place": guarding_page(post),
            "edit_url": _admin_url("wagtailadmin_pages:edit", post.pk),
        },
        leaders_of_school_of(post),
    )


def send_publish_refused(workflow_state, findings):
    post = workflow_state.content_object.specific
    return _send(
        "workflows/mail/publish_refused.txt",
        {
            "post": post,
            "findings": findings,
            "edit_url": _admin_url("wagtailadmin_pages:edit", post.pk),
        },
        [workflow_state.requested_by, *leaders_of_school_of(post)],
    )


def send_concern_reported(report):
    """Tell the school's leaders a carer reported a post: where, why, and the link to
    decide. Never who reported nor what they wrote (free text may name them): both
    stay in the admin."""
    post = report.post
    guard = guarding_page(post)
    return _send(
        "workflows/concerns/reported_mail.txt",
        {
            "post": post,
            "report": report,
            "place": guard.title if guard is not None else "",
            "school": SchoolPage.for_page(post),
            "triage_url": _admin_url("concern_reports:edit", report.pk),
        },
        leaders_of_school_of(post),
    )
