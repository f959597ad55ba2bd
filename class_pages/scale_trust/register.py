"""The register of one class of the scale trust, in bulk: pupils with every consent
given, their enrolments, one carer each (sharing one password hash computed once), the
carer links, and the `view_classpage` grants (with their log) that sync_carer_access()
would derive from them (the test checks that rebuilding access from the register
changes nothing)."""

from django.contrib.auth import get_user_model

from class_pages.models import (
    AccessChange,
    CarerLink,
    ClassPageUserObjectPermission,
    ConsentRecord,
    Enrolment,
    Medium,
    Pupil,
)


def class_register(school, class_page, count, names, surname, password, view_permission):
    """(pupils, carers) of the class: `count` of each, carers named `<names>.<n>`."""
    pupils = Pupil.objects.bulk_create(
        [
            Pupil(school=school, first_name=f"Pupil{n}", last_name=surname)
            for n in range(1, count + 1)
        ]
    )
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(pupil=pupil, medium=medium, given=True)
            for pupil in pupils
            for medium in (Medium.PARTICIPATION, Medium.PHOTO, Medium.VIDEO, Medium.AUDIO)
        ]
    )
    Enrolment.objects.bulk_create(
        [Enrolment(pupil=pupil, class_page=class_page) for pupil in pupils]
    )
    User = get_user_model()
    carers = User.objects.bulk_create(
        [
            User(
                username=f"{names}.{n}",
                email=f"{names}.{n}@scale.invalid",
                first_name="Carer",
                last_name=f"{surname}N{n}",
                password=password,
            )
            for n in range(1, count + 1)
        ]
    )
    # In bulk, around carer_links.save_link(): new pupils of a new school have no
    # no-contact restriction and no ended link, which is all that gate checks.
    CarerLink.objects.bulk_create(
        [CarerLink(carer=carer, pupil=pupil) for carer, pupil in zip(carers, pupils, strict=True)]
    )
    # Exactly the grants (and their log) sync_carer_access() derives from the above.
    ClassPageUserObjectPermission.objects.bulk_create(
        [
            ClassPageUserObjectPermission(
                user=carer, permission=view_permission, content_object=class_page
            )
            for carer in carers
        ]
    )
    AccessChange.objects.bulk_create(
        [
            AccessChange(
                carer=carer,
                class_page=class_page,
                change=AccessChange.Change.GRANTED,
                reason="seed_scale",
            )
            for carer in carers
        ]
    )
    return pupils, carers
