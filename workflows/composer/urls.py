"""The composer's admin URLs (under /admin/write/, namespace "composer")."""

from django.urls import path

from workflows.composer import views

app_name = "composer"
urlpatterns = [
    path("", views.compose, name="compose"),
    path("upload/", views.upload, name="upload"),
    path("remove/", views.remove, name="remove"),
    path("submitted/<int:page_id>/", views.submitted, name="submitted"),
]
