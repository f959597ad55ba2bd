"""The trace every subject access export leaves: an entry in each school's page log (the
leaders' audit log shows it, through ExportLogFormatter) and a line in the security log.
Ids only: the logs are read by people who need not know whose data was asked for."""

import logging

from wagtail.log_actions import LogFormatter, log

security_log = logging.getLogger("class_pages.security")

EXPORT_ACTION = "workflows.subject_access_export"


class ExportLogFormatter(LogFormatter):
    """How the admin's logs show an export: what kind of subject, and its id."""

    label = "Subject access export"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"Subject access export made: {data.get('subject', '?')} #{data.get('id', '?')}"


def record_export(export, user, request=None):
    """Log the export in each of its schools' page logs and in the security log."""
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
