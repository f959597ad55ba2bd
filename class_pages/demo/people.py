"""The people of the demo school: the demo accounts (ACCOUNTS, each also reachable by
`<username>@demo.invalid`), and the register's story: three pupils, two of them with a
linked carer who consents, and Charlie, whose carer said no to photos on paper."""

from django.contrib.auth import get_user_model

from class_pages.factories import enrol, give_consent
from class_pages.models import CarerLink, ConsentRecord, Medium, Pupil
from class_pages.register.carer_links import link_carer

ACCOUNTS = {
    # username: (first name, last name)
    "leader": ("Lena", "Leader"),
    "office": ("Omar", "Office"),
    "teacher.oak": ("Tess", "Oakley"),
    "teacher.willow": ("Will", "Willowby"),
    "carer.oak": ("Carla", "Hassan"),
    "carer.willow": ("Chris", "Patel"),
}


def demo_accounts(password):
    """{username: user} for every demo account, active, with `password`."""
    return {username: _account(username, password) for username in ACCOUNTS}


def _account(username, password):
    first, last = ACCOUNTS[username]
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.invalid", "first_name": first, "last_name": last},
    )
    user.email = f"{username}@demo.invalid"
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def demo_pupils(school, users, oak, willow):
    """Amira (Oak, carer.oak), Charlie (Oak, no carer account, no photo consent) and Dev
    (Willow, carer.willow): enrolled, linked and with their consent recorded."""
    amira = _pupil(school, "Amira", "Hassan")
    charlie = _pupil(school, "Charlie", "Evans")  # no photo consent
    dev = _pupil(school, "Dev", "Patel")
    for pupil, class_page in ((amira, oak), (charlie, oak), (dev, willow)):
        enrol(pupil, class_page)
    for carer, pupil in ((users["carer.oak"], amira), (users["carer.willow"], dev)):
        # A rerun restores the demo story, even a link someone ended while trying it.
        CarerLink.objects.filter(carer=carer, pupil=pupil).exclude(status="active").delete()
        link_carer(carer, pupil, source="demo")
    _consent(amira, users["carer.oak"])
    _consent(dev, users["carer.willow"])
    _consent(charlie, users["office"], photo=False, method=ConsentRecord.Method.PAPER)
    return {"Amira": amira, "Charlie": charlie, "Dev": dev}


def _pupil(school, first, last):
    return Pupil.objects.get_or_create(school=school, first_name=first, last_name=last)[0]


def _consent(pupil, recorded_by, photo=True, method=ConsentRecord.Method.ONLINE):
    if pupil.consent_records.exists():
        return
    give_consent(pupil, (Medium.PARTICIPATION,), recorded_by=recorded_by, method=method)
    give_consent(
        pupil,
        (Medium.PHOTO, Medium.VIDEO, Medium.AUDIO),
        given=photo,
        recorded_by=recorded_by,
        method=method,
    )
