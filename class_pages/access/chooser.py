"""The admin page chooser, browsing only pages the user may explore: Wagtail's own
chooser filters the children it lists (see the construct_page_chooser_queryset hook) but
shows any parent page named in the URL, title included."""

from django.http import Http404
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.chooser import BrowseView
from wagtail.permission_policies.pages import PagePermissionPolicy


def explorable_page_ids(user):
    return PagePermissionPolicy().explorable_instances(user).values("pk")


class ExplorableBrowseView(BrowseView):
    def get(self, request, parent_page_id=None):
        if parent_page_id and not request.user.is_superuser:
            if not explorable_page_ids(request.user).filter(pk=parent_page_id).exists():
                raise Http404
        return super().get(request, parent_page_id)


browse = require_admin_access(ExplorableBrowseView.as_view())
