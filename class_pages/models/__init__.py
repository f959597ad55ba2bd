"""Models of class_pages, one module per concern, re-exported here."""

from .consent import ConsentRecord, Medium, consent_map, current_consent
from .media import ClassImage, ClassRendition, LiveImageUse
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
from .register import CarerLink, Enrolment, Pupil

__all__ = [
    "AccessChange",
    "CarerLink",
    "ClassImage",
    "ClassIndexPage",
    "ClassPage",
    "ClassPageGroupObjectPermission",
    "ClassPageUserObjectPermission",
    "ClassRendition",
    "ConsentRecord",
    "Enrolment",
    "InformationPage",
    "LiveImageUse",
    "Medium",
    "Pupil",
    "SchoolPage",
    "SchoolStoryIndexPage",
    "StoryPostPage",
    "consent_map",
    "current_consent",
]
