"""`manage.py apply_retention [--dry-run]`: apply every school's retention periods and
report what was (or would be) deleted, and unpublish last year's class pages whose
archive period is over. Run it daily from cron or a systemd timer."""

from django.core.management.base import BaseCommand

from class_pages.lifecycle.retention import apply_retention
from class_pages.lifecycle.rollover import archive_expired_classes


class Command(BaseCommand):
    help = "Delete leavers' media and old posts as each school's retention settings say."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only.")

    def handle(self, *args, dry_run, **options):
        if not dry_run:
            for title in archive_expired_classes():
                self.stdout.write(f"archive over, unpublished: {title}")
        for report in apply_retention(dry_run=dry_run):
            for line in report.lines(dry_run):
                self.stdout.write(line)
