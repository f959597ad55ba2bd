"""App configuration for workflows; wires signal handlers."""

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    label = "workflows"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workflows import signal_handlers

        signal_handlers.register()
