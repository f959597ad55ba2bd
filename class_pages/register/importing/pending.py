"""An uploaded register file kept between its preview and "Apply": a short-lived file
in the private media folder (which no web server publishes and the file view never
answers for), named by a random token that only the uploader's session holds, with the
school it is for. Files are removed when applied, beyond the last five of a session,
and any older than a day whenever a new one is kept."""

import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "register_imports"
MAX_AGE_SECONDS = 24 * 3600
KEPT_PER_SESSION = 5


def folder():
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "register-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_old():
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder().glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def keep(request, school, data):
    """Keep `data` for `school`; returns the token naming it in this session."""
    remove_old()
    token = secrets.token_hex(16)
    (folder() / f"{token}.csv").write_bytes(data)
    kept = request.session.get(SESSION_KEY, {})
    for older in list(kept)[: -(KEPT_PER_SESSION - 1)]:
        discard(request, older)
    kept = request.session.get(SESSION_KEY, {})
    kept[token] = school.pk
    request.session[SESSION_KEY] = kept
    return token


def load(request, token):
    """(school id, bytes) of a kept file of this session, or None."""
    school_id = request.session.get(SESSION_KEY, {}).get(token or "")
    path = folder() / f"{token}.csv"
    if school_id is None or not token.isalnum() or not path.exists():
        return None
    return school_id, path.read_bytes()


def discard(request, token):
    kept = request.session.get(SESSION_KEY, {})
    if kept.pop(token, None) is not None:
        (folder() / f"{token}.csv").unlink(missing_ok=True)
        request.session[SESSION_KEY] = kept
