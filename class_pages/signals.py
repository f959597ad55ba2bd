"""Signals that class_pages sends so that other apps (moderation) can react without
class_pages importing them."""

from django.dispatch import Signal

# Sent with `school=SchoolPage` whenever a school, its class index or its story index
# is created: the moderation app makes sure the school's workflow exists and applies.
school_structure_changed = Signal()

# Sent with `pupil=Pupil, medium=Medium value, record=ConsentRecord` when a consent that
# was in force is withdrawn: moderation takes down every live post showing the pupil.
consent_withdrawn = Signal()
