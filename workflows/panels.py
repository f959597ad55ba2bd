"""Dashboard panels for staff: the posts of each class they teach (or, for leaders, of
every class of their school) by moderation state, and how long the oldest has waited;
and the leaders' "Awaiting your review" queue, which replaces Wagtail's own panel."""

import json
from collections import Counter

from django.conf import settings
from django.db.models import Q
from django.middleware.csrf import get_token
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.images import get_image_model
from wagtail.models import Page, Task, TaskState, WorkflowState, get_default_page_content_type

from class_pages.access.roles import classes_led_by, classes_taught_by
from class_pages.blocks import photos_in_raw_stream
from class_pages.models import StoryPostPage
from class_pages.tree import children_of, parent_path
from workflows.models import LeadersApprovalTask

STATES = (
    ("draft", "Drafts"),
    ("in_moderation", "Waiting for approval"),
    ("needs_changes", "Changes requested"),
    ("live", "Live"),
)


def staff_classes(user):
    """Classes a member of staff works with: taught, or all classes of led schools."""
    return (classes_taught_by(user) | classes_led_by(user)).distinct().order_by("title")


def posts_by_state(classes):
    """{class_page_id: {"counts": Counter, "oldest_waiting": datetime|None}}."""
    children = Q(pk__in=[])
    for class_page in classes:
        children |= children_of(class_page)
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
        entry = result[by_path[parent_path(post["path"])]]
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


# --- awaiting your review ---------------------------------------------------------------

# Wagtail's WorkflowObjectsToModeratePanel lists every waiting post, with its actions and
# its workflow's tasks, at about three queries a post (646 queries for 200 posts). This
# queue shows the oldest few with a fixed handful of queries, each with the photos of the
# revision under review and its Approve / Request changes (workflows.review_hooks says
# what was done once the leader is back here).
REVIEW_QUEUE_LIMIT = 20
# The admin image listing's own rendition: the thumbnails it made are reused, and like
# every rendition they are served by the authorising file view (staff of the class only).
THUMBNAIL_SPEC = "max-165x165"


def reviewable_tasks(user):
    """Active group approval tasks the user may act on: those of a group they are in (the
    leaders' approval of the schools they lead), or every one for a superuser."""
    if not (user.is_authenticated and user.is_active):
        return Task.objects.none()
    tasks = Task.objects.filter(active=True)
    if user.is_superuser:
        return tasks.filter(
            Q(leadersapprovaltask__isnull=False) | Q(groupapprovaltask__isnull=False)
        )
    groups = user.groups.values("pk")
    return tasks.filter(
        Q(leadersapprovaltask__groups__in=groups) | Q(groupapprovaltask__groups__in=groups)
    ).distinct()


def awaiting_review(user):
    """Task states of pages waiting at a task the user may act on, oldest first."""
    return (
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task__in=reviewable_tasks(user).values("pk"),
            workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
            workflow_state__base_content_type=get_default_page_content_type(),
        )
        .select_related("revision", "workflow_state__requested_by")
        .order_by("started_at", "pk")
    )


def revision_photo_ids(revision):
    """Image ids in the revision under review, in order, from its stored data (no query)."""
    raw = (revision.content or {}).get("media") or []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return list(dict.fromkeys(image_id for image_id, _, _ in photos_in_raw_stream(raw)))


def thumbnails(states):
    """{image id: rendition} for every photo of the rows, in two queries for all of them
    (images, then their prefetched renditions); a missing rendition is made once."""
    ids = {image_id for state in states for image_id in revision_photo_ids(state.revision)}
    if not ids:
        return {}
    images = get_image_model().objects.filter(pk__in=ids).prefetch_renditions(THUMBNAIL_SPEC)
    return {image.pk: image.get_rendition(THUMBNAIL_SPEC) for image in images}


class AwaitingReviewPanel(Component):
    name = "awaiting_review"
    template_name = "workflows/panels/awaiting_review.html"
    order = 220  # where Wagtail's own panel stood

    def __init__(self, user, limit=REVIEW_QUEUE_LIMIT):
        self.user = user
        self.limit = limit

    def approvals_refused(self, states):
        """Task states whose post the user wrote and may not approve themselves (a query
        per school's task, and only when the user wrote a waiting post)."""
        own = [state for state in states if state.workflow_state.requested_by_id == self.user.pk]
        tasks = {
            task.pk: task
            for task in LeadersApprovalTask.objects.filter(pk__in={s.task_id for s in own})
        }
        refused = {}
        for state in own:
            task = tasks.get(state.task_id)
            if task is not None and task.pk not in refused:
                refused[task.pk] = task.refuses_self_approval(self.user.pk, self.user)
        return {state.pk for state in own if refused.get(state.task_id)}

    def rows(self, states):
        """One row per task state; the pages and their classes come from two queries for
        all the rows, not one per row."""
        page_ids = {int(state.workflow_state.object_id) for state in states}
        pages = {
            page["pk"]: page
            for page in Page.objects.filter(pk__in=page_ids).values(
                "pk", "path", "draft_title", "live"
            )
        }
        renditions = thumbnails(states)
        no_approve = self.approvals_refused(states)
        parent_paths = {parent_path(page["path"]) for page in pages.values()}
        classes = dict(Page.objects.filter(path__in=parent_paths).values_list("path", "title"))
        rows = []
        for state in states:
            page = pages.get(int(state.workflow_state.object_id))
            if page is None:  # deleted since (its workflow state goes with it, but be safe)
                continue
            rows.append(
                {
                    "page_id": page["pk"],
                    # The submitted revision's title: what the leader is asked to approve.
                    "title": state.revision.object_str or page["draft_title"],
                    "class_title": classes.get(parent_path(page["path"]), ""),
                    "live": page["live"],
                    "task_state": state,
                    "requested_by": state.workflow_state.requested_by,
                    "photos": [
                        renditions[image_id]
                        for image_id in revision_photo_ids(state.revision)
                        if image_id in renditions
                    ],
                    "may_approve": state.pk not in no_approve,
                }
            )
        return rows

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        queue = awaiting_review(self.user)
        states = list(queue[: self.limit])
        total = queue.count()  # always asked, so the cost is the same however many wait
        context["rows"] = self.rows(states)
        context["more"] = max(total - len(states), 0)
        context["total"] = total
        # A component renders its template without the request: its forms need the token.
        request = (parent_context or {}).get("request")
        context["csrf_token"] = get_token(request) if request is not None else ""
        return context

    def render_html(self, parent_context=None):
        if not getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
            return ""
        # Teachers, office staff and carers act on no approval task: no panel at all.
        if not reviewable_tasks(self.user).exists():
            return ""
        return super().render_html(parent_context)
