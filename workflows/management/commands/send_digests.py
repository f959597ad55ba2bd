"""`manage.py send_digests [--hours N]`: e-mail each carer who chose the daily digest the
posts first published in the last N hours (24 by default) in the places they follow.
Run it once a day from cron or a systemd timer (or queue `send_digests_task` from a
scheduler). A rerun sends nothing twice."""

from django.core.management.base import BaseCommand

from workflows.notifications.delivery import DIGEST_HOURS, send_digests


class Command(BaseCommand):
    help = "Send carers their daily digest of new posts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=DIGEST_HOURS,
            help="How far back to look for new posts (default %(default)s).",
        )

    def handle(self, *args, hours, **options):
        sent = send_digests(hours=hours)
        self.stdout.write(f"Sent {sent} digest e-mail{'s' if sent != 1 else ''}.")
