"""The Wagtail admin API's image and document endpoints (/admin/api/main/images/,
.../documents/), limited to the media the user may choose. Stock Wagtail 8 hides only
collections with a view restriction, so any admin user could read every school's photo
titles and file URLs by id; these endpoints answer with what the chooser offers the user,
and 404 for any other id."""

from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry


class ChoosableOnly:
    """An admin API endpoint whose rows are those the user may choose."""

    def get_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        allowed = policy.instances_user_has_any_permission_for(self.request.user, ["choose"])
        return super().get_queryset().filter(pk__in=allowed.values("pk"))


class ChoosableImagesAPIViewSet(ChoosableOnly, ImagesAdminAPIViewSet):
    pass


class ChoosableDocumentsAPIViewSet(ChoosableOnly, DocumentsAdminAPIViewSet):
    pass


def limit_admin_api(router):
    """construct_admin_api: replace the stock endpoints (run after Wagtail's own hooks)."""
    router.register_endpoint("images", ChoosableImagesAPIViewSet)
    router.register_endpoint("documents", ChoosableDocumentsAPIViewSet)
