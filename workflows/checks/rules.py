"""The shipped default rules of the appropriateness check. Each school adds to them (and
makes exceptions) in its ModerationRules settings."""

from dataclasses import dataclass, field

# Kept short and unambiguous on purpose: whole-word matches only, so "Scunthorpe",
# "class" or "assess" never trip them. Disguises are matched too (workflows.checks.
# appropriateness.words): "sh1t", "f**k", "s h i t", "fuuuck".
OFFENSIVE_WORDS = (
    "arse",
    "arsehole",
    "ass",
    "asshole",
    "bastard",
    "bitch",
    "bollocks",
    "bullshit",
    "crap",
    "cunt",
    "damn",
    "dickhead",
    "fuck",
    "fucking",
    "fucker",
    "motherfucker",
    "piss",
    "pissed",
    "prick",
    "shit",
    "shitty",
    "slag",
    "slut",
    "twat",
    "wanker",
    "whore",
    "retard",
    "retarded",
    "spastic",
    "spaz",
    "mong",
    "faggot",
    "fag",
    "dyke",
    "tranny",
    "paki",
    "nigger",
    "nigga",
    "chink",
    "gook",
    "kike",
    "wog",
    "gyppo",
    "pikey",
    "coon",
    "stupid",
    "idiot",
    "fatso",
)

# Ordinary phrases of a primary school's topics that contain a listed word; removed
# before the offensive words are looked for (lower case, straight apostrophes).
INNOCENT_PHRASES = (
    "offa's dyke",
    "offas dyke",
    "slag heap",
    "prick holes",
    "prick a hole",
    "prick the",
    "chink of light",
)

# Talk of one child's private matters belongs in a conversation with their family,
# never on a class page.
INDIVIDUAL_MATTERS = (
    "behaviour incident",
    "behavior incident",
    "incident report",
    "detention",
    "excluded",
    "exclusion",
    "isolation room",
    "sanction",
    "medical",
    "medication",
    "inhaler",
    "epipen",
    "allergy",
    "allergic",
    "diagnosis",
    "diagnosed",
    "injury",
    "injured",
    "head bump",
    "nosebleed",
    "senco",
    "ehcp",
    "iep",
    "special educational needs",
    "autism",
    "autistic",
    "adhd",
    "dyslexia",
    "dyslexic",
    "speech therapy",
    "social worker",
    "safeguarding",
    "child protection",
    "free school meals",
    "pupil premium",
    "looked-after child",
    "custody",
    "court order",
)
# "send" is an everyday verb; only the capitalised acronym is a finding.
CASE_SENSITIVE_MATTERS = ("SEN", "SEND")

ALLOWED_LINK_DOMAINS = (
    "bbc.co.uk",
    "gov.uk",
    "nhs.uk",
    "sch.uk",
    "ac.uk",
    "nationalgeographic.com",
    "natgeokids.com",
    "oxfordowl.co.uk",
    "topmarks.co.uk",
    "ttrockstars.com",
    "whiterosemaths.com",
    "scratch.mit.edu",
    "code.org",
    "wikipedia.org",
    "nasa.gov",
    "rspb.org.uk",
    "nhm.ac.uk",
    "sciencemuseum.org.uk",
    "britishmuseum.org",
)

MAX_BODY_WORDS = 600


@dataclass
class Rules:
    offensive_words: set = field(default_factory=lambda: set(OFFENSIVE_WORDS))
    individual_matters: set = field(default_factory=lambda: set(INDIVIDUAL_MATTERS))
    allowed_link_domains: set = field(default_factory=lambda: set(ALLOWED_LINK_DOMAINS))
    max_body_words: int = MAX_BODY_WORDS

    def extended(
        self, extra_words=(), exceptions=(), extra_matters=(), extra_domains=(), max_body_words=None
    ):
        exceptions = {word.casefold() for word in exceptions}
        return Rules(
            offensive_words=(self.offensive_words | set(extra_words)) - exceptions,
            individual_matters=(self.individual_matters | set(extra_matters)) - exceptions,
            allowed_link_domains=self.allowed_link_domains | set(extra_domains),
            max_body_words=max_body_words or self.max_body_words,
        )


def lines(text):
    """Non-empty, stripped, case-folded lines of a settings text box."""
    return [line.strip().casefold() for line in (text or "").splitlines() if line.strip()]
