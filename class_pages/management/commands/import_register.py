"""`manage.py import_register <school> <file> [--apply]`: show what a register CSV from
the school's MIS would change (the same preview as the admin's "Import from MIS"), and
with --apply carry it out in one transaction. The school is named by slug or title."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from class_pages.models import SchoolPage
from class_pages.register.importing.apply import apply_import
from class_pages.register.importing.parsing import MAX_BYTES, ImportRefused, read_register
from class_pages.register.importing.plan import SAME, build_plan


class Command(BaseCommand):
    help = "Import a school's pupil register from an MIS CSV export (preview unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("school", help="The school page's slug or name.")
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument("--apply", action="store_true", help="Apply it (default: preview).")

    def handle(self, *args, school, file, apply, **options):
        found = SchoolPage.objects.filter(Q(slug=school) | Q(title__iexact=school))
        if found.count() != 1:
            raise CommandError(f"No single school with the slug or name {school!r}.")
        school = found.get()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file!r}.")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        try:
            source = read_register(data)
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        plan = apply_import(school, source) if apply else build_plan(school, source)
        self.show(plan, applied=apply)

    def show(self, plan, applied):
        counts = plan.counts
        self.stdout.write(
            f"{plan.school.title}: {counts['create']} new, {counts['move']} moving class, "
            f"{counts['change']} changed, {counts['same']} left alone, "
            f"{len(plan.problem_rows)} rows with problems."
        )
        for row in plan.rows:
            if row.action != SAME:
                self.stdout.write(f"  row {row.row}: {row.name}: {'; '.join(row.changes)}")
        for problem in plan.problems:
            self.stdout.write(
                f"  row {problem.row}: {problem.column} “{problem.value}” {problem.reason}"
            )
        if plan.not_in_file:
            self.stdout.write(
                f"Not in the file, left as they are: {plan.not_in_file} "
                f"pupil{'s' if plan.not_in_file != 1 else ''} on the register."
            )
        self.stdout.write("No invitations are sent: contacts are recorded for later ones.")
        if applied:
            self.stdout.write(self.style.SUCCESS("Applied."))
        elif plan.has_changes:
            self.stdout.write("Nothing changed yet: run again with --apply to apply.")
