"""The image and "video and audio" (documents) listings of the admin, with a usage count
filter that cannot give a 500.

Stock Wagtail 8 annotates the listing with a usage count subquery when it is filtered by
`usage_count_min`/`usage_count_max`, and the search backend (modelsearch) cannot read a
filter on that annotation: any number in the filter together with a search (`?q=`) raised
AttributeError ('Coalesce' object has no attribute 'target') for every staff member, on
the listing and on its results fragment. Wagtail already drops usage-count ordering while
searching (modelsearch issue 51); here the filter form says the two do not combine, and the
listing is shown searched and unfiltered. Input that is not a number was already a form
error (and ignored), as it stays.

Mounted by class_pages.wagtail_hooks ahead of Wagtail's own URLs for the same paths; the
URL names stay Wagtail's (wagtailimages:index, wagtaildocs:index...)."""

from django.urls import path
from wagtail.documents.views import documents
from wagtail.images.views import images

USAGE_WHILE_SEARCHING = (
    "The usage count filter cannot be combined with a search: clear the search to filter "
    "by usage count."
)


class UsageCountGuard:
    """For Wagtail's BaseMediaFilterSet: while searching, a usage count is a form error
    (the filter set is then invalid, and Wagtail applies none of its filters)."""

    def __init__(self, *args, is_searching=None, **kwargs):
        super().__init__(*args, is_searching=is_searching, **kwargs)
        self.is_searching = bool(is_searching)

    def get_form_class(self):
        form_class = super().get_form_class()
        if not self.is_searching:
            return form_class

        class NoUsageCountWhileSearching(form_class):
            def clean(self):
                cleaned = super().clean()
                wanted = cleaned.get("usage_count")  # slice(min, max) or None
                if wanted is not None and (wanted.start is not None or wanted.stop is not None):
                    self.add_error("usage_count", USAGE_WHILE_SEARCHING)
                return cleaned

        return NoUsageCountWhileSearching


class ImagesFilterSet(UsageCountGuard, images.ImagesFilterSet):
    pass


class DocumentsFilterSet(UsageCountGuard, documents.DocumentsFilterSet):
    pass


class ImagesIndexView(images.IndexView):
    filterset_class = ImagesFilterSet


class DocumentsIndexView(documents.IndexView):
    filterset_class = DocumentsFilterSet


# Relative to /admin/ (a register_admin_urls hook); the same paths as Wagtail's.
urlpatterns = [
    path("images/", ImagesIndexView.as_view(), name="class_pages_images"),
    path(
        "images/results/",
        ImagesIndexView.as_view(results_only=True),
        name="class_pages_images_results",
    ),
    path("documents/", DocumentsIndexView.as_view(), name="class_pages_recordings"),
    path(
        "documents/results/",
        DocumentsIndexView.as_view(results_only=True),
        name="class_pages_recordings_results",
    ),
]
