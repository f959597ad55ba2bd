"""The leaders' new school year tool, a guided rollover: pick the school and year, review
where each class's pupils go next year (proposed, changeable), confirm; the rollover
itself is class_pages.lifecycle.rollover."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from class_pages.http import private_response
from class_pages.lifecycle.rollover import next_academic_year, proposed_mapping, rollover
from class_pages.models import ClassPage
from workflows.leaders.gate import led_schools
from workflows.leaders.menu import LeadersViewSet

LEAVE = "__leave__"


class MappingForm(forms.Form):
    def __init__(self, *args, mapping, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted({old.class_name for old in mapping})
        choices = [(name, f"{name} next year") for name in names] + [(LEAVE, "Leave the school")]
        for old, new_name in mapping.items():
            self.fields[f"class_{old.pk}"] = forms.ChoiceField(
                label=old.title, choices=choices, initial=new_name or LEAVE
            )
        self.fields["confirm"] = forms.BooleanField(
            label="I have checked where every class goes. Start the new year."
        )

    def chosen(self, mapping):
        return {
            old: (
                None
                if self.cleaned_data[f"class_{old.pk}"] == LEAVE
                else self.cleaned_data[f"class_{old.pk}"]
            )
            for old in mapping
        }


def rollover_view(request):
    schools = led_schools(request.user)
    classes = ClassPage.objects.none()
    for school in schools:
        classes = classes | ClassPage.objects.descendant_of(school)
    years = sorted(set(classes.values_list("academic_year", flat=True)))
    school_id, year = request.GET.get("school"), request.GET.get("year")
    context = {"schools": schools, "years": years}
    if school_id and year:
        school = schools.filter(pk=school_id if school_id.isdigit() else 0).first()
        if school is None:
            raise Http404
        mapping = proposed_mapping(school, year)
        form = MappingForm(request.POST or None, mapping=mapping)
        if request.method == "POST" and form.is_valid():
            report = rollover(school, year, form.chosen(mapping))
            messages.success(
                request,
                f"{school.title} is now in {next_academic_year(year)}: "
                f"{len(report.created)} classes created, {report.moved} pupils moved, "
                f"{report.leaving} leaving, {len(report.archived)} classes archived.",
            )
            return redirect("workflows_rollover")
        context.update(school=school, year=year, next_year=next_academic_year(year), form=form)
    return private_response(TemplateResponse(request, "workflows/rollover.html", context))


class RolloverViewSet(LeadersViewSet):
    menu_label = "New school year"
    icon = "date"

    def routes(self):
        return [("new-school-year/", rollover_view, "workflows_rollover")]
