"""Consent given for a limited time ends by itself: from the day after its `valid_until`
it counts as withdrawn (class_pages.models.consent), and `end_lapsed_consents()` makes
that true for live posts too, by sending the same `consent_withdrawn` signal a carer's
"no" sends (moderation takes the posts down, tells the teacher and leaders). Run daily
just after midnight (`manage.py end_lapsed_consents`, deploy/systemd timer); running it
again finds nothing more to do, since only live posts are taken down."""

from django.utils import timezone

from class_pages.models import ConsentRecord, Pupil, consent_map
from class_pages.signals import consent_withdrawn


def end_lapsed_consents(today=None):
    """Take down live posts of every pupil whose consent lapsed. Returns the
    [(pupil, medium)] whose consent is no longer in force because of a lapse."""
    today = today or timezone.localdate()
    lapsed = set(
        ConsentRecord.objects.filter(given=True, valid_until__lt=today).values_list(
            "pupil_id", "medium"
        )
    )
    if not lapsed:
        return []
    in_force = consent_map({pupil_id for pupil_id, _ in lapsed}, {m for _, m in lapsed}, today)
    ended = sorted(key for key in lapsed if not in_force[key])
    pupils = Pupil.objects.in_bulk({pupil_id for pupil_id, _ in ended})
    for pupil_id, medium in ended:
        consent_withdrawn.send(
            sender=ConsentRecord, pupil=pupils[pupil_id], medium=medium, record=None
        )
    return [(pupils[pupil_id], medium) for pupil_id, medium in ended]
