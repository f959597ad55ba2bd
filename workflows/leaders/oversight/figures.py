"""Leaders' oversight figures (policy 6.0: leaders monitor every class page at regular
intervals): for each class of the schools a leader leads, posts published in the last 7
and 30 days by kind, whether this ISO week's reminder went out, posts waiting for
approval, automatic rejections by finding code, and when a leader last reviewed the class
page.

Every figure comes from a fixed handful of aggregate queries over all the classes at once
(grouped by the class's page path), so the report costs the same number of queries for
3 classes as for 300."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.models import Page, TaskState

from class_pages.access.roles import classes_led_by
from class_pages.models import ClassPage, SchoolPage, StoryPostPage
from class_pages.tree import below, parent_path_sql, school_path
from workflows.leaders.gate import led_schools
from workflows.models import CheckTaskState, ClassReview, OversightSettings
from workflows.panels import posts_by_state

WEEKS = 12
RECENT_DAYS = (7, 30)
REJECTIONS_DAYS = 30
DEFAULT_INTERVAL = OversightSettings._meta.get_field("review_interval_days").default


def led_classes(user, schools=None):
    """Every class page of the given schools, by default the user's led schools (not
    classes they merely teach); every class for a superuser."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return ClassPage.objects.all()
    if schools is None:
        return classes_led_by(user)
    within = Q(pk__in=[])
    for school in schools:
        within |= below(school)
    return ClassPage.objects.filter(within)


# --- the figures -----------------------------------------------------------------------


@dataclass
class ClassFigures:
    class_page: ClassPage
    school: SchoolPage | None
    review_interval_days: int
    week_starts: list
    posts: dict = field(default_factory=dict)  # {7: Counter(kind), 30: Counter(kind)}
    weekly: list = field(default_factory=list)  # posts per week, oldest first
    reminder_this_week: bool = False
    waiting: int = 0
    oldest_waiting_since: datetime | None = None
    rejections: Counter = field(default_factory=Counter)  # finding code → rejections
    last_reviewed_at: datetime | None = None
    last_outcome: str = ""
    now: datetime | None = None
    chart: str = ""  # the SVG, set by the report view once the shared scale is known

    @property
    def oldest_waited(self):
        return self.now - self.oldest_waiting_since if self.oldest_waiting_since else None

    @property
    def oldest_waited_label(self):
        waited = self.oldest_waited
        if waited is None:
            return ""
        days, hours = waited.days, waited.seconds // 3600
        if days:
            return f"{days} day{'s' if days != 1 else ''}, {hours} h"
        return f"{hours} h" if hours else "under an hour"

    @property
    def days_since_review(self):
        """Whole days (24-hour periods) since the latest review, or None if never."""
        if self.last_reviewed_at is None:
            return None
        return (self.now - self.last_reviewed_at).days

    @property
    def review_overdue(self):
        days = self.days_since_review
        return days is None or days > self.review_interval_days

    @property
    def last_outcome_label(self):
        return ClassReview.Outcome(self.last_outcome).label if self.last_outcome else ""

    def posts_by_kind(self, days):
        """[(label, count)] for every kind, in the order of StoryPostPage.Kind."""
        counts = self.posts[days]
        return [(kind.label, counts[kind.value]) for kind in StoryPostPage.Kind]

    def total(self, days):
        return sum(self.posts[days].values())

    @property
    def total_7(self):
        return self.total(7)

    @property
    def total_30(self):
        return self.total(30)

    @property
    def kinds_7(self):
        return [(label, count) for label, count in self.posts_by_kind(7) if count]

    @property
    def kinds_30(self):
        return [(label, count) for label, count in self.posts_by_kind(30) if count]

    @property
    def rejection_codes(self):
        return sorted(self.rejections.items(), key=lambda item: (-item[1], item[0]))


def iso_week_starts(now, weeks=WEEKS):
    """Local Mondays 00:00 starting the last `weeks` ISO weeks (the current one last),
    followed by next Monday, so bucket i is [starts[i], starts[i+1])."""
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=today.weekday())
    return [
        timezone.make_aware(datetime.combine(monday + timedelta(weeks=offset), time.min))
        for offset in range(-(weeks - 1), 2)
    ]


def review_intervals(schools):
    """{school_pk: review_interval_days} from each school's OversightSettings (the setting
    of the Site whose root is the school), in one query; the field's default where a
    school has no site or no saved setting. A school with several sites takes the
    strictest (shortest) interval."""
    intervals = {}
    for row in OversightSettings.objects.filter(site__root_page__in=[s.pk for s in schools]).values(
        "site__root_page_id", "review_interval_days"
    ):
        school_pk = row["site__root_page_id"]
        intervals[school_pk] = min(
            row["review_interval_days"], intervals.get(school_pk, row["review_interval_days"])
        )
    return {school.pk: intervals.get(school.pk, DEFAULT_INTERVAL) for school in schools}


def _published_counts(class_paths, now, starts):
    """{class_path: {kind: {"7": n, "30": n, "weeks": [n]*WEEKS}}}: one aggregate query
    over the live posts of all the classes, grouped by class path and kind."""
    windows = {
        f"last_{days}": Count("pk", filter=Q(first_published_at__gte=now - timedelta(days=days)))
        for days in RECENT_DAYS
    }
    weeks = {
        f"week_{i}": Count(
            "pk", filter=Q(first_published_at__gte=starts[i], first_published_at__lt=starts[i + 1])
        )
        for i in range(WEEKS)
    }
    since = min(starts[0], now - timedelta(days=max(RECENT_DAYS)))
    rows = (
        StoryPostPage.objects.filter(live=True, first_published_at__gte=since)
        .annotate(class_path=parent_path_sql())
        .filter(class_path__in=class_paths)
        .order_by()
        .values("class_path", "kind")
        .annotate(**windows, **weeks)
    )
    result = {}
    for row in rows:
        result.setdefault(row["class_path"], {})[row["kind"]] = {
            **{days: row[f"last_{days}"] for days in RECENT_DAYS},
            "weeks": [row[f"week_{i}"] for i in range(WEEKS)],
        }
    return result


def _rejections(class_paths, now):
    """{class_path: Counter(code)}: automatic checks that rejected a post of one of the
    classes in the last 30 days, each blocking finding code counted once per rejection."""
    # WorkflowState.object_id is text; the cast is safe because only pages' states
    # (base content type wagtailcore.page, always integer ids) get this far.
    post_path = Page.objects.filter(
        pk=Cast(OuterRef("workflow_state__object_id"), output_field=IntegerField())
    ).values("path")[:1]
    rows = (
        CheckTaskState.objects.filter(
            status=TaskState.STATUS_REJECTED,
            finished_at__gte=now - timedelta(days=REJECTIONS_DAYS),
            workflow_state__base_content_type__app_label="wagtailcore",
            workflow_state__base_content_type__model="page",
        )
        .annotate(post_path=Subquery(post_path))
        .annotate(class_path=parent_path_sql("post_path"))
        .filter(class_path__in=class_paths)
        .order_by()
        .values_list("class_path", "findings")
    )
    result = {}
    for class_path, findings in rows:
        codes = {item.get("code", "") for item in findings or () if item.get("blocking", True)}
        result.setdefault(class_path, Counter()).update(codes)
    return result


def class_figures(user, now=None, schools=None):
    """ClassFigures for every class the user leads (or of the given schools), ordered by
    school then class title. A fixed number of queries, whatever the number of classes."""
    now = now or timezone.now()
    starts = iso_week_starts(now)
    schools = list(led_schools(user) if schools is None else schools)
    by_school_path = {school.path: school for school in schools}
    latest_review = ClassReview.objects.filter(class_page=OuterRef("pk")).order_by(
        "-reviewed_at", "-pk"
    )
    classes_qs = led_classes(user, schools)
    classes = list(
        classes_qs.annotate(
            last_reviewed_at=Subquery(latest_review.values("reviewed_at")[:1]),
            last_outcome=Subquery(latest_review.values("outcome")[:1]),
        )
    )
    if not classes:
        return []
    intervals = review_intervals(schools)
    class_paths = classes_qs.values("path")
    published = _published_counts(class_paths, now, starts)
    rejections = _rejections(class_paths, now)
    states = posts_by_state(classes)

    figures = []
    for class_page in classes:
        school = by_school_path.get(school_path(class_page.path))
        counts = published.get(class_page.path, {})
        by_kind = {
            days: Counter({kind: c[days] for kind, c in counts.items() if c[days]})
            for days in RECENT_DAYS
        }
        weekly = [sum(c["weeks"][i] for c in counts.values()) for i in range(WEEKS)]
        reminder = counts.get(StoryPostPage.Kind.REMINDER, {"weeks": [0] * WEEKS})
        state = states[class_page.pk]
        figures.append(
            ClassFigures(
                class_page=class_page,
                school=school,
                review_interval_days=intervals.get(school.pk, DEFAULT_INTERVAL)
                if school
                else DEFAULT_INTERVAL,
                week_starts=starts[:WEEKS],
                posts=by_kind,
                weekly=weekly,
                reminder_this_week=reminder["weeks"][-1] > 0,
                waiting=state["counts"]["in_moderation"],
                oldest_waiting_since=state["oldest_waiting"],
                rejections=rejections.get(class_page.path, Counter()),
                last_reviewed_at=class_page.last_reviewed_at,
                last_outcome=class_page.last_outcome or "",
                now=now,
            )
        )
    figures.sort(
        key=lambda f: (f.school.title if f.school else "", f.class_page.title, f.class_page.pk)
    )
    return figures
