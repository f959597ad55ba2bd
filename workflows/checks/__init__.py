"""The automatic moderation checks as plain functions: give them a post (the revision
under review, as an object) and the school's rules, get back findings. No admin, no
request, no workflow needed, so each rule is testable on its own."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One thing a check found. `blocking` findings send the post back to its teacher;
    the others are notes for the leader who approves."""

    code: str
    message: str
    excerpt: str = ""
    blocking: bool = True

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(
            **{key: data.get(key, "") for key in ("code", "message", "excerpt")},
            blocking=bool(data.get("blocking", True)),
        )


def blocking(findings):
    return [finding for finding in findings if finding.blocking]
