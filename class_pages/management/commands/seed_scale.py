"""`manage.py seed_scale`: a trust of many schools for load and scale measurements
(issue 10), built by class_pages.scale_trust (which says how it stays fast and valid).

    manage.py seed_scale [--schools 100] [--classes 14] [--posts 200]
                         [--photos-per-post 3] [--carers-per-class 30]

Refuses production settings, and a prefix whose schools exist already. Progress on
stderr; the totals and the carers' sign-in on stdout.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from wagtail.models import Page

from class_pages.scale_trust import PASSWORD, Seeder
from class_pages.tree import SCHOOL_DEPTH


def positive(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1 or value > 100_000:
        raise CommandError(f"expected a whole number from 1 to 100000, got {text!r}")
    return value


class Progress:
    """A text progress bar on stderr: done/total, elapsed and the time still to go."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def step(self, label=""):
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {self.done}/{self.total} {label:24.24s} "
            f"{elapsed:6.0f} s, ~{left:5.0f} s to go"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Seed a trust of many schools, classes and live posts for scale measurements."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=positive, default=100)
        parser.add_argument("--classes", type=positive, default=14, help="per school")
        parser.add_argument("--posts", type=positive, default=200, help="per class")
        parser.add_argument("--photos-per-post", type=positive, default=3)
        parser.add_argument("--carers-per-class", type=positive, default=30)
        parser.add_argument(
            "--prefix", default="Scale", help="School titles and hostnames start with this."
        )

    def handle(self, *args, **options):
        if getattr(settings, "CLASSPAGES_ENVIRONMENT", "") == "production":
            raise CommandError("seed_scale refuses to run with production settings.")
        prefix = options["prefix"].strip()
        if not prefix.isalnum() or len(prefix) > 20:
            raise CommandError("--prefix: letters and digits only, at most 20.")
        schools = Page.objects.filter(depth=SCHOOL_DEPTH, title__startswith=f"{prefix} school ")
        if schools.exists():
            raise CommandError(
                f"Schools named “{prefix} school …” exist already; use another --prefix "
                "or a fresh database."
            )
        started = time.monotonic()
        # Seeding tells nobody anything: no e-mail leaves, whatever the settings say.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            seeder = Seeder(
                **{key: options[key] for key in ("schools", "classes", "posts")},
                photos_per_post=options["photos_per_post"],
                carers_per_class=options["carers_per_class"],
                prefix=prefix,
            )
            progress = Progress(seeder.schools * seeder.classes, stream=self.stderr)
            seeder.run(step=progress.step)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Seeded {seeder.counts['schools']} schools, {seeder.counts['classes']} classes, "
            f"{seeder.counts['posts']} posts, {seeder.counts['photos']} photos, "
            f"{seeder.counts['carers']} carers in {seconds:.1f} s "
            f"({connection.vendor}). Carers: {prefix.lower()}.s<school>.c<class>.<n>, "
            f"password {PASSWORD}."
        )
