"""URLs of the carer-facing site outside the page tree. The file view comes first in
cms.urls: every photo of a page is a request to it."""

from django.urls import path

from class_pages.site import calendar, my_children, views

file_urlpatterns = [
    path("files/<path:name>", views.serve_file, name="private_file"),
]

urlpatterns = [
    path("my-classes/", views.my_classes, name="my_classes"),
    path("my-children/", my_children.my_children, name="my_children"),
    path("my-children/<id:pupil_id>/consent/", my_children.edit_consent, name="edit_consent"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
