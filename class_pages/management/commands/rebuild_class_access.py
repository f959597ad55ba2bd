"""`manage.py rebuild_class_access`: re-derive every carer's class grants from the
register (carer links + enrolments), e.g. after a restore or an import."""

from django.core.management.base import BaseCommand

from class_pages.access import rebuild_all_access


class Command(BaseCommand):
    help = "Rebuild carers' class page permissions from the pupil register."

    def handle(self, *args, **options):
        granted, revoked = rebuild_all_access()
        self.stdout.write(f"Granted {granted}, revoked {revoked} class page permissions.")
