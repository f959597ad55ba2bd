"""The "Leaders" menu group of the admin, its one item class, and the ViewSet that every
leaders' tool is.

A tool's item is shown only to whom its gate admits, and every view the tool routes is
wrapped in that gate, so a view cannot be reached round the gate by a URL the menu does
not show. The tools' URL paths and names predate the ViewSets and stay as they were
("/admin/audit/", "workflows_audit", ...): Wagtail's registry would mount a ViewSet's
get_urlpatterns() under a prefix and a namespace, so a LeadersViewSet gives the registry
none and its group hands the named paths, as they are, to register_admin_urls."""

from django.urls import path, reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from workflows.leaders.gate import LEADERS


class LeadersMenuItem(MenuItem):
    def __init__(self, *args, gate=LEADERS, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = gate

    def is_shown(self, request):
        return self.gate.admits(request.user)


class GatedMenuMixin:
    """For a ViewSet: its menu item is a LeadersMenuItem behind the ViewSet's gate."""

    gate = LEADERS

    def get_menu_item(self, order=None):
        return LeadersMenuItem(
            label=self.menu_label,
            url=self.menu_url,
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=self.get_menu_item_order(order),
            gate=self.gate,
        )


class LeadersViewSet(GatedMenuMixin, ViewSet):
    """One leaders' tool: `routes()` gives its (route, view, name) triples, the first
    being what its menu item opens."""

    def routes(self):
        raise NotImplementedError

    def get_admin_urlpatterns(self):
        return [path(route, self.gate(view), name=name) for route, view, name in self.routes()]

    def get_urlpatterns(self):
        return []  # see the module docstring: the group registers them un-namespaced

    @property
    def menu_url(self):
        _, _, name = self.routes()[0]
        return reverse(name)


class LeadersViewSetGroup(ViewSetGroup):
    """The tools in `items`, in menu order, under one "Leaders" item (shown when any of
    its items is)."""

    menu_label = "Leaders"
    menu_icon = "clipboard-list"
    menu_order = 285

    def get_admin_urlpatterns(self):
        return [
            pattern
            for tool in self.registerables
            if isinstance(tool, LeadersViewSet)
            for pattern in tool.get_admin_urlpatterns()
        ]
