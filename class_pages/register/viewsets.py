"""Admin viewsets for the pupil register (pupils, enrolments, carer links, consent
records): listing, search and filters, every view limited to the schools the user keeps
the register of. Consent records are append-only: the admin adds paper consent and shows
the history, and nobody changes or deletes a record there."""

import django_filters
from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from class_pages.access import register_classes, register_schools
from class_pages.models import CarerLink, ConsentRecord, Enrolment, Pupil
from class_pages.register.forms import CarerLinkForm, PaperConsentForm, RegisterForm
from class_pages.register.importing.views import RegisterImportViewSet


class SchoolScopedViewMixin:
    """Every object lookup (index, edit, delete, history, usage) goes through the
    user's school scope: an id from another school is a plain 404."""

    school_lookup = "school"

    def scoped_queryset(self):
        schools = register_schools(self.request.user)
        return self.model._default_manager.filter(**{f"{self.school_lookup}__in": schools})


class ScopedIndexView(SchoolScopedViewMixin, generic.IndexView):
    # The base queryset only: IndexView.get_queryset adds search, filters and ordering.
    def get_base_queryset(self):
        return self.scoped_queryset()


class ScopedObjectMixin(SchoolScopedViewMixin):
    """Edit and delete find their object through get_queryset()."""

    def get_queryset(self):
        return self.scoped_queryset()


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class ScopedSubjectMixin(SchoolScopedViewMixin):
    """History and usage list other things about one object, found here."""

    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedInspectView(SchoolScopedViewMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=unquote(str(self.pk)))


class ScopedHistoryView(ScopedSubjectMixin, generic.history.HistoryView):
    pass


class ScopedUsageView(ScopedSubjectMixin, generic.usage.UsageView):
    pass


class RegisterViewSet(ModelViewSet):
    """A register model in the admin, scoped to the user's schools by `school_lookup`."""

    school_lookup = "school"
    copy_view_enabled = False
    search_backend_name = None
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, SchoolScopedViewMixin):
            kwargs["school_lookup"] = self.school_lookup
        return super().construct_view(view_class, **kwargs)


class PupilViewSet(RegisterViewSet):
    model = Pupil
    icon = "user"
    menu_label = "Pupils"
    list_display = ["last_name", "first_name", "school", "left_on"]
    list_filter = ["school"]
    search_fields = ["first_name", "last_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("first_name"),
            FieldPanel("last_name"),
            FieldPanel("left_on"),
        ],
        base_form_class=RegisterForm,
    )


class EnrolmentFilterSet(WagtailFilterSet):
    """The class filter offers only the user's own schools' classes (django-filter calls
    the queryset with the request)."""

    class_page = django_filters.ModelChoiceFilter(
        label="Class", queryset=lambda request: register_classes(request.user)
    )

    class Meta:
        model = Enrolment
        fields = ["class_page"]


class EnrolmentViewSet(RegisterViewSet):
    model = Enrolment
    school_lookup = "pupil__school"
    icon = "group"
    menu_label = "Enrolments"
    list_display = ["pupil", "class_page", "started_on", "ended_on"]
    filterset_class = EnrolmentFilterSet
    search_fields = ["pupil__first_name", "pupil__last_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("pupil"),
            FieldPanel("class_page"),
            FieldPanel("started_on"),
            FieldPanel("ended_on"),
        ],
        base_form_class=RegisterForm,
    )


class CarerLinkViewSet(RegisterViewSet):
    model = CarerLink
    school_lookup = "pupil__school"
    icon = "link"
    menu_label = "Carer links"
    list_display = ["pupil", "carer", "relationship", "status"]
    list_filter = ["status", "relationship"]
    search_fields = ["pupil__first_name", "pupil__last_name", "carer__email", "carer__username"]
    edit_handler = ObjectList(
        [
            FieldPanel("carer_account"),
            FieldPanel("pupil"),
            FieldPanel("relationship"),
            FieldPanel("has_responsibility"),
            FieldPanel("status"),
            FieldPanel("end_reason"),
            FieldPanel("status_reason"),
        ],
        base_form_class=CarerLinkForm,
    )


class AppendOnlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody (superusers included) may change or delete:
    the admin then offers no edit or delete button, and those views refuse."""

    FORBIDDEN = frozenset({"change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.FORBIDDEN and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = set(actions) - self.FORBIDDEN
        if not allowed:
            return super().users_with_any_permission([]).none()
        return super().users_with_any_permission(allowed)


class PaperConsentCreateView(SchoolScopedViewMixin, generic.CreateView):
    """The office adds what a paper form says; who recorded it and how is not theirs to
    choose."""

    def save_instance(self):
        self.form.instance.method = ConsentRecord.Method.PAPER
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()


class ConsentRecordViewSet(RegisterViewSet):
    """Paper consent and the consent history. Records are never edited or deleted (see
    AppendOnlyPermissionPolicy, registered in wagtail_hooks); a change of mind is a new
    record. Leaders, who hold the view permission, read the full history."""

    model = ConsentRecord
    school_lookup = "pupil__school"
    icon = "tick-inverse"
    menu_label = "Consent records"
    add_view_class = PaperConsentCreateView
    inspect_view_enabled = True
    inspect_view_class = ScopedInspectView
    inspect_view_fields = [
        "pupil",
        "medium",
        "given",
        "method",
        "recorded_by",
        "recorded_at",
        "valid_until",
        "note",
    ]
    list_display = ["pupil", "medium", "given", "method", "recorded_by", "recorded_at"]
    list_filter = ["medium", "given", "method"]
    search_fields = ["pupil__first_name", "pupil__last_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("pupil"),
            FieldPanel("medium"),
            FieldPanel("given"),
            FieldPanel("valid_until"),
            FieldPanel("note"),
        ],
        base_form_class=PaperConsentForm,
    )


class RegisterViewSetGroup(ViewSetGroup):
    menu_label = "Register"
    menu_icon = "group"
    menu_order = 250
    items = (
        PupilViewSet("pupils"),
        EnrolmentViewSet("enrolments"),
        CarerLinkViewSet("carer_links"),
        ConsentRecordViewSet("consent_records"),
        RegisterImportViewSet("register_import"),
    )
