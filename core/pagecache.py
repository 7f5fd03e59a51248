"""Whole pages cached for anonymous readers, each stale as soon as anything it shows changes.

While a page renders, the view names what it shows with ``depend_on("review:12",
"film:3", ...)``. Each such key has a version in the shared cache; a stored page keeps the
versions it was rendered with and is served only while they are all unchanged. After a
change commits, ``invalidate(*keys)`` gives those keys new versions, so exactly the pages
that show the changed things are rendered again, and nothing else.

Never cached: signed-in users, a browser that has comments awaiting moderation (it sees
them) or messages to show, anything but a plain 200. ``PAGE_CACHE_SECONDS = 0`` turns
the cache off.

Per-reader values: a cached page is the same for every reader but for a few named values
made for each one when the page is served, such as the CSRF token. An app names a value
and the function that makes it with ``register_per_reader(name, make)`` (in its
``AppConfig.ready()``) and a page shows it with ``per_reader(request, name)``: while the
page is rendered for the cache that gives a placeholder, and the stored page is kept as
the text around the placeholders, with their names between.

A page this process served lately is kept in its memory with its record (the versions it
was rendered with, its ETag) (``LocalPages``): a hit then costs one read of those versions
from the shared cache. Otherwise the record, then the body, come from the shared cache.

When the shared cache fails (core/resilience.py makes it behave as an empty cache), no
page is served from a cache: a version that cannot be read is never current. An
invalidation that could not be written is kept in this process and written before this
process serves any page from the cache again. Every page also depends on the site's own
version (``SITE_KEY``), which a process gives a new value once the cache answers again
after it saw it fail: pages stored before an outage are then not trusted, even if the
process that lost an invalidation is gone.
"""

import collections
import contextlib
import contextvars
import functools
import hashlib
import re
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers

from core import edge

VERSION_PREFIX = "page-version:"
PAGE_PREFIX = "page:"
# Bodies stored with named per-reader values; "page-body:" held CSRF tokens alone.
BODY_PREFIX = "page-parts:"
PERSONAL_SESSION_KEY = "sees_personal_pages"
CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
# Bytes no template writes, kept as they are by HTML escaping: "\x00per-reader:NAME\x00".
PLACEHOLDER_FORM = "\x00per-reader:{}\x00"
SITE_KEY = "site"

_rendering = contextvars.ContextVar("page_dependencies", default=None)
_per_reader_makers = {}


def register_per_reader(name, make):
    """Let pages show the value ``make(request)`` (text), made for each reader as the page is
    served, even when the rest of the page comes from the cache."""
    _per_reader_makers[name] = make


@functools.lru_cache
def placeholders(names):
    """The placeholders of these names only: text that merely looks like one (in a body
    stored from an import, say) stays text."""
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(PLACEHOLDER_FORM.format(f"({alternatives})").encode())


def per_reader(request, name):
    """The value ``name`` for this reader; a placeholder while the page is rendered for the
    cache, which the reader's own value replaces each time the page is served."""
    if _rendering.get() is None:
        return _per_reader_makers[name](request)
    return placeholder(name)


def placeholder(name):
    return PLACEHOLDER_FORM.format(name)


def split_per_reader(content):
    """The page as the text around its per-reader values, with their names in between:
    ``[text, name, text, name, text]``. CSRF tokens count as the value "csrf"."""
    content = CSRF_TOKEN.sub(rb"\1" + placeholder("csrf").encode() + rb"\3", content)
    parts = placeholders(tuple(sorted(_per_reader_makers))).split(content)
    return [part.decode() if n % 2 else part for n, part in enumerate(parts)]


def fill_per_reader(request, parts):
    """The page for this reader: each named value made once, and put in its places."""
    values = {}
    for name in parts[1::2]:
        if name not in values:
            values[name] = _per_reader_makers[name](request).encode()
    return b"".join(values[part] if n % 2 else part for n, part in enumerate(parts))


register_per_reader("csrf", get_token)


def depend_on(*keys):
    """Record that the page being rendered shows these things (no-op when not caching).

    Versions are read as the keys are named, before the data they stand for is shown, so a
    change committed meanwhile makes the stored page stale rather than wrong.
    """
    page = _rendering.get()
    if page is None:
        return
    new = [key for key in keys if key not in page["versions"]]
    if new:
        page["versions"].update(current_versions(new))


def expires_at(moment):
    """The page being rendered must not be served after ``moment()`` (a scheduled review's
    time, say); ``moment`` is only called when the page is being cached."""
    page = _rendering.get()
    if page is None:
        return
    moment = moment()
    if moment is not None:
        page["expires"] = min(page["expires"], moment) if page["expires"] else moment


class Unwritten:
    """Keys whose new versions this process has yet to write to the shared cache."""

    def __init__(self):
        self.keys = set()
        self.lock = threading.Lock()

    def add(self, *keys):
        with self.lock:
            self.keys.update(keys)

    def write(self):
        """Write them all; whether none is left (False while the cache fails)."""
        if not self.keys:
            return True
        with self.lock:
            keys = set(self.keys)
            if not keys:
                return True
            with one_write_transaction():
                versions = {VERSION_PREFIX + key: uuid.uuid4().hex for key in keys}
                failed = cache.set_many(versions, None)
            if failed:
                # The cache failed: other processes may have lost writes as well.
                self.keys.add(SITE_KEY)
                return False
            self.keys -= keys
            return True


unwritten = Unwritten()


def invalidate(*keys):
    """Give these keys new versions: every stored page showing them becomes stale.

    If the cache fails, the keys are written as soon as it answers again, before this
    process serves any page from the cache. The edge caches drop those pages too
    (core/edge.py)."""
    if keys:
        unwritten.add(*keys)
        unwritten.write()
        edge.purge(keys)


def one_write_transaction():
    """The database-table cache commits each key it sets on its own, and approving a
    thousand comments sets a key per review: one transaction around them all saves as many
    commits. Other caches need none."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, DatabaseCache):
        return transaction.atomic(using=router.db_for_write(backend.cache_model_class))
    return contextlib.nullcontext()


def current_versions(keys):
    keys = list(dict.fromkeys(keys))  # a listing names a film once per review of it
    prefixed = [VERSION_PREFIX + key for key in keys]
    found = cache.get_many(prefixed)
    for name in prefixed:
        if name not in found:
            cache.add(name, uuid.uuid4().hex, None)
    if len(found) < len(prefixed):
        found = cache.get_many(prefixed)
    if len(found) < len(prefixed):
        # The cache did not answer: once it does, pages stored before are not trusted.
        unwritten.add(SITE_KEY)
    return {key: found.get(VERSION_PREFIX + key) for key in keys}


def mark_personal(request):
    """From now on this browser sees pages made for it alone (e.g. its pending comments)."""
    request.session[PERSONAL_SESSION_KEY] = True


def is_anonymous_reader(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.session.get(PERSONAL_SESSION_KEY)
        )
    )


def etag_for(path, versions):
    fingerprint = path + "|" + "|".join(f"{k}={versions[k]}" for k in sorted(versions))
    return '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'


def cached_for_readers(view):
    """Serve the view's page from the cache to anonymous readers while nothing on it changed."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_anonymous_reader(request) or not unwritten.write():
            return view(request, *args, **kwargs)
        path = request.get_full_path()
        key = PAGE_PREFIX + hashlib.sha256(path.encode()).hexdigest()
        local = local_pages.get(key)
        if local is not None and is_current(local.record):
            return serve(request, local.record, local.parts)
        stored = cache.get(key)
        fresher = stored and (local is None or stored["etag"] != local.record["etag"])
        if fresher and is_current(stored):
            parts = cache.get(body_key(stored["etag"]))
            if parts is not None:
                local_pages.put(key, stored, parts)
                return serve(request, stored, parts)
        page = {"versions": current_versions([SITE_KEY]), "expires": None}
        token = _rendering.set(page)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        finally:
            _rendering.reset(token)
        if response.streaming:
            return response
        parts = split_per_reader(response.content)
        if len(parts) > 1:
            response.content = fill_per_reader(request, parts)
        if response.status_code != 200 or request.session.modified:
            return response
        etag = etag_for(path, page["versions"])
        timeout = settings.PAGE_CACHE_SECONDS
        if None in page["versions"].values():
            timeout = 0  # a version the cache did not give: nothing could tell it is stale
        if page["expires"]:
            timeout = min(timeout, max(0, (page["expires"] - timezone.now()).total_seconds()))
        if timeout >= 1:
            stored = {
                "versions": page["versions"],
                "content_type": response["Content-Type"],
                "etag": etag,
                "expires_at": time.time() + int(timeout),
            }
            cache.set(body_key(etag), parts, int(timeout))
            cache.set(key, stored, int(timeout))
            local_pages.put(key, stored, parts)
        return add_validators(request, response, etag)

    return wrapped


def body_key(etag):
    return BODY_PREFIX + etag.strip('"')


def is_current(record):
    """Whether the page is not past its time and nothing it shows changed since it was rendered."""
    if record.get("expires_at", 0) <= time.time():
        return False
    versions = current_versions(list(record["versions"]))
    return None not in versions.values() and versions == record["versions"]


LocalPage = collections.namedtuple("LocalPage", "record parts")


class LocalPages:
    """Pages this process served lately, by cache key, up to a size in bytes.

    Keeping a copy is safe: whether it is still the page to serve is decided by its
    versions in the shared cache, each time. It saves reading the page's record and
    unpickling its body from the shared cache on every hit.
    """

    def __init__(self, max_bytes):
        self.max_bytes, self.size = max_bytes, 0
        self.pages = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, record, parts):
        size = sum(map(len, parts))
        if size > self.max_bytes:
            return
        with self.lock:
            replaced = self.pages.pop(key, None)
            if replaced is not None:
                self.size -= sum(map(len, replaced.parts))
            self.pages[key] = LocalPage(record, parts)
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self.pages.popitem(last=False)
                self.size -= sum(map(len, dropped.parts))


local_pages = LocalPages(settings.PAGE_CACHE_LOCAL_BYTES)


def serve(request, stored, parts):
    response = HttpResponse(fill_per_reader(request, parts), content_type=stored["content_type"])
    response["X-Page-Cache"] = "hit"
    return add_validators(request, response, stored["etag"])


def add_validators(request, response, etag):
    """ETag and revalidation headers; a 304 when the reader already has this version."""
    response["ETag"] = etag
    response["Cache-Control"] = "max-age=0, must-revalidate"
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(request, etag=etag, response=response) or response
