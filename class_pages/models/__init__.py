"""Models of class_pages, one module per concern, re-exported here."""

from class_pages.models.accounts import SignedInSession
from class_pages.models.agreements import PolicyAcceptance, PolicyPage
from class_pages.models.calendar import CalendarFeed
from class_pages.models.consent import ConsentRecord, Medium, consent_map, current_consent
from class_pages.models.erasure import ErasureRecord
from class_pages.models.invitations import Invitation, NoContactRestriction
from class_pages.models.media import (
    ClassImage,
    ClassMedia,
    ClassRendition,
    LiveImageUse,
    LiveMediaUse,
)
from class_pages.models.pages import (
    ClassIndexPage,
    ClassPage,
    InformationPage,
    SchoolPage,
    SchoolStoryIndexPage,
)
from class_pages.models.permissions import (
    AccessChange,
    ClassPageGroupObjectPermission,
    ClassPageUserObjectPermission,
)
from class_pages.models.posts import StoryPostPage
from class_pages.models.register import CarerLink, Enrolment, Pupil, RegisterContact
from class_pages.models.school_settings import SchoolSettings

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
    "RegisterContact",
    "SchoolPage",
    "SchoolSettings",
    "SchoolStoryIndexPage",
    "SignedInSession",
    "StoryPostPage",
    "consent_map",
    "current_consent",
]
