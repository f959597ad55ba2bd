"""The page tree above the posts: SchoolPage › ClassIndexPage › ClassPage, the
whole-school story and plain information pages (the posts themselves are in
class_pages.models.posts). Who may see which page is decided in class_pages.access and
enforced by the on_serve_page hook, not here."""

from django.contrib.auth.models import Group
from django.db import models
from django.shortcuts import redirect
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Collection, Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from class_pages.caching.tokens import FRAGMENT_TIMEOUT, FeedCacheKeyMixin, cacheable_page_number
from class_pages.models.agreements import PolicyPage
from class_pages.tree import SCHOOL_DEPTH, below, school_path


class StaffWiringMixin:
    """Pages that own staff groups and a collection (set up by class_pages.lifecycle.school_setup)
    keep them across revisions and copies: an old revision must never reset them."""

    wiring_fields = ()

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        for field in self.wiring_fields:
            setattr(obj, field, getattr(self, field))
        return obj


class SchoolPage(StaffWiringMixin, Page):
    """One school; the root of that school's Wagtail Site and its public home page."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    leaders_group = models.ForeignKey(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    office_group = models.ForeignKey(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    collection = models.ForeignKey(
        Collection,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    wiring_fields = ("leaders_group_id", "office_group_id", "collection_id")
    exclude_fields_in_copy = ["leaders_group", "office_group", "collection"]

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "class_pages.ClassIndexPage",
        "class_pages.SchoolStoryIndexPage",
        "class_pages.InformationPage",
        "class_pages.PolicyPage",
    ]
    template = "class_pages/school_page.html"

    class Meta:
        verbose_name = "school"

    @classmethod
    def for_page(cls, page):
        """The school a page belongs to (its depth-2 ancestor), or None."""
        if page.depth < SCHOOL_DEPTH:
            return None
        return cls.objects.filter(path=school_path(page.path)).first()

    # Deepest path below a school: classes/<class>/<post>/ (a few spare levels).
    max_route_depth = 6

    def route(self, request, path_components):
        """Find the page for a path below the school with one query for every page on
        the path (each must be live, as in Wagtail's own walk, which costs two queries a
        level) and one for the page itself. Anything unusual goes to Wagtail's walk."""
        if not path_components or len(path_components) > self.max_route_depth:
            return super().route(request, path_components)
        prefixes = [
            self.url_path + "".join(f"{part}/" for part in path_components[: n + 1])
            for n in range(len(path_components))
        ]
        on_path = {
            row.url_path: row
            for row in Page.objects.filter(below(self), url_path__in=prefixes).only(
                "id", "path", "depth", "url_path", "live", "content_type_id"
            )
        }
        if len(on_path) != len(prefixes) or not all(row.live for row in on_path.values()):
            return super().route(request, path_components)  # Wagtail answers 404 itself
        return RouteResult(on_path[prefixes[-1]].specific)

    def contact_page(self):
        """The school's "Contacting the school" page (a live public information page
        whose slug or title says "contact"), else the school's home page. Class pages are
        not a messaging service: this is where people are sent instead."""
        page = (
            InformationPage.objects.child_of(self)
            .live()
            .public()
            .filter(models.Q(slug__icontains="contact") | models.Q(title__icontains="contact"))
            .order_by("path")
            .first()
        )
        return page or self

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["information_pages"] = (
            Page.objects.child_of(self).live().public().type(InformationPage, PolicyPage)
        )
        return context


class InformationPage(Page):
    """A public page of the school: policies, how to contact the school."""

    body = RichTextField(features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["class_pages.SchoolPage"]
    subpage_types = []
    template = "class_pages/information_page.html"


class ClassIndexPage(Page):
    """ "Classes": carries a login view restriction so nothing below it is public."""

    max_count_per_parent = 1
    parent_page_types = ["class_pages.SchoolPage"]
    subpage_types = ["class_pages.ClassPage"]

    def serve(self, request, *args, **kwargs):
        return redirect("my_classes")


class FeedPageMixin(FeedCacheKeyMixin):
    """A page whose children are the posts (a class, the whole-school story): it shows
    their feed and owns the media library they draw from. The feed is fetched by the
    template's `story_feed` and `this_week` tags (class_pages_tags, from
    class_pages.site.feed) inside the cached fragment, so only a miss (see
    class_pages.caching.tokens) costs a feed query, and the model needs nothing from the
    site."""

    posts_per_page = 20

    def media_collection(self):
        """The collection whose media (and its descendants') posts here may use: the
        page's own, else (the whole-school story) the school's."""
        collection = getattr(self, "collection", None)
        if collection is None:
            school = SchoolPage.for_page(self)
            collection = school.collection if school is not None else None
        return collection

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["feed_page_number"] = cacheable_page_number(request)
        context["feed_cache_seconds"] = FRAGMENT_TIMEOUT
        context["today"] = timezone.localdate()  # "This week" changes at midnight
        return context


class ClassPage(FeedPageMixin, StaffWiringMixin, Page):
    """One class in one academic year, e.g. "Oak, 2026-27"."""

    class YearGroup(models.TextChoices):
        NURSERY = "N", "Nursery"
        RECEPTION = "R", "Reception"
        Y1 = "1", "Year 1"
        Y2 = "2", "Year 2"
        Y3 = "3", "Year 3"
        Y4 = "4", "Year 4"
        Y5 = "5", "Year 5"
        Y6 = "6", "Year 6"
        MIXED = "M", "Mixed years"

    class_name = models.CharField(max_length=100)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    academic_year = models.CharField(max_length=7, help_text="For example 2026-27.")
    welcome = models.TextField(blank=True, help_text="A short welcome shown to carers.")
    teachers_group = models.ForeignKey(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    collection = models.ForeignKey(
        Collection,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_until = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Last year's class: read-only, shown to its carers until this day.",
    )

    wiring_fields = ("teachers_group_id", "collection_id", "archived_until")
    exclude_fields_in_copy = ["teachers_group", "collection", "archived_until"]

    content_panels = [
        *Page.content_panels,
        FieldPanel("class_name"),
        FieldPanel("year_group"),
        FieldPanel("academic_year"),
        FieldPanel("welcome"),
    ]
    parent_page_types = ["class_pages.ClassIndexPage"]
    subpage_types = ["class_pages.StoryPostPage"]
    template = "class_pages/class_page.html"

    class Meta:
        verbose_name = "class"


class SchoolStoryIndexPage(FeedPageMixin, Page):
    """Whole-school celebrations, for every carer linked to the school."""

    max_count_per_parent = 1
    parent_page_types = ["class_pages.SchoolPage"]
    subpage_types = ["class_pages.StoryPostPage"]
    template = "class_pages/school_story_index_page.html"
