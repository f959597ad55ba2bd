"""The school's register as the import needs it, loaded once: this year's classes by
name, pupils by UPN and by name, their current enrolments, register contacts and
no-contact restrictions; and which pupil a row of the file is.

A pupil is the one with the row's UPN; without one (or none on the register yet), the
one with the same name and date of birth; a pupil typed in by hand (no UPN, no date of
birth) is recognised by name alone if only one pupil of the school has that name."""

from class_pages.lifecycle.rollover import classes_of_year
from class_pages.models import ClassPage, Enrolment, NoContactRestriction, Pupil, RegisterContact
from class_pages.register.importing.checks import folded


def current_classes(school):
    """The school's classes this year, by folded class name: the latest academic year of
    its classes that a rollover has not archived (class_pages.lifecycle.rollover)."""
    years = (
        ClassPage.objects.descendant_of(school)
        .filter(archived_until__isnull=True)
        .values_list("academic_year", flat=True)
    )
    if not years:
        return {}
    year = max(years)
    return {folded(page.class_name): page for page in classes_of_year(school, year)}


class Register:
    """The school's register as the import needs it, loaded once."""

    def __init__(self, school, classes):
        self.pupils = list(Pupil.objects.filter(school=school))
        self.by_upn = {pupil.upn.upper(): pupil for pupil in self.pupils if pupil.upn}
        self.by_name = {}
        for pupil in self.pupils:
            key = (folded(pupil.first_name), folded(pupil.last_name))
            self.by_name.setdefault(key, []).append(pupil)
        self.enrolments = {}
        current = Enrolment.objects.current().filter(
            pupil__school=school, class_page__in=list(classes.values())
        )
        for enrolment in current.select_related("class_page"):
            self.enrolments.setdefault(enrolment.pupil_id, []).append(enrolment)
        self.contacts = {}
        for contact in RegisterContact.objects.filter(pupil__school=school):
            self.contacts.setdefault(contact.pupil_id, {})[contact.slot] = contact
        self.restrictions = {}
        for restriction in NoContactRestriction.objects.filter(pupil__school=school):
            self.restrictions.setdefault(restriction.pupil_id, []).append(restriction)

    def find(self, values):
        """(pupil or None, problem reason or None)."""
        if values["upn"] and values["upn"] in self.by_upn:
            return self.by_upn[values["upn"]], None
        same_name = self.by_name.get((folded(values["first_name"]), folded(values["last_name"])))
        if not same_name:
            return None, None
        free = [pupil for pupil in same_name if not pupil.upn or not values["upn"]]
        dated = [p for p in free if p.date_of_birth and p.date_of_birth == values["date_of_birth"]]
        if dated:
            return dated[0], None
        undated = [pupil for pupil in free if pupil.date_of_birth is None and not pupil.upn]
        if len(undated) == 1:
            return undated[0], None
        if len(undated) > 1:
            return None, (
                "more than one pupil on the register has this name and no date of birth: "
                "add their dates of birth under Pupils first"
            )
        return None, None
