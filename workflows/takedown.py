"""Taking a live post down: the post's own class teacher, or a leader of its school,
unpublishes it without anyone's approval (taking down needs no moderation). Who may; the
editor's action menu item; the confirm page and the POST that does it (Wagtail logs
"wagtail.unpublish" by that person) and tells the school's leaders by e-mail."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.admin.action_menu import ActionMenuItem

from class_pages.access import guarding_page
from class_pages.access.roles import is_class_teacher, leads_school
from class_pages.models import ClassPage, SchoolPage, StoryPostPage
from workflows.mail import send_taken_down


def may_take_down(user, post):
    """The post's own class teacher, or a leader of the post's school (a whole-school
    story post: its leaders only)."""
    school = SchoolPage.for_page(post)
    if school is not None and leads_school(user, school):
        return True
    guard = guarding_page(post)
    return isinstance(guard, ClassPage) and is_class_teacher(user, guard)


class TakeDownMenuItem(ActionMenuItem):
    """ "Take down" in the editor's action menu of a live post, for those who may."""

    label = "Take down"
    name = "action-take-down"
    icon_name = "download"
    order = 45  # just above Wagtail's own "Unpublish" (which teachers never see)

    def is_shown(self, context):
        page = context.get("page")
        return (
            context["view"] == "edit"
            and isinstance(page, StoryPostPage)
            and page.live
            and may_take_down(context["request"].user, page)
        )

    def get_url(self, context):
        return reverse("workflows_take_down", args=(context["page"].pk,))


def take_down(request, post_id):
    """GET: what taking down means, and a button. POST: take it down. Anyone who may not
    gets 404, whether or not the post exists; a post already down is said so."""
    post = get_object_or_404(StoryPostPage, pk=post_id)
    if not may_take_down(request.user, post):
        raise Http404
    if request.method == "POST":
        with transaction.atomic():
            post = StoryPostPage.objects.select_for_update().get(pk=post.pk)
            if post.live:
                UnpublishPageAction(post, user=request.user).execute(skip_permission_checks=True)
                send_taken_down(post, request.user)
                messages.success(
                    request, f"“{post.title}” has been taken down: families no longer see it."
                )
            else:
                messages.info(request, f"“{post.title}” is not on the class page.")
        return redirect("wagtailadmin_pages:edit", post.pk)
    if not post.live:
        messages.info(request, f"“{post.title}” is not on the class page.")
        return redirect("wagtailadmin_pages:edit", post.pk)
    return TemplateResponse(
        request,
        "workflows/takedown/confirm.html",
        {"post": post, "place": guarding_page(post)},
    )


urlpatterns = [path("posts/<int:post_id>/take-down/", take_down, name="workflows_take_down")]
