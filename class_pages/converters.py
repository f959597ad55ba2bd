"""URL converters: `id` is a database id, at most 18 digits, so a huge number in a URL is
a plain 404 instead of an integer overflow in the database driver."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def register():
    register_converter(IdConverter, "id")
