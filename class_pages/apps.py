"""App configuration for class_pages; wires signal handlers."""

from django.apps import AppConfig


class ClassPagesConfig(AppConfig):
    name = "class_pages"
    label = "class_pages"
    verbose_name = "Class pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import security_log  # noqa: F401  (connects the security log's receivers)

        from . import converters, signal_handlers

        converters.register()
        signal_handlers.register()
        from . import feed_invalidation, policy

        feed_invalidation.connect()
        policy.connect()
