"""The automatic moderation checks as plain functions: give them a post (the revision
under review, as an object) and the school's rules, get back findings. No admin, no
request, no workflow needed, so each rule is testable on its own."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One thing a check found. `blocking` findings send the post back to its teacher;
    the others are notes for the leader who approves. `where` says what it is about, for
    a screen that shows it next to that: a text's label as the appropriateness check
    names it ("Title", "Body", "Media › Gallery 1 › Photo 2 › Alt text") or a medium
    ("photo:<image id>", "video:<id>", "audio:<id>"); empty when it is about the whole
    post (and in findings stored before it existed)."""

    code: str
    message: str
    excerpt: str = ""
    blocking: bool = True
    where: str = ""

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(
            **{key: data.get(key, "") for key in ("code", "message", "excerpt", "where")},
            blocking=bool(data.get("blocking", True)),
        )


def blocking(findings):
    return [finding for finding in findings if finding.blocking]
