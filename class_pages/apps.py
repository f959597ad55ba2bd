"""App configuration for class_pages: wires the signal handlers (derived state) and the
cache invalidation table (class_pages.caching.invalidation)."""

from django.apps import AppConfig


class ClassPagesConfig(AppConfig):
    name = "class_pages"
    label = "class_pages"
    verbose_name = "Class pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from class_pages import converters, signal_handlers
        from class_pages.caching import invalidation

        converters.register()
        signal_handlers.register()
        invalidation.connect()
