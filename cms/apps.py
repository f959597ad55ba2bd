"""App configuration of the project itself (cms): connects the security log's receivers
when Django starts, so the apps below it need not import it."""

from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "Class pages site"

    def ready(self):
        from cms.accounts import security_log  # noqa: F401  (its receivers connect on import)
