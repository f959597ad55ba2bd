"""The independent oracle of the state-machine test (test_state_machine.py): a small model
of the register, consent and posts in plain Python, written from the school's policy and
DESIGN.md ("Who may see what", "Moderation workflow", "Media privacy"), never by calling
the application's own decision functions (class_pages.access, carer_links, consent_map).

The machine updates it in each rule from what the rule did and what the policy says
should follow; the invariants compare the application with what it derives:

* a carer sees a class while their account is active, their link to a child is active
  and that child is enrolled in the class now (not ended, not left the school);
* a link is never active for an adult matching a no-contact restriction of the child
  (full name, username or e-mail, ignoring case and spaces), and a link the school ended
  comes back only when a leader of the child's school restores it with a reason;
* consent: each adult with parental responsibility has one current answer (their
  latest); a school record (paper, or made by nobody) replaces every answer before it;
  the child may appear only if some current answer is yes and none is no; a yes past
  its last day is a no. A no after which consent is not in force takes every live post
  showing the child down at once, and so does the daily job for consent that lapsed;
* a post goes live only through the leaders' approval, and only if then every photo is
  from the post's own class, shows only current pupils of that class, each with consent
  to take part and to be photographed (or carries the "no pupil is identifiable"
  statement); carers see a live post of a class they see, and a photo only through such
  a post;
* deleting a post deletes the photos only it used, of its own class, and nothing else.

Nothing here touches the database: keys are short strings ("oak_carer", "Oak") and ids."""

from dataclasses import dataclass, field
from datetime import timedelta

SCHOOL = "school"  # the voice of a school consent record
PHOTO_MEDIA = ("participation", "photo")  # what a photo needs, and what a photo no covers


def folded(value):
    return " ".join((value or "").casefold().split())


@dataclass
class Account:
    username: str
    email: str
    full_name: str
    exists: bool = True
    active: bool = True

    def identities(self):
        return {folded(self.full_name), folded(self.username)} - {""}


@dataclass
class Link:
    status: str = "active"  # active / suspended / revoked
    responsible: bool = True
    reinstated: bool = False  # a leader restored it with a reason after the school ended it


@dataclass
class Restriction:
    name: str = ""
    email: str = ""

    def matches(self, account):
        by_email = bool(self.email) and folded(self.email) == folded(account.email)
        by_name = bool(self.name) and folded(self.name) in account.identities()
        return by_email or by_name

    def matches_invitation(self, adult_name, email):
        by_email = bool(self.email) and folded(self.email) == folded(email)
        return by_email or (bool(self.name) and folded(self.name) == folded(adult_name))


@dataclass
class Consent:
    voice: str  # SCHOOL or an adult's key
    given: bool
    valid_until: object = None  # a date or None

    def yes_on(self, today):
        return self.given and (self.valid_until is None or self.valid_until >= today)


@dataclass
class Image:
    class_name: str  # the class whose collection holds it
    pupils: frozenset = frozenset()
    statement: bool = False  # "no pupil is identifiable"
    exists: bool = True


@dataclass
class Post:
    class_name: str
    images: tuple  # image ids of its latest version
    ever: set = field(default_factory=set)  # image ids of every version
    status: str = "draft"  # draft / waiting / live / down / deleted
    world: bool = False
    stored: bool = False  # made with its stream as stored, not through the form


@dataclass
class Invited:
    """An invitation the office issued."""

    pupil: str
    adult: str  # the adult it was issued to (their address)
    adult_name: str
    status: str = "waiting"  # waiting / used / revoked


@dataclass
class Staff:
    school: str
    classes: frozenset = frozenset()  # classes they teach
    leader: bool = False


class Oracle:
    def __init__(self, today, class_school, pupil_school):
        self.today = today
        self.class_school = dict(class_school)  # class name -> school key
        self.pupil_school = dict(pupil_school)  # pupil key -> school key
        self.accounts = {}  # adult key -> Account
        self.staff = {}  # person key -> Staff
        self.links = {}  # (adult, pupil) -> Link
        self.restrictions = {}  # pupil -> [Restriction]
        self.enrolments = {}  # (pupil, class) -> ended_on (None: open)
        self.left = set()  # pupils who left the school
        self.consents = {}  # (pupil, medium) -> [Consent], oldest first
        self.images = {}  # id -> Image
        self.posts = {}  # id -> Post
        self.invitations = {}  # id -> Invited

    # --- the register ------------------------------------------------------------

    def kept_out(self, adult, pupil):
        account = self.accounts[adult]
        return any(r.matches(account) for r in self.restrictions.get(pupil, ()))

    def ended_by_school(self, adult, pupil):
        link = self.links.get((adult, pupil))
        return link is not None and link.status != "active"

    def may_activate(self, adult, pupil, by=None, reason=""):
        """None if a link may be made active now, else why not ("no-contact", "ended")."""
        if self.kept_out(adult, pupil):
            return "no-contact"
        if self.ended_by_school(adult, pupil):
            staff = self.staff.get(by)
            is_leader = staff is not None and staff.leader
            if not (is_leader and staff.school == self.pupil_school[pupil] and reason.strip()):
                return "ended"
        return None

    def activate(self, adult, pupil, responsible=None, reinstated=False):
        """Returns the posts taken down because an answer of this adult now counts."""
        new = (adult, pupil) not in self.links
        link = self.links.setdefault((adult, pupil), Link())
        was_responsible = link.responsible and not new
        link.status = "active"
        link.reinstated = link.reinstated or reinstated
        if responsible is not None:
            link.responsible = responsible
        # From now on this adult's answers count: a "no" they gave may now stand.
        if link.responsible and not was_responsible and not self.may_be_photographed(pupil):
            return self.take_down_showing(pupil)
        return []

    def end_link(self, adult, pupil, status):
        link = self.links[(adult, pupil)]
        link.status, link.reinstated = status, False

    def record_restriction(self, pupil, name="", email=""):
        """A no-contact restriction ends every matching active link of the child at once.
        Returns the adults whose links it ended."""
        restriction = Restriction(name=name, email=email)
        self.restrictions.setdefault(pupil, []).append(restriction)
        ended = []
        for (adult, linked_pupil), link in self.links.items():
            if linked_pupil == pupil and link.status == "active":
                if restriction.matches(self.accounts[adult]):
                    self.end_link(adult, pupil, "revoked")
                    ended.append(adult)
        return ended

    def enrolled(self, pupil, class_name):
        if pupil in self.left or (pupil, class_name) not in self.enrolments:
            return False
        ended_on = self.enrolments[(pupil, class_name)]
        return ended_on is None or ended_on >= self.today

    # --- consent -----------------------------------------------------------------

    def responsible(self, adult, pupil):
        link = self.links.get((adult, pupil))
        return link is not None and link.responsible

    def current_answers(self, pupil, medium):
        """The answers in force: the school's latest record, then the latest answer of
        each adult with parental responsibility given after it."""
        records = self.consents.get((pupil, medium), [])
        school_at = max((i for i, r in enumerate(records) if r.voice == SCHOOL), default=-1)
        answers = {SCHOOL: records[school_at]} if school_at >= 0 else {}
        for record in records[school_at + 1 :]:
            if record.voice != SCHOOL and self.responsible(record.voice, pupil):
                answers[record.voice] = record
        return answers

    def in_force(self, pupil, medium):
        answers = self.current_answers(pupil, medium).values()
        return bool(answers) and all(answer.yes_on(self.today) for answer in answers)

    def may_be_photographed(self, pupil):
        return all(self.in_force(pupil, medium) for medium in PHOTO_MEDIA)

    def record_consent(self, pupil, medium, voice, given, valid_until=None):
        """Returns the posts a "no" takes down."""
        self.consents.setdefault((pupil, medium), []).append(Consent(voice, given, valid_until))
        if given or medium not in PHOTO_MEDIA or self.in_force(pupil, medium):
            return []
        return self.take_down_showing(pupil)

    def take_down_showing(self, pupil):
        down = []
        for post_id, post in self.posts.items():
            if post.status == "live" and pupil in self.pupils_shown(post):
                post.status = "down"
                down.append(post_id)
        return down

    def a_day_passes(self):
        """Tomorrow, after the daily job: every live post showing a child whose consent
        lapsed is down. Returns those posts."""
        self.today += timedelta(days=1)
        down = []
        for post_id, post in self.posts.items():
            if post.status == "live" and not all(
                self.may_be_photographed(pupil) for pupil in self.pupils_shown(post)
            ):
                post.status = "down"
                down.append(post_id)
        return down

    # --- posts and photos --------------------------------------------------------

    def own_images(self, post):
        """The images of the post that it may show: those of its own class."""
        return [
            pk
            for pk in post.images
            if self.images[pk].exists and self.images[pk].class_name == post.class_name
        ]

    def pupils_shown(self, post):
        return {pupil for pk in self.own_images(post) for pupil in self.images[pk].pupils}

    def form_accepts(self, class_name, image_ids):
        """The post form takes only existing photos of the post's own class."""
        return all(
            pk in self.images
            and self.images[pk].exists
            and self.images[pk].class_name == class_name
            for pk in image_ids
        )

    def consent_check_passes(self, post):
        """What the consent check and the leaders' approval must both require."""
        if not self.form_accepts(post.class_name, post.images):
            return False
        for pk in post.images:
            image = self.images[pk]
            if not image.pupils and not image.statement:
                return False
            for pupil in image.pupils:
                if not self.enrolled(pupil, post.class_name):
                    return False
                if not self.may_be_photographed(pupil):
                    return False
        return True

    def delete_post(self, post_id):
        """Returns the image ids the deletion must remove: those any version of the post
        used, of its own class, that no other post (any version) uses."""
        post = self.posts[post_id]
        post.status = "deleted"
        used_elsewhere = {
            pk
            for other_id, other in self.posts.items()
            if other_id != post_id and other.status != "deleted"
            for pk in other.ever
        }
        doomed = {
            pk
            for pk in post.ever
            if self.images[pk].exists
            and self.images[pk].class_name == post.class_name
            and pk not in used_elsewhere
        }
        for pk in doomed:
            self.images[pk].exists = False
        return doomed

    # --- who may fetch what ------------------------------------------------------

    def sees_class(self, person, class_name):
        staff = self.staff.get(person)
        if staff is not None:
            return class_name in staff.classes or (
                staff.leader and staff.school == self.class_school[class_name]
            )
        account = self.accounts[person]
        if not (account.exists and account.active):
            return False
        return any(
            link.status == "active" and self.enrolled(pupil, class_name)
            for (adult, pupil), link in self.links.items()
            if adult == person
        )

    def sees_post(self, person, post_id):
        post = self.posts[post_id]
        if post.status != "live" or not self.sees_class(person, post.class_name):
            return False
        if person in self.staff:
            return True
        # Carers: only while every child shown may still appear (consent now).
        return all(self.may_be_photographed(pupil) for pupil in self.pupils_shown(post))

    def sees_photo(self, person, image_id):
        image = self.images[image_id]
        if not image.exists:
            return False
        staff = self.staff.get(person)
        if staff is not None:
            # Staff reach their own collections' media: a class's teachers its class's,
            # the leaders every class's of their school.
            return image.class_name in staff.classes or (
                staff.leader and staff.school == self.class_school[image.class_name]
            )
        return any(
            image_id in self.own_images(post) and self.sees_post(person, post_id)
            for post_id, post in self.posts.items()
        )

    def signed_in(self, person):
        """Whether the person's browser is still signed in (a disabled account is signed
        out everywhere: it is sent to sign in, not answered 404)."""
        if person in self.staff:
            return True
        account = self.accounts[person]
        return account.exists and account.active
