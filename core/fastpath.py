"""Answers given before Django's middleware, for what is asked most often.

Page-cache hits (``PageCacheHits``): a page this process keeps in memory, asked for by a
reader without a session, is answered after one read of the shared cache
(``pagecache.kept_page_if_nothing_changed``), by Django's middleware minus those that
serve only readers with a session or requests that are not reads (``SKIPPED_ON_A_HIT``):
the request is still logged, refused when it holds a null character or names a host not
allowed, and given the same headers as on Django's own path.

Per-reader values (``PersonalValues``): a page that every reader shares holds, at the
edge, an ``<esi:include>`` of each value made for one reader (``core.pagecache``: the
comment form's signed time of issue). The edge fetches it on every hit of that page, so
answering it through Django's whole stack would make an edge hit cost more than the
trivial view. A value that needs nothing of the request is answered here instead, by the
WSGI application (config/wsgi.py), before any middleware runs: no session, no database,
no template.
"""

import collections
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import parse_cookie
from django.utils.module_loading import import_string

from . import pagecache

PERSONAL_PREFIX = "/_personal/"
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "private, no-store"),
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


# Middleware a hit does without, and why each may be left out for a reader without a
# session asking for a page this process keeps.
SKIPPED_ON_A_HIT = {
    # Static files: a kept page's address was answered by a view, not by a file.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Refuses writes only; a hit is a GET or a HEAD.
    "core.maintenance.RefuseWritesWhileRestoringMiddleware",
    # No session cookie: no session to load, no user but the anonymous one, no messages
    # (nor a messages cookie); a kept page uses no CSRF token, and a GET is not checked.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Acts on sign-in attempts only.
    "axes.middleware.AxesMiddleware",
}
# The hooks Django calls around a view: a kept page has no view, so middleware with them
# must be skipped on a hit (listed above) or the hit taught what to do.
VIEW_HOOKS = ("process_view", "process_template_response", "process_exception")
FOUND_PAGE_ENVIRON = "core.fastpath.page"
# Addresses remembered, each naming the page-cache key Django's path served it from.
MAX_ADDRESSES = 10_000


class HitHandler(WSGIHandler):
    """Django's WSGI handler with the middleware of a hit, whose view is the kept page."""

    def load_middleware(self, is_async=False):
        handler = convert_exception_to_response(serve_found_page)
        for path in reversed(middleware_on_a_hit()):
            middleware = import_string(path)
            hooks = [hook for hook in VIEW_HOOKS if hasattr(middleware, hook)]
            if hooks:
                raise ImproperlyConfigured(
                    f"{path} has {', '.join(hooks)}: add it to core.fastpath.SKIPPED_ON_A_HIT "
                    "if a page-cache hit may do without it."
                )
            handler = convert_exception_to_response(middleware(handler))
        self._middleware_chain = handler


def middleware_on_a_hit():
    return [path for path in settings.MIDDLEWARE if path not in SKIPPED_ON_A_HIT]


def serve_found_page(request):
    page = request.META[FOUND_PAGE_ENVIRON]
    return pagecache.serve(request, page.record, page.parts)


class Addresses:
    """The page-cache key of each address lately served from the page cache, most recent
    last, up to a number of addresses."""

    def __init__(self, size):
        self.size = size
        self.keys = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, address):
        return self.keys.get(address)

    def put(self, address, key):
        with self.lock:
            self.keys[address] = key
            self.keys.move_to_end(address)
            while len(self.keys) > self.size:
                self.keys.popitem(last=False)


class PageCacheHits:
    """WSGI middleware: a page-cache hit for a reader without a session, before Django.

    Django's path names the page-cache key of each address it serves from the cache; the
    next request for that address, from a reader without a session, is answered here while
    the page kept in memory is known current. Anything else goes to Django."""

    def __init__(self, application):
        self.application = application
        self.hit_handler = HitHandler()
        self.addresses = Addresses(MAX_ADDRESSES)

    def __call__(self, environ, start_response):
        address = self.address_of(environ)
        if address is None:
            return self.application(environ, start_response)
        key = self.addresses.get(address)
        page = key and pagecache.kept_page_if_nothing_changed(key)
        if page:
            environ[FOUND_PAGE_ENVIRON] = page
            return self.hit_handler(environ, start_response)

        def start_and_remember(status, headers, exc_info=None):
            key = environ.get(pagecache.PAGE_KEY_ENVIRON)
            sets_cookie = any(name.lower() == "set-cookie" for name, _ in headers)
            if key and status[:3] in ("200", "304") and not sets_cookie:
                self.addresses.put(address, key)
            return start_response(status, headers, exc_info)

        return self.application(environ, start_and_remember)

    def address_of(self, environ):
        """The address asked for, when a hit may be answered here; otherwise None."""
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if "HTTP_AUTHORIZATION" in environ:
            return None  # Django may be taught to sign a reader in by it
        if not pagecache.is_reader_without_session(environ.get("REQUEST_METHOD"), cookies):
            return None
        return environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
