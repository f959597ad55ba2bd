"""The models of the workflows app, gathered where Django looks for them (app.models):
the moderation rules setting (rules.py), the workflow's tasks and their task state
(tasks.py), carers' notification choices and sends (notifications.py), and the records
the leaders' tools keep: monitoring reviews, concern reports and the review interval
(oversight.py), and removals of access (access_removal.py)."""

from workflows.models.access_removal import AccessRemoval
from workflows.models.notifications import NotificationPreference, SentNotification
from workflows.models.oversight import ClassReview, ConcernReport, OversightSettings
from workflows.models.rules import ModerationRules
from workflows.models.tasks import (
    AppropriatenessCheckTask,
    AutomaticCheckTask,
    CheckTaskState,
    ConsentCheckTask,
    LeadersApprovalTask,
)

__all__ = [
    "AccessRemoval",
    "AppropriatenessCheckTask",
    "AutomaticCheckTask",
    "CheckTaskState",
    "ClassReview",
    "ConcernReport",
    "ConsentCheckTask",
    "LeadersApprovalTask",
    "ModerationRules",
    "NotificationPreference",
    "OversightSettings",
    "SentNotification",
]
