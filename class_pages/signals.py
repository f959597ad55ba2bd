"""Signals that class_pages sends so that other apps (moderation) can react without
class_pages importing them."""

from django.dispatch import Signal

# Sent with `school=SchoolPage` whenever a school, its class index or its story index
# is created: the moderation app makes sure the school's workflow exists and applies.
school_structure_changed = Signal()
