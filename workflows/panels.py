"""Dashboard panel for staff: the posts of each class they teach (or, for leaders, of
every class of their school) by moderation state, and how long the oldest has waited."""

from collections import Counter

from django.db.models import Q
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.models import WorkflowState

from class_pages.models import ClassPage, SchoolPage, StoryPostPage

STATES = (
    ("draft", "Drafts"),
    ("in_moderation", "Waiting for approval"),
    ("needs_changes", "Changes requested"),
    ("live", "Live"),
)


def staff_classes(user):
    """Classes a member of staff works with: taught, or all classes of led schools."""
    groups = user.groups.values("pk")
    classes = ClassPage.objects.filter(teachers_group__in=groups)
    for school in SchoolPage.objects.filter(leaders_group__in=groups):
        classes = classes | ClassPage.objects.descendant_of(school)
    return classes.distinct().order_by("title")


def posts_by_state(classes):
    """{class_page_id: {"counts": Counter, "oldest_waiting": datetime|None}}."""
    children = Q(pk__in=[])
    for class_page in classes:
        children |= Q(path__startswith=class_page.path, depth=class_page.depth + 1)
    posts = list(StoryPostPage.objects.filter(children).values("pk", "path", "live"))
    states = {
        int(state["object_id"]): state
        for state in WorkflowState.objects.filter(
            object_id__in=[str(post["pk"]) for post in posts],
            status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
        ).values("object_id", "status", "created_at")
    }
    by_path = {class_page.path: class_page.pk for class_page in classes}
    result = {
        class_page.pk: {"counts": Counter(), "oldest_waiting": None} for class_page in classes
    }
    for post in posts:
        entry = result[by_path[post["path"][: len(post["path"]) - ClassPage.steplen]]]
        state = states.get(post["pk"])
        if state and state["status"] == WorkflowState.STATUS_IN_PROGRESS:
            entry["counts"]["in_moderation"] += 1
            oldest = entry["oldest_waiting"]
            if oldest is None or state["created_at"] < oldest:
                entry["oldest_waiting"] = state["created_at"]
        elif state:
            entry["counts"]["needs_changes"] += 1
        elif post["live"]:
            entry["counts"]["live"] += 1
        else:
            entry["counts"]["draft"] += 1
    return result


class ClassPostsPanel(Component):
    name = "class_posts"
    template_name = "workflows/panels/class_posts.html"
    order = 205

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        classes = list(staff_classes(self.user))
        figures = posts_by_state(classes)
        now = timezone.now()
        context["rows"] = [
            {
                "class_page": class_page,
                "counts": [(label, figures[class_page.pk]["counts"][key]) for key, label in STATES],
                "waiting_days": (now - figures[class_page.pk]["oldest_waiting"]).days
                if figures[class_page.pk]["oldest_waiting"]
                else None,
            }
            for class_page in classes
        ]
        context["states"] = [label for _, label in STATES]
        return context

    def render_html(self, parent_context=None):
        return super().render_html(parent_context) if staff_classes(self.user).exists() else ""
