"""Wagtail wiring of the composer (menu item, dashboard panel, admin URLs); imported by
workflows.wagtail_hooks so that Wagtail registers it."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from workflows.composer import urls
from workflows.composer.access import may_write, postable_classes


class WritePostMenuItem(MenuItem):
    """Shown only to staff with a class they may post to."""

    def is_shown(self, request):
        return may_write(request.user)


class WritePostPanel(Component):
    """The first thing on a teacher's dashboard: a big "Write a post" button."""

    name = "write_a_post"
    order = 10  # before Wagtail's own panels (110 and up) and ours
    template_name = "workflows/composer/panel.html"

    def __init__(self, classes):
        self.classes = classes

    def get_context_data(self, parent_context=None):
        return {"classes": self.classes, "compose_url": reverse("composer:compose")}


@hooks.register("register_admin_urls")
def register_composer_urls():
    return [path("write/", include(urls, namespace="composer"))]


@hooks.register("register_admin_menu_item")
def register_write_post_menu_item():
    return WritePostMenuItem("Write a post", reverse("composer:compose"), icon_name="edit", order=5)


@hooks.register("construct_homepage_panels")
def add_write_post_panel(request, panels):
    classes = postable_classes(request.user)
    if classes:
        panels.append(WritePostPanel(classes))
