"""`manage.py rollover_year <school-slug> <year> [--apply]`: show (or apply) the rollover
of a school's classes of `year` (e.g. 2026-27) to the next year with the proposed
mapping. Leaders can review and change the mapping in the admin instead."""

from django.core.management.base import BaseCommand, CommandError

from class_pages.lifecycle.rollover import next_academic_year, proposed_mapping, rollover
from class_pages.models import SchoolPage


class Command(BaseCommand):
    help = "Roll a school's classes over to the next academic year."

    def add_arguments(self, parser):
        parser.add_argument("school", help="The school page's slug.")
        parser.add_argument("year", help="The academic year to roll over, e.g. 2026-27.")
        parser.add_argument("--apply", action="store_true", help="Do it (default: show).")

    def handle(self, *args, school, year, apply, **options):
        found = SchoolPage.objects.filter(slug=school).first()
        if found is None:
            raise CommandError(f"No school with the slug {school!r}.")
        mapping = proposed_mapping(found, year)
        if not mapping:
            raise CommandError(f"{found.title} has no classes in {year}.")
        self.stdout.write(f"{found.title}: {year} → {next_academic_year(year)}")
        for old, new_name in mapping.items():
            self.stdout.write(f"  {old.title} → {new_name or 'leave the school'}")
        if apply:
            report = rollover(found, year, mapping)
            self.stdout.write(
                f"Created {len(report.created)} classes, moved {report.moved} pupils, "
                f"{report.leaving} leaving, archived {len(report.archived)} classes."
            )
