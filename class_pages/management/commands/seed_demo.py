"""`manage.py seed_demo`: the demo school with its accounts, classes, pupils and posts.
Deterministic and safe to run again; refuses to run under production settings."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from class_pages.demo import SCHOOL, build_demo_school
from class_pages.demo.people import ACCOUNTS
from class_pages.factories import DEFAULT_PASSWORD


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo school and its demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password for every demo account."
        )

    def handle(self, *args, password, **options):
        if getattr(settings, "CLASSPAGES_ENVIRONMENT", "") == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        # The demo's own workflow notifications are not worth an inbox.
        dummy_mail = "django.core.mail.backends.dummy.EmailBackend"
        # Settings outermost: mail queued for after the commit must still find the dummy.
        with override_settings(EMAIL_BACKEND=dummy_mail), transaction.atomic():
            build_demo_school(password)
        self.stdout.write(self.style.SUCCESS(f"Demo school “{SCHOOL}” is ready."))
        self.stdout.write("Accounts: " + ", ".join(ACCOUNTS) + " (or <username>@demo.invalid)")
