"""The leaders' triage of carers' concern reports in the Wagtail admin (the carers' side and
the decision itself are workflows.concerns): the reports about posts of the schools they
lead (nobody else's: teachers and office staff are refused, another school's
report is a 404), filtered by status and reason, and one decision per report: dismiss
with a note, or take the post down. Nobody adds, copies or deletes reports here, and
there is nothing to reply with."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies.base import BasePermissionPolicy

from class_pages.access import guarding_page
from class_pages.access.roles import leaders_of
from class_pages.models import SchoolPage
from class_pages.register.viewsets import (
    RegisterViewSet,
    ScopedDeleteView,
    ScopedEditView,
    ScopedHistoryView,
    ScopedIndexView,
    ScopedUsageView,
)
from class_pages.tree import below
from workflows.concerns import Decision, ReportAlreadyHandled, decide
from workflows.leaders.gate import LEADERS, led_schools
from workflows.leaders.menu import GatedMenuMixin
from workflows.models import ConcernReport


def reports_for_leader(user):
    """Concern reports about posts anywhere under the schools the user leads."""
    schools = list(led_schools(user).only("path"))
    if not schools:
        return ConcernReport.objects.none()
    within = Q()
    for school in schools:
        within |= below(school, "post__path")
    return ConcernReport.objects.filter(within)


class LeadersOnlyPolicy(BasePermissionPolicy):
    """Whom the leaders' gate admits view and decide on their schools' reports; no model
    permission a group might hold changes that, and nobody adds or deletes a report."""

    ACTIONS = frozenset({"view", "change"})

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and LEADERS.admits(user)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if not self.ACTIONS & set(actions):
            return users.none()
        leaders = SchoolPage.objects.exclude(leaders_group=None).values("leaders_group")
        return users.filter(Q(is_superuser=True) | Q(groups__in=leaders)).distinct()

    def user_has_permission_for_instance(self, user, action, instance):
        return action in self.ACTIONS and reports_for_leader(user).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.ACTIONS & set(actions):
            return ConcernReport.objects.none()
        return reports_for_leader(user)

    def users_with_any_permission_for_instance(self, actions, instance):
        users = self.users_with_any_permission(actions)
        leaders = leaders_of(SchoolPage.for_page(instance.post))
        return users.filter(Q(is_superuser=True) | Q(pk__in=leaders.values("pk"))).distinct()


class LeaderScopeMixin:
    """Replaces the register's school scope (leaders or office) with leaders only."""

    def scoped_queryset(self):
        return reports_for_leader(self.request.user).select_related("post")


class ConcernIndexView(LeaderScopeMixin, ScopedIndexView):
    pass


class ConcernDeleteView(LeaderScopeMixin, ScopedDeleteView):
    """Refused to everyone by the policy; scoped all the same."""


class ConcernHistoryView(LeaderScopeMixin, ScopedHistoryView):
    pass


class ConcernUsageView(LeaderScopeMixin, ScopedUsageView):
    pass


class ConcernDecisionForm(WagtailAdminModelForm):
    decision = forms.ChoiceField(
        choices=Decision.CHOICES,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={
            "required": "Choose what to do about this report.",
            "invalid_choice": "Choose what to do about this report.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader_note"].label = "Note for the school's records"

    def clean(self):
        cleaned = super().clean()
        if self.instance.status != ConcernReport.Status.OPEN:
            raise ValidationError("A leader has already decided on this report.")
        if cleaned.get("decision") == Decision.DISMISS and not cleaned.get("leader_note"):
            self.add_error("leader_note", "Say why no action is needed.")
        return cleaned


class ConcernDecisionView(LeaderScopeMixin, ScopedEditView):
    """Shows the report (the carer's words included) and records the decision."""

    template_name = "workflows/concerns/admin_edit.html"
    submit_button_label = "Record the decision"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = self.object.post
        context["report"] = self.object
        context["place"] = guarding_page(post)
        context["school"] = SchoolPage.for_page(post)
        return context

    def form_valid(self, form):
        self.form = form
        try:
            self.object = decide(
                self.object,
                self.request.user,
                form.cleaned_data["decision"],
                form.cleaned_data["leader_note"],
            )
        except ReportAlreadyHandled:
            form.add_error(None, "A leader has already decided on this report.")
            return self.form_invalid(form)
        if self.object.status == ConcernReport.Status.UNPUBLISHED:
            text = f"“{self.object.post.title}” is taken down and back in draft."
        else:
            text = "The report is dismissed."
        messages.success(self.request, text)
        return redirect(self.get_success_url())


class ConcernReportViewSet(GatedMenuMixin, RegisterViewSet):
    model = ConcernReport
    icon = "warning"
    menu_label = "Concern reports"
    # A report must not show up as a "usage" of the post: teachers read that panel.
    add_to_reference_index = False
    index_view_class = ConcernIndexView
    edit_view_class = ConcernDecisionView
    delete_view_class = ConcernDeleteView
    history_view_class = ConcernHistoryView
    usage_view_class = ConcernUsageView
    list_display = [
        "post",
        Column("place", label="Where", accessor=lambda report: guarding_page(report.post)),
        "reason",
        "status",
        "created_at",
    ]
    list_filter = ["status", "reason"]
    edit_handler = ObjectList(
        [FieldPanel("decision"), FieldPanel("leader_note")],
        base_form_class=ConcernDecisionForm,
    )

    def get_permissions_to_register(self):
        # Model permissions decide nothing here (LeadersOnlyPolicy), so offer none.
        return Permission.objects.none()
