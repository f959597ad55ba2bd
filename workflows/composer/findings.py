"""Findings of the automatic checks placed where the teacher can act on them: next to
the title, the text or the photo they are about (Finding.where), each with the words
found and how to put it right."""

FIXES = {
    "offensive-language": "Reword it without that word.",
    "pupil-full-name": "Use the pupil's first name only.",
    "pupil-surname": "Use first names only.",
    "phone-number": "Take the number out; carers contact the school office.",
    "email-address": "Take the address out; carers contact the school office.",
    "home-address": "Take the address out.",
    "postcode": "Take the address out.",
    "external-link": "Take the link out, or ask a leader to allow that site.",
    "individual-matters": "Talk to that child's carers directly, not on the class page.",
    "too-long": "Make the text shorter.",
    "empty-post": "Add a few words or a photo.",
    "untagged-media": "Tap every pupil who appears in it, or tick “No pupil is identifiable”.",
    "faces-untagged": "Tap every pupil who appears in it, or tick “No pupil is identifiable”.",
    "more-faces-than-tags": "Check that everyone in it is tapped.",
    "faces-despite-statement": "Look again: if a pupil can be recognised, tap them.",
    "pupil-not-in-class": "Untick that pupil.",
    "no-participation-consent": "Remove this, or choose another without that pupil.",
    "no-photo-consent": "Remove this photo, or choose one without that pupil.",
    "no-video-consent": "Remove this video, or choose one without that pupil.",
    "no-audio-consent": "Remove this recording, or choose one without that pupil.",
}
DEFAULT_FIX = "Change this, then check again."


def placed(composition, findings):
    """{place: [finding view]} where place is an item key, "title", "body" or "" (the
    post as a whole)."""
    by_place = {}
    for finding in findings:
        place = composition.place_of(finding.where)
        shown = by_place.setdefault(place, [])
        if any((f["code"], f["excerpt"]) == (finding.code, finding.excerpt) for f in shown):
            continue  # e.g. a name in the title is also in the slug made from it
        shown.append(
            {
                "code": finding.code,
                "message": finding.message,
                "excerpt": finding.excerpt,
                "blocking": finding.blocking,
                "fix": FIXES.get(finding.code, DEFAULT_FIX),
            }
        )
    return by_place
