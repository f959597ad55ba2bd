"""The acceptable-use agreement: a versioned page per school, with links to the school's
related policies, and the record of who accepted which version when."""

from django.conf import settings
from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from class_pages.page_forms import PolicyPageForm


class RelatedPolicyBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, help_text="Or a link to the policy elsewhere.")

    class Meta:
        icon = "doc-full"


class PolicyPage(Page):
    """The class pages agreement of one school. Raising the version makes every carer and
    member of staff of the school accept it again before they can do anything else."""

    body = RichTextField(features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])
    version = models.PositiveIntegerField(
        default=1,
        help_text="Raise this when the agreement changes: everyone must accept it again.",
    )
    related_policies = StreamField(
        [("policy", RelatedPolicyBlock())], blank=True, use_json_field=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("version"),
        FieldPanel("body"),
        FieldPanel("related_policies"),
    ]
    parent_page_types = ["class_pages.SchoolPage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "class_pages/policy_page.html"
    base_form_class = PolicyPageForm  # related policies: the school's own pages

    class Meta:
        verbose_name = "class pages agreement"


class PolicyAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acceptances"
    )
    policy = models.ForeignKey(PolicyPage, on_delete=models.CASCADE, related_name="acceptances")
    version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "policy", "version"], name="unique_policy_acceptance"
            )
        ]
        ordering = ["-accepted_at", "-pk"]

    def __str__(self):
        return f"{self.user} accepted {self.policy} v{self.version}"
