"""Models of class_pages, one module per concern, re-exported here."""

from .accounts import SignedInSession
from .calendar import CalendarFeed
from .consent import ConsentRecord, Medium, consent_map, current_consent
from .erasure import ErasureRecord
from .invitations import Invitation, NoContactRestriction
from .media import ClassImage, ClassMedia, ClassRendition, LiveImageUse, LiveMediaUse
from .pages import (
    ClassIndexPage,
    ClassPage,
    InformationPage,
    SchoolPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)
from .permissions import (
    AccessChange,
    ClassPageGroupObjectPermission,
    ClassPageUserObjectPermission,
)
from .policy import PolicyAcceptance, PolicyPage
from .register import CarerLink, Enrolment, Pupil
from .school_settings import SchoolSettings

__all__ = [
    "AccessChange",
    "CalendarFeed",
    "CarerLink",
    "ClassImage",
    "ClassIndexPage",
    "ClassMedia",
    "ClassPage",
    "ClassPageGroupObjectPermission",
    "ClassPageUserObjectPermission",
    "ClassRendition",
    "ConsentRecord",
    "Enrolment",
    "ErasureRecord",
    "InformationPage",
    "Invitation",
    "LiveImageUse",
    "LiveMediaUse",
    "Medium",
    "NoContactRestriction",
    "PolicyAcceptance",
    "PolicyPage",
    "Pupil",
    "SchoolPage",
    "SchoolSettings",
    "SchoolStoryIndexPage",
    "SignedInSession",
    "StoryPostPage",
    "consent_map",
    "current_consent",
]
