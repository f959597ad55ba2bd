"""`manage.py apply_retention [--dry-run]`: apply every school's retention periods and
report what was (or would be) deleted. Run it daily from cron or a systemd timer."""

from django.core.management.base import BaseCommand

from class_pages.retention import apply_retention


class Command(BaseCommand):
    help = "Delete leavers' media and old posts as each school's retention settings say."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only.")

    def handle(self, *args, dry_run, **options):
        for report in apply_retention(dry_run=dry_run):
            for line in report.lines(dry_run):
                self.stdout.write(line)
