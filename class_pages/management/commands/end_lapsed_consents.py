"""`manage.py end_lapsed_consents`: consent given until a date counts as withdrawn from
the next day; this takes down the live posts that still show those pupils. Run daily
just after midnight (deploy/systemd/class-pages-consent.timer)."""

from django.core.management.base import BaseCommand

from class_pages.lifecycle.consent_lapse import end_lapsed_consents


class Command(BaseCommand):
    help = "Take down live posts showing pupils whose time-limited consent has lapsed."

    def handle(self, *args, **options):
        ended = end_lapsed_consents()
        for pupil, medium in ended:
            self.stdout.write(f"consent lapsed: pupil {pupil.pk}, {medium}")
        self.stdout.write(f"{len(ended)} lapsed consent(s) applied")
