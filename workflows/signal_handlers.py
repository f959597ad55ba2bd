"""Reactions to class_pages' signals: a new school or index gets the school's workflow."""

from class_pages.signals import school_structure_changed

from .school_workflow import ensure_school_workflow


def school_changed(sender, school, **kwargs):
    ensure_school_workflow(school)


def register():
    school_structure_changed.connect(school_changed, dispatch_uid="wf_school_changed")
