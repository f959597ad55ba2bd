"""gunicorn settings for Class pages (production, and the benchmarks in benchmarks/).

    gunicorn -c deploy/gunicorn.conf.py cms.wsgi

Worker class: `sync`, 2 x CPUs + 1 workers. The site's requests are short and CPU-bound
(rendering a class page, checking access); nginx buffers request bodies and responses
(proxy_request_buffering / proxy_buffering on), so a slow phone never holds a worker;
file bytes go out through nginx (X-Accel-Redirect), not through a worker. Threads
(`gthread`) would add no CPU under the GIL, only a database connection per thread and
harder-to-read timeouts. Each worker keeps its PostgreSQL connection for CONN_MAX_AGE.

Access log: method, path, status, size, duration; never the query string, the referrer
or the user agent, and path segments that are credentials (invitation links, calendar
feed and unsubscribe tokens, password-reset links) are replaced by "[token]".

Environment (all optional): GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (2 x CPUs
+ 1), GUNICORN_TIMEOUT (120 s), GUNICORN_ACCESS_LOG ("-" = stdout, i.e. the journal;
"" = off).
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# A request stuck this long is killed and its worker replaced. Uploads reach gunicorn
# only once nginx holds the whole body (up to 300 MB of video, read from loopback in a
# second or two), so this leaves room for checking a large recording, not for slow
# networks.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30  # on restart, requests in flight get this long to finish
keepalive = 2  # seconds; only nginx talks to gunicorn
# Recycle workers now and then (with jitter, so not all at once): bounds slow leaks.
max_requests = 2000
max_requests_jitter = 200
# Load the app before forking: workers share its memory and a broken deploy fails at
# start, not on the first request.
preload_app = True
# nginx on the same machine sets X-Forwarded-Proto; trust it from loopback only.
forwarded_allow_ips = "127.0.0.1"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# Path segments that are credentials in themselves.
SECRET_PATHS = re.compile(
    r"^(?P<keep>/(?:invitations|notifications/unsubscribe|password-reset/[^/]+)/)"
    r"(?!sent/|done/)[^/]+"
    r"|^(?P<calendar>/calendar/)[^/]+\.ics$"
)


def redact_path(path):
    """The path with any token segment replaced by "[token]"."""
    match = SECRET_PATHS.match(path or "")
    if match is None:
        return path
    if match.group("calendar"):
        return "/calendar/[token].ics"
    return match.group("keep") + "[token]" + path[match.end() :]


class RedactingLogger(Logger):
    """gunicorn's logger, with the query string dropped and token paths redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["q"] = "-"
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["f"] = "-"
        # Request headers (cookies, CSRF tokens) and the environment are never logged.
        return {key: value for key, value in atoms.items() if not key.startswith("{")}


logger_class = RedactingLogger
