"""Admin URLs mounted before Wagtail's own (cms.urls): the page chooser that shows only
explorable parents, and the stock views wrapped by admin_guards so that they do not
name pages the user may not explore."""

from django.urls import path

from class_pages.access import admin_guards, chooser

urlpatterns = [
    path("admin/choose-page/<id:parent_page_id>/", chooser.browse),
    path("admin/choose-page/chosen-multiple/", admin_guards.chosen_multiple),
    path(
        "admin/pages/<id:page_to_move_id>/move/<id:destination_id>/confirm/",
        admin_guards.move_confirm,
    ),
    path("admin/bulk/<str:app_label>/<str:model_name>/<str:action>/", admin_guards.bulk_action),
    path("admin/pages/<id:page_id>/copy/", admin_guards.copy),
    path("admin/pages/create/<slug:app_label>/<slug:model_name>", admin_guards.choose_parent),
    path(
        "admin/pages/workflow/action/<id:page_id>/<slug:action_name>/<id:task_state_id>/",
        admin_guards.workflow_action,
    ),
    path("admin/reports/page-types-usage/", admin_guards.page_types_usage),
    path("admin/reports/page-types-usage/results/", admin_guards.page_types_usage_results),
    path("admin/failwhale/", admin_guards.not_mounted),
]
