"""Admin viewsets for the pupil register (pupils, enrolments, carer links): listing,
search and filters, every view limited to the schools the user keeps the register of."""

from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from .access import register_schools
from .forms import CarerLinkForm, RegisterForm
from .models import CarerLink, Enrolment, Pupil


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


class EnrolmentViewSet(RegisterViewSet):
    model = Enrolment
    school_lookup = "pupil__school"
    icon = "group"
    menu_label = "Enrolments"
    list_display = ["pupil", "class_page", "started_on", "ended_on"]
    list_filter = ["class_page"]
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
            FieldPanel("status"),
            FieldPanel("status_reason"),
        ],
        base_form_class=CarerLinkForm,
    )


class RegisterViewSetGroup(ViewSetGroup):
    menu_label = "Register"
    menu_icon = "group"
    menu_order = 250
    items = (
        PupilViewSet("pupils"),
        EnrolmentViewSet("enrolments"),
        CarerLinkViewSet("carer_links"),
    )
