"""The oversight report's small chart: posts per week of a class as an accessible inline
SVG (drawn on the server, no script), on a scale several charts can share."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join

BAR_WIDTH, BAR_GAP, CHART_HEIGHT, LABEL_HEIGHT = 10, 3, 36, 2


def weekly_chart_svg(name, week_starts, counts, top=None, chart_id="chart"):
    """An accessible inline SVG bar chart of posts per week (oldest first): role="img",
    an aria-label that reads out every figure, and <title>/<desc>; each bar has its own
    <title> for a tooltip. `top` fixes the scale so several charts compare."""
    top = max(top or 0, *counts, 1)
    width = len(counts) * (BAR_WIDTH + BAR_GAP) - BAR_GAP
    height = CHART_HEIGHT + LABEL_HEIGHT
    total = sum(counts)
    weeks = [
        (f"week of {timezone.localtime(start).day} {timezone.localtime(start):%b}", count)
        for start, count in zip(week_starts, counts, strict=True)
    ]
    summary = (
        f"{name}: {total} post{'s' if total != 1 else ''} in the last {len(counts)} weeks; "
        "per week, oldest first: " + ", ".join(str(count) for _, count in weeks)
    )
    desc = "; ".join(f"{label}: {count}" for label, count in weeks)
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" rx="1"><title>{}</title></rect>',
        (
            (
                i * (BAR_WIDTH + BAR_GAP),
                CHART_HEIGHT - round(CHART_HEIGHT * count / top),
                BAR_WIDTH,
                round(CHART_HEIGHT * count / top),
                f"{label[0].upper()}{label[1:]}: {count} post{'s' if count != 1 else ''}",
            )
            for i, (label, count) in enumerate(weeks)
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="oversight-chart" role="img" '
        'aria-label="{summary}" aria-describedby="{id}-desc" width="{width}" height="{height}" '
        'viewBox="0 0 {width} {height}" fill="currentColor">'
        '<title id="{id}-title">Posts per week: {name}</title>'
        '<desc id="{id}-desc">{desc}. Scale: the tallest bar is {top} post{top_s}.</desc>'
        "{bars}"
        '<rect x="0" y="{baseline}" width="{width}" height="{label_height}" opacity="0.4"/>'
        "</svg>",
        summary=summary,
        id=chart_id,
        width=width,
        height=height,
        name=name,
        desc=desc,
        top=top,
        top_s="s" if top != 1 else "",
        bars=bars,
        baseline=CHART_HEIGHT,
        label_height=LABEL_HEIGHT,
    )


def chart_for(figures, top=None):
    return weekly_chart_svg(
        figures.class_page.title,
        figures.week_starts,
        figures.weekly,
        top=top,
        chart_id=f"class-{figures.class_page.pk}-chart",
    )
