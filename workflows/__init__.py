"""Moderation: each school's approval workflow, its automatic checks, the finish action,
notifications and leaders' oversight."""
