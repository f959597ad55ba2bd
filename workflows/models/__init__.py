"""The models of the workflows app, gathered where Django looks for them (app.models):
the moderation rules setting (rules.py), the workflow's tasks and their task state
(tasks.py), carers' notification choices and sends (notifications.py), and the leaders'
oversight and access-removal records, which stay beside their helpers."""

from workflows.access_removal import AccessRemoval
from workflows.models.notifications import NotificationPreference, SentNotification
from workflows.models.rules import ModerationRules
from workflows.models.tasks import (
    AppropriatenessCheckTask,
    AutomaticCheckTask,
    CheckTaskState,
    ConsentCheckTask,
    LeadersApprovalTask,
)
from workflows.oversight import ClassReview, ConcernReport, OversightSettings

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
