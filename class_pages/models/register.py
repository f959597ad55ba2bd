"""The pupil register: pupils (who never have accounts), their enrolments in classes and
the adults linked to them as carers. Carers' access to class pages is derived from these
rows by class_pages.access; nothing else grants it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.search import index

from class_pages.models.pages import SchoolPage


class PupilQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)

    def for_schools(self, schools):
        return self.filter(school__in=schools)


class Pupil(index.Indexed, models.Model):
    """A child on the school's roll. Pupils have no user account, ever."""

    school = models.ForeignKey(
        "class_pages.SchoolPage", on_delete=models.CASCADE, related_name="pupils"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(
        max_length=100, blank=True, help_text="The name the child is known by, if different."
    )
    upn = models.CharField(
        "UPN",
        max_length=13,
        blank=True,
        help_text="Unique pupil number from the school's MIS; identifies the pupil in imports.",
    )
    date_of_birth = models.DateField(null=True, blank=True)
    left_on = models.DateField(
        null=True, blank=True, help_text="Set when the pupil leaves the school."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PupilQuerySet.as_manager()

    search_fields = [
        index.SearchField("first_name"),
        index.SearchField("last_name"),
        index.AutocompleteField("first_name"),
        index.AutocompleteField("last_name"),
        index.FilterField("school"),
    ]

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "upn"],
                condition=~models.Q(upn=""),
                name="unique_upn_per_school",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self):
        """First name and initial: what staff see when tagging, no more than needed."""
        return f"{self.first_name} {self.last_name[:1]}."


class EnrolmentQuerySet(models.QuerySet):
    def current(self):
        today = timezone.localdate()
        return self.filter(
            models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=today),
            pupil__left_on__isnull=True,
        )


class Enrolment(models.Model):
    """A pupil in one class (one ClassPage is one class in one academic year)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    class_page = models.ForeignKey(
        "class_pages.ClassPage", on_delete=models.CASCADE, related_name="enrolments"
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "class_page"], name="unique_enrolment")
        ]
        ordering = ["class_page__title", "pupil__last_name", "pk"]

    def __str__(self):
        return f"{self.pupil} in {self.class_page}"

    def clean(self):
        if self.pupil_id and self.class_page_id:
            school = SchoolPage.for_page(self.class_page)
            if school is None or school.pk != self.pupil.school_id:
                raise ValidationError(
                    {"class_page": "The class must belong to the pupil's school."}
                )
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "The end date is before the start date."})


class CarerLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=CarerLink.Status.ACTIVE, carer__is_active=True)


class CarerLink(models.Model):
    """An adult with parental or care responsibility for a pupil."""

    class Relationship(models.TextChoices):
        PARENT = "parent", "Parent"
        STEP_PARENT = "step-parent", "Step-parent"
        GRANDPARENT = "grandparent", "Grandparent"
        FOSTER_CARER = "foster-carer", "Foster carer"
        GUARDIAN = "guardian", "Legal guardian"
        OTHER = "other", "Other carer"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"

    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carer_links"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="carer_links")
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.PARENT
    )

    class EndReason(models.TextChoices):
        VIOLATION = "violation", "Broke the class pages agreement"
        LEFT = "left", "Left the school"
        COURT_ORDER = "court-order", "Court order or safeguarding decision"
        REQUEST = "request", "The carer asked"
        OTHER = "other", "Other (see note)"

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    has_responsibility = models.BooleanField(
        "has parental or care responsibility",
        default=True,
        help_text="Only the answers of adults with parental or care responsibility count "
        "as the child's consent.",
    )
    end_reason = models.CharField(
        "reason",
        max_length=12,
        choices=EndReason.choices,
        blank=True,
        help_text="Required when the link is suspended or revoked.",
    )
    status_reason = models.CharField(
        max_length=255, blank=True, help_text="Why the link was suspended or revoked."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CarerLinkQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carer", "pupil"], name="unique_carer_link")]
        ordering = ["pupil__last_name", "carer__last_name", "pk"]

    def __str__(self):
        return f"{self.carer.get_full_name() or self.carer.get_username()} → {self.pupil}"

    def save(self, *args, **kwargs):
        # An active link gives a child's class pages to an adult: it is made only by
        # class_pages.register.carer_links.save_link(), which checks no-contact restrictions and
        # refuses to undo the school's suspension or revocation.
        through_gate = self.__dict__.pop("_through_carer_links", False)
        if self.status == self.Status.ACTIVE and not through_gate:
            raise RuntimeError(
                "An active carer link is saved only through "
                "class_pages.register.carer_links.save_link()"
            )
        super().save(*args, **kwargs)


class RegisterContact(models.Model):
    """A contact the school's MIS holds for a pupil (contact 1 or 2), as the register
    import records it: what later bulk invitations and printed letters are addressed to.
    It gives nobody access: only a redeemed invitation makes a carer link."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="register_contacts")
    slot = models.PositiveSmallIntegerField(choices=[(1, "Contact 1"), (2, "Contact 2")])
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    relationship = models.CharField(max_length=50, blank=True)
    has_responsibility = models.BooleanField("has parental responsibility", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "slot"], name="unique_register_contact")
        ]
        ordering = ["pupil", "slot"]

    def __str__(self):
        return f"Contact {self.slot} of {self.pupil}: {self.name or self.email}"
