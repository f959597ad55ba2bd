"""Friendly error pages that reveal nothing and are never cached."""

from django.views import defaults

from class_pages.http import private_response


def page_not_found(request, exception):
    return private_response(defaults.page_not_found(request, exception, "404.html"))


def server_error(request):
    return private_response(defaults.server_error(request, "500.html"))


def csrf_failure(request, reason=""):
    from django.views.csrf import csrf_failure as django_csrf_failure

    return private_response(django_csrf_failure(request, reason))
