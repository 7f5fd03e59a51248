"""Answers given before Django's middleware, for what is asked most often.

Page-cache hits (``PageCacheHits``): a page this process keeps in memory, asked for by a
reader without a session, is answered after one read of the shared cache
(``pagecache.kept_page_if_nothing_changed``), with the headers Django's path gave the
last hit of the same address: the page cache's own made afresh (``pagecache.hit_headers``),
and those the middleware added (security headers, the CSP), which depend only on what the
address is remembered by (host, scheme, path and query). What each middleware does on a
hit is said in ``ON_A_HIT``; one not named there turns this layer off.

Per-reader values (``PersonalValues``): a page that every reader shares holds, at the
edge, an ``<esi:include>`` of each value made for one reader (``core.pagecache``: the
comment form's signed time of issue). The edge fetches it on every hit of that page, so
answering it through Django's whole stack would make an edge hit cost more than the
trivial view. A value that needs nothing of the request is answered here instead, by the
WSGI application (config/wsgi.py), before any middleware runs: no session, no database,
no template.
"""

import collections
import logging
import threading
import time

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest, get_path_info, get_script_name
from django.db import DatabaseError
from django.http import HttpResponse, parse_cookie
from django.utils.cache import get_conditional_response

from . import logs, pagecache

logger = logging.getLogger(__name__)

PERSONAL_PREFIX = "/_personal/"
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", pagecache.SHARED_FOR_A_SECOND),
    ("X-Content-Type-Options", "nosniff"),
]


class PersonalValues:
    """WSGI middleware: ``GET /_personal/<name>/`` for a value made without the request."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        name = self.value_asked_for(environ)
        if name is None:
            return self.application(environ, start_response)
        body = pagecache.make_per_reader(None, name).encode()
        start_response("200 OK", [*HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    def value_asked_for(self, environ):
        """The name asked for, when this layer may answer it; None for Django to answer."""
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if not path.startswith(PERSONAL_PREFIX) or not path.endswith("/"):
            return None
        name = path[len(PERSONAL_PREFIX) : -1]
        return name if pagecache.is_made_without_request(name) else None


# What each middleware does for a reader without a session asking for a page this process
# keeps, at an address Django's path answered with a hit and no cookie. A middleware that
# is not named here turns PageCacheHits off: say first what a hit owes it.
ON_A_HIT = {
    "core.logs.RequestLogMiddleware": "the same log line (logs.log_request)",
    "django.middleware.security.SecurityMiddleware": (
        "its headers, remembered by scheme; a request it would redirect never got a hit"
    ),
    "core.csp.ContentSecurityPolicyMiddleware": "its header, remembered with the address",
    "core.badinput.RefuseNullCharactersMiddleware": (
        "an address with a null character got a 400, never a hit"
    ),
    "whitenoise.middleware.WhiteNoiseMiddleware": "a kept page is a view's, not a file",
    "core.pagecache.CacheHeadersMiddleware": (
        "pagecache.hit_headers are what it leaves of a hit's headers: no cookie is set"
    ),
    "core.maintenance.RefuseWritesWhileRestoringMiddleware": "reads go on; a hit is a read",
    "django.contrib.sessions.middleware.SessionMiddleware": "no session cookie: no session",
    "django.middleware.common.CommonMiddleware": (
        "the host is remembered with the address, so only hosts it allowed; no user agent "
        "is refused (DISALLOWED_USER_AGENTS turns hits here off)"
    ),
    "django.middleware.csrf.CsrfViewMiddleware": "a read is not checked; a kept page has no token",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "no session: the anonymous user",
    "django.contrib.messages.middleware.MessageMiddleware": "no session, no messages cookie",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "its header, remembered",
    "axes.middleware.AxesMiddleware": "acts on sign-in attempts only",
}
# Headers of a hit on Django's path that are not remembered: made again for each answer.
NOT_REMEMBERED = {"content-length", "vary", "cache-control"}
CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Addresses remembered in each process, with the page-cache key each is served from.
MAX_ADDRESSES = 10_000

Remembered = collections.namedtuple("Remembered", "key headers")


class Addresses:
    """What Django's path answered lately at each address with a hit, most recent last, up
    to a number of addresses."""

    def __init__(self, size):
        self.size = size
        self.entries = collections.OrderedDict()
        self.header_sets = {}  # one copy of each set of headers, shared by the addresses
        self.lock = threading.Lock()

    def get(self, address):
        return self.entries.get(address)

    def put(self, address, key, headers):
        headers = tuple(headers)
        with self.lock:
            if len(self.header_sets) > self.size:
                self.header_sets.clear()  # a view's own headers may differ by address
            headers = self.header_sets.setdefault(headers, headers)
            self.entries[address] = Remembered(key, headers)
            self.entries.move_to_end(address)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class PageCacheHits:
    """WSGI middleware: a page-cache hit for a reader without a session, before Django.

    Django's path leaves in the environ which page it served; once it served a hit at an
    address without setting a cookie, the next request for that address from a reader
    without a session is answered here while the page kept in memory is known current.
    Anything else goes to Django. No signal is sent: a hit touches no database but the
    cache's table, when that is the cache, and a failure there is left to Django."""

    def __init__(self, application):
        self.application = application
        self.addresses = Addresses(MAX_ADDRESSES)
        unknown = [path for path in settings.MIDDLEWARE if path not in ON_A_HIT]
        self.enabled = not unknown
        if unknown:
            logger.warning("Page-cache hits go through Django: %s not in ON_A_HIT", unknown)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        address = self.address_of(environ)
        if address is None:
            return self.application(environ, start_response)
        remembered = self.addresses.get(address)
        try:
            page = remembered and pagecache.kept_page_if_nothing_changed(remembered.key)
        except DatabaseError:
            page = None
        if not page:
            return self.application(environ, self.remembering(environ, address, start_response))
        status, headers, body = self.answer(environ, page, remembered.headers)
        start_response(status, headers)
        path = get_script_name(environ).rstrip("/") + get_path_info(environ)
        logs.log_request(environ["REQUEST_METHOD"], path, int(status[:3]), started)
        return [body]

    def answer(self, environ, page, remembered_headers):
        """Status, headers and body, as Django's path answers a hit."""
        capability = environ.get("HTTP_SURROGATE_CAPABILITY", "")
        esi = len(page.parts) > 1 and pagecache.capable_of_esi(capability)
        body = pagecache.fill_per_reader(None, page.parts, esi=esi)
        headers = pagecache.hit_headers(page.record, page.parts, esi)
        if any(condition in environ for condition in CONDITIONS):
            response = HttpResponse(body, headers=dict(headers))
            etag = page.record["etag"]
            request = WSGIRequest(environ)
            response = get_conditional_response(request, etag=etag, response=response) or response
            status = f"{response.status_code} {response.reason_phrase}"
            headers, body = list(response.items()), response.content
        else:
            status = "200 OK"
        return status, [*headers, *remembered_headers, ("Content-Length", str(len(body)))], body

    def remembering(self, environ, address, start_response):
        """start_response, remembering the address when Django's path answers it with a hit."""

        def start_and_remember(status, headers, exc_info=None):
            own = environ.get(pagecache.HIT_HEADERS_ENVIRON)
            names = {name.lower() for name, _ in headers}
            vary = [value for name, value in headers if name.lower() == "vary"]
            if (
                own
                and status.startswith("200")
                and "set-cookie" not in names
                and all(value.strip().lower() == "cookie" for value in vary)
            ):
                added = [
                    (name, value)
                    for name, value in headers
                    if name not in own and name.lower() not in NOT_REMEMBERED
                ]
                self.addresses.put(address, environ[pagecache.PAGE_KEY_ENVIRON], added)
            return start_response(status, headers, exc_info)

        return start_and_remember

    def address_of(self, environ):
        """What the answer depends on, when a hit may be answered here; otherwise None."""
        if not self.enabled or settings.DISALLOWED_USER_AGENTS:
            return None
        if "HTTP_AUTHORIZATION" in environ:
            return None  # Django may be taught to sign a reader in by it
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if not pagecache.is_reader_without_session(environ.get("REQUEST_METHOD"), cookies):
            return None
        proxy_header = (settings.SECURE_PROXY_SSL_HEADER or ("",))[0]
        return (
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("wsgi.url_scheme"),
            environ.get(proxy_header),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
