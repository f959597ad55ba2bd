"""Stock Wagtail admin views that name pages the user may not explore, wrapped so they
do not (cms.urls mounts these before Wagtail's own, as it does the page chooser).
Found by tests/security/test_idor_sweep.py: in stock Wagtail 8 any admin user (a
teacher, another school's office) could read any page's title through

* the bulk action confirmation, which lists the `?id=` items the user may not act on;
* the page move confirmation, which checks no permission on GET;
* the page chooser's "chosen" step, which returns any `?id=` page;
* the page types report, which shows each type's last edited page across all schools.

Found by tests/security/test_form_id_sweep.py, in the ids a form POSTs:

* copy (`new_parent_page`), "choose a parent" (`parent_page`) and bulk move (`chooser`)
  name the chosen page in their refusal and pre-fill the chooser with it (copy: an id of
  no page is a 500); a page id the user may not explore is blanked before the stock
  view reads it, so the form says the field is required and names nothing (copy, which
  reads the parent before its form, answers 404);
* the workflow action view flashes the title of any page given in its URL ("... is not
  currently awaiting moderation"): a page the user may not explore is a 404.
"""

from django.http import Http404
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.bulk_action import dispatcher
from wagtail.admin.views.chooser import ChosenMultipleView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.admin.viewsets.pages import page_viewset_registry
from wagtail.models import Page

from class_pages.access.chooser import explorable_page_ids

MAX_PAGE_ID = 2**31 - 1


def _all_explorable(user, page_ids):
    if user.is_superuser:
        return True
    try:
        wanted = {int(pk) for pk in page_ids}
    except ValueError:
        return False
    if not all(0 < pk <= MAX_PAGE_ID for pk in wanted):
        return False  # no such page (and too big for the database to be asked)
    found = set(explorable_page_ids(user).filter(pk__in=wanted).values_list("pk", flat=True))
    return found == wanted


class ExplorableChosenMultipleView(ChosenMultipleView):
    def get(self, request):
        if not _all_explorable(request.user, request.GET.getlist("id")):
            raise Http404
        return super().get(request)


_stock_move_confirm = page_viewset_registry.as_view("move_confirm", page_id_kwarg="page_to_move_id")


def _move_confirm(request, page_to_move_id, destination_id):
    """Only someone who may move the page there sees the confirmation (it names both)."""
    if not request.user.is_superuser:
        page = Page.objects.filter(pk=page_to_move_id).first()
        destination = Page.objects.filter(pk=destination_id).first()
        if page is None or destination is None:
            raise Http404
        if not page.permissions_for_user(request.user).can_move_to(destination):
            raise Http404
    return _stock_move_confirm(
        request, page_to_move_id=page_to_move_id, destination_id=destination_id
    )


def _bulk_action(request, app_label, model_name, action):
    """The confirmation names, among what the user may not act on, only pages they may
    explore anyway (a teacher's own post they may not delete); nothing else by name."""
    if action == "move":
        _blank_unexplorable(request, "chooser")
    response = dispatcher.index(request, app_label, model_name, action)
    context = getattr(response, "context_data", None)
    if context and context.get("items_with_no_access") and not request.user.is_superuser:
        pages = [
            entry["item"]
            for entry in context["items_with_no_access"]
            if isinstance(entry, dict) and isinstance(entry.get("item"), Page)
        ]
        explorable = set(
            explorable_page_ids(request.user)
            .filter(pk__in=[page.pk for page in pages])
            .values_list("pk", flat=True)
        )
        context["items_with_no_access"] = [
            entry
            for entry in context["items_with_no_access"]
            if isinstance(entry, dict)
            and isinstance(entry.get("item"), Page)
            and entry["item"].pk in explorable
        ]
    return response


class ExplorablePageTypesUsageReportView(PageTypesUsageReportView):
    def decorate_paginated_queryset(self, page_types):
        page_types = super().decorate_paginated_queryset(page_types)
        if self.request.user.is_superuser:
            return page_types
        shown = [item.last_edited_page.pk for item in page_types if item.last_edited_page]
        allowed = set(
            explorable_page_ids(self.request.user).filter(pk__in=shown).values_list("pk", flat=True)
        )
        for item in page_types:
            if item.last_edited_page and item.last_edited_page.pk not in allowed:
                item.last_edited_page = None
        return page_types


def _blank_unexplorable(request, field):
    """A POSTed page id the user may not explore (or of no page) becomes empty."""
    if request.method != "POST" or request.user.is_superuser:
        return
    value = request.POST.get(field, "")
    if value and not _all_explorable(request.user, [value]):
        request.POST = request.POST.copy()
        request.POST[field] = ""


_stock_copy = page_viewset_registry.as_view("copy", page_id_kwarg="page_id")
_stock_choose_parent = page_viewset_registry.as_view(
    "choose_parent", app_label_kwarg="app_label", model_name_kwarg="model_name"
)
_stock_workflow_action = page_viewset_registry.as_view("workflow_action", page_id_kwarg="page_id")


def _copy(request, page_id):
    # The stock view reads the parent before its form (a blank one is a 500 too): refuse.
    destination = request.POST.get("new_parent_page", "") if request.method == "POST" else ""
    if destination and not _all_explorable(request.user, [destination]):
        raise Http404
    return _stock_copy(request, page_id=page_id)


def _choose_parent(request, app_label, model_name):
    _blank_unexplorable(request, "parent_page")
    return _stock_choose_parent(request, app_label=app_label, model_name=model_name)


def _workflow_action(request, page_id, action_name, task_state_id):
    if not _all_explorable(request.user, [page_id]):
        raise Http404
    return _stock_workflow_action(
        request, page_id=page_id, action_name=action_name, task_state_id=task_state_id
    )


def not_mounted(request, *args, **kwargs):
    """Wagtail's error-page test view (admin/failwhale/) raises on purpose for any staff
    user: a 500 and an error report on demand. Not offered."""
    raise Http404


chosen_multiple = require_admin_access(ExplorableChosenMultipleView.as_view())
copy = require_admin_access(_copy)
choose_parent = require_admin_access(_choose_parent)
workflow_action = require_admin_access(_workflow_action)
move_confirm = require_admin_access(_move_confirm)
bulk_action = require_admin_access(_bulk_action)
page_types_usage = require_admin_access(ExplorablePageTypesUsageReportView.as_view())
page_types_usage_results = require_admin_access(
    ExplorablePageTypesUsageReportView.as_view(results_only=True)
)
