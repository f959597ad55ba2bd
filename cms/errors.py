"""Friendly error pages that reveal nothing and are never cached."""

from django.views import defaults

from class_pages.views import private_response


def page_not_found(request, exception):
    return private_response(defaults.page_not_found(request, exception, "404.html"))


def server_error(request):
    return private_response(defaults.server_error(request, "500.html"))
