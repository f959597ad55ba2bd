"""Each school's additions to the shipped moderation rules (a Wagtail site setting, edited
by its leaders), and the one way to read the rules that apply to a school's posts."""

from django.db import models
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

from workflows.checks.rules import Rules, lines


@register_setting(icon="warning")
class ModerationRules(BaseSiteSetting):
    """A school's additions to the shipped rules (one entry per line)."""

    extra_offensive_words = models.TextField(
        blank=True, help_text="Words or phrases to refuse, on top of the shipped list."
    )
    allowed_words = models.TextField(
        blank=True, help_text="Words from the shipped lists that this school allows."
    )
    extra_private_matters = models.TextField(
        blank=True, help_text="More phrases that point to one child's private matters."
    )
    extra_link_domains = models.TextField(
        blank=True, help_text="More educational sites posts may link to (e.g. example.org)."
    )
    max_body_words = models.PositiveIntegerField(default=600)

    class Meta:
        verbose_name = "moderation rules"

    def rules(self):
        return Rules().extended(
            extra_words=lines(self.extra_offensive_words),
            exceptions=lines(self.allowed_words),
            extra_matters=lines(self.extra_private_matters),
            extra_domains=lines(self.extra_link_domains),
            max_body_words=self.max_body_words,
        )


def rules_for_school(school):
    site = Site.objects.filter(root_page=school).first() if school else None
    return ModerationRules.for_site(site).rules() if site else Rules()
