"""Leaders' monitoring reviews of class pages (policy 6.0): record one from the oversight
report (outcome and notes), see a class's review history, and export every review of the
leader's schools as CSV for governors and inspectors. Routed, behind the leaders' gate,
by the oversight tool (views.OversightViewSet)."""

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from wagtail.admin import messages

from class_pages.http import private_response
from class_pages.tree import school_path
from workflows.leaders.export import csv_download
from workflows.leaders.gate import led_schools
from workflows.leaders.oversight.figures import led_classes
from workflows.models import ClassReview


class ReviewForm(forms.ModelForm):
    # Declared so the radio buttons offer no blank "---------" choice.
    outcome = forms.ChoiceField(choices=ClassReview.Outcome.choices, widget=forms.RadioSelect)

    class Meta:
        model = ClassReview
        fields = ["outcome", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "notes": "What you looked at and anything to follow up. Staff only; "
            "carers never see it.",
        }


def reviewer_name(user):
    if user is None:
        return "(account removed)"
    return user.get_full_name() or user.get_username()


@require_http_methods(["GET", "HEAD", "POST"])
def record_review(request, class_pk):
    """A leader marks a class page reviewed; the class's history below the form."""
    class_page = get_object_or_404(led_classes(request.user), pk=class_pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = form.save(commit=False)
        review.class_page = class_page
        review.reviewer = request.user
        review.save()
        messages.success(
            request, f"Review of {class_page.title} recorded: {review.get_outcome_display()}."
        )
        return redirect(f"{reverse('workflows_oversight')}#class-{class_page.pk}")
    history = [
        {
            "reviewed_at": review.reviewed_at,
            "reviewer": reviewer_name(review.reviewer),
            "outcome": review.get_outcome_display(),
            "follow_up": review.outcome == ClassReview.Outcome.FOLLOW_UP,
            "notes": review.notes,
        }
        for review in class_page.reviews.select_related("reviewer")
    ]
    context = {
        "class_page": class_page,
        "form": form,
        "history": history,
        "header_title": f"Review {class_page.title}",
        "header_icon": "view",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("workflows_oversight"), "label": "Oversight"},
            {"url": "", "label": class_page.title},
        ],
    }
    return private_response(TemplateResponse(request, "workflows/dashboard/review.html", context))


@require_safe
def reviews_csv(request):
    """Every review of every class of the leader's schools (superuser: all schools)."""
    schools = {school.path: school.title for school in led_schools(request.user)}
    reviews = ClassReview.objects.filter(
        class_page__in=led_classes(request.user).values("pk")
    ).select_related("class_page", "reviewer")
    rows = sorted(
        (
            (
                schools.get(school_path(review.class_page.path), ""),
                review.class_page.title,
                review,
            )
            for review in reviews
        ),
        key=lambda row: (row[0], row[1], -row[2].reviewed_at.timestamp(), -row[2].pk),
    )
    return csv_download(
        request,
        what="class_reviews_csv",
        filename="class-reviews.csv",
        header=["school", "class", "reviewed_at", "reviewer", "outcome", "notes"],
        rows=(
            (
                school,
                class_title,
                timezone.localtime(review.reviewed_at).isoformat(),
                reviewer_name(review.reviewer),
                review.get_outcome_display(),
                review.notes,
            )
            for school, class_title, review in rows
        ),
    )
