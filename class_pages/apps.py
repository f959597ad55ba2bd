"""App configuration for class_pages; wires signal handlers."""

from django.apps import AppConfig


class ClassPagesConfig(AppConfig):
    name = "class_pages"
    label = "class_pages"
    verbose_name = "Class pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from class_pages import converters, signal_handlers

        converters.register()
        signal_handlers.register()
        from class_pages import agreements
        from class_pages.caching import invalidation

        invalidation.connect()
        agreements.connect()
