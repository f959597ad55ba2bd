"""Applying a register import: the plan is made again inside one transaction and must
equal the one previewed (its digest), then every pupil, contact and enrolment it names
is written, and the carers of moved pupils have their class access rebuilt from the
register (class_pages.access.grants), so a move takes effect on their next request. Any
failure undoes everything. Carer links are never made here: contacts get access only by
redeeming an invitation."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from class_pages.access.grants import sync_carers_of_pupils
from class_pages.models import Enrolment, Pupil, RegisterContact
from class_pages.register.importing.plan import MOVE, SAME, build_plan


class RegisterChanged(Exception):
    """The register changed since the preview: `plan` is what the file would do now."""

    def __init__(self, plan):
        super().__init__("The register has changed since the preview.")
        self.plan = plan


@transaction.atomic
def apply_import(school, source, expected_digest=None, today=None):
    """Apply `source` (a parsing.SourceFile) to `school`'s register; returns the plan it
    carried out. With `expected_digest`, raises RegisterChanged unless the plan is the
    one that was previewed."""
    plan = build_plan(school, source)
    if expected_digest is not None and plan.digest != expected_digest:
        raise RegisterChanged(plan)
    today = today or timezone.localdate()
    moved = []
    for row in plan.rows:
        if row.action == SAME:
            continue
        pupil = Pupil(school=school) if row.pupil_id is None else Pupil.objects.get(pk=row.pupil_id)
        for key, value in row.values.items():
            setattr(pupil, key, value)
        pupil.save()
        for slot, values in row.contacts.items():
            if values is None:
                RegisterContact.objects.filter(pupil=pupil, slot=slot).delete()
            else:
                RegisterContact.objects.update_or_create(pupil=pupil, slot=slot, defaults=values)
        if row.action == MOVE or row.pupil_id is None:
            move(pupil, row, today)
            moved.append(pupil)
    if moved:
        sync_carers_of_pupils(moved, reason="register import")
    return plan


def move(pupil, row, today):
    """End the pupil's other enrolments this year (yesterday, so access ends now; one
    that began today never was) and enrol them in the row's class."""
    yesterday = today - timedelta(days=1)
    for enrolment in row.old_classes:
        enrolment.refresh_from_db()
        if enrolment.started_on > yesterday:
            enrolment.delete()
        else:
            enrolment.ended_on = yesterday
            enrolment.save()
    enrolment, created = Enrolment.objects.get_or_create(
        pupil=pupil, class_page=row.class_page, defaults={"started_on": today}
    )
    if not created and enrolment.ended_on is not None:
        if enrolment.ended_on < today:
            enrolment.started_on = today
        enrolment.ended_on = None
        enrolment.save()
