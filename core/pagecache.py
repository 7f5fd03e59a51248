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
made for each one when the page is served, such as the comment form's time of issue. An
app names a value and the function that makes it with ``register_per_reader(name, make)``
(in its ``AppConfig.ready()``) and a page shows it with ``per_reader(request, name)``:
while the page is rendered for the cache that gives a placeholder, and the stored page is
kept as the text around the placeholders, with their names between. When served, each
place gets the reader's own value, or, for an edge cache that processes ESI (the request
says ``Surrogate-Capability: ...="ESI/1.0"``), an ``<esi:include>`` of ``/_personal/<name>/``
(core/views.py), so the edge keeps one copy of the page for everyone.

Shared caches (the edge's side: config/varnish/): a page any anonymous reader may be given says so
(``Cache-Control: public, ..., s-maxage``) with its keys (``xkey``, ``Surrogate-Key``,
``Cache-Tag``), by which the edge can drop it; every other page is private.

A page this process served lately is kept in its memory with its record (the versions it
was rendered with, its ETag) (``LocalPages``): a hit then costs one read of those versions
from the shared cache. Otherwise the record, then the body, come from the shared cache.
Every invalidation also gives a new version to ``CHANGES_KEY``, which no page shows: a
page kept in memory that was found current when that version was read is still current
while it is unchanged, so a reader without a session is answered with one read of one key
before Django's middleware runs (``kept_page_if_nothing_changed``, core/fastpath.py).

When the shared cache fails (core/resilience.py makes it behave as an empty cache), no
page is served from a cache: a version that cannot be read is never current. An
invalidation that could not be written is kept in this process and written before this
process serves any page from the cache again; it is also queued as a task
(``write_versions``), tried again with a growing pause until the cache takes it, so the
keys outlive this process. Every page also depends on the site's own
version (``SITE_KEY``), which a process gives a new value once the cache answers again
after it saw it fail: pages stored before an outage are then not trusted, even if the
process that lost an invalidation is gone.
"""

import collections
import contextlib
import contextvars
import functools
import hashlib
import logging
import re
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django_tasks import task

from core import edge
from core.retry import doubling_pause

VERSION_PREFIX = "page-version:"
PAGE_PREFIX = "page:"
# Bodies stored with named per-reader values. "page-body:" held CSRF tokens alone and
# "page-parts:" may hold the name "csrf", which pages no longer show.
BODY_PREFIX = "page-pieces:"
PERSONAL_SESSION_KEY = "sees_personal_pages"
# Bytes no template writes, kept as they are by HTML escaping: "\x00per-reader:NAME\x00".
PLACEHOLDER_FORM = "\x00per-reader:{}\x00"
SITE_KEY = edge.SITE_KEY
# New at every invalidation, after the keys invalidated: read before a page's versions, it
# tells whether anything at all changed since that page was found current.
CHANGES_KEY = "changes"
# Left in the request's WSGI environ for core/fastpath.py: the page's cache key, and on a
# hit the names of the headers the page cache gave it.
PAGE_KEY_ENVIRON = "core.pagecache.key"
HIT_HEADERS_ENVIRON = "core.pagecache.hit-headers"
# Every page at the edge carries this key: invalidating SITE_KEY purges them all.
EDGE_ALL_KEY = edge.EVERY_PAGE_KEY
# A per-reader value made without the request is everyone's for a second at the edge (a
# time of issue), and so is a page with only such values put in; browsers never keep it.
SHARED_SECONDS = 1
SHARED_FOR_A_SECOND = f"public, max-age=0, s-maxage={SHARED_SECONDS}"

logger = logging.getLogger(__name__)

_rendering = contextvars.ContextVar("page_dependencies", default=None)
_per_reader_makers = {}
_made_without_request = set()


def register_per_reader(name, make, uses_request=True):
    """Let pages show the value ``make(request)`` (text), made for each reader as the page is
    served, even when the rest of the page comes from the cache.

    A value that needs nothing of the request (``uses_request=False``: a signed time of
    issue, say) is made with ``request=None``, and an edge's fragment request for it is
    answered before Django's middleware (``core.fastpath``)."""
    _per_reader_makers[name] = make
    if not uses_request:
        _made_without_request.add(name)


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
        return make_per_reader(request, name)
    return placeholder(name)


def make_per_reader(request, name):
    """The value ``name`` made for this request; KeyError for a name nobody registered."""
    return _per_reader_makers[name](request)


def is_per_reader(name):
    return name in _per_reader_makers


def is_made_without_request(name):
    return name in _made_without_request


def placeholder(name):
    return PLACEHOLDER_FORM.format(name)


def split_per_reader(content):
    """The page as the text around its per-reader values, with their names in between:
    ``[text, name, text, name, text]``."""
    parts = placeholders(tuple(sorted(_per_reader_makers))).split(content)
    return [part.decode() if n % 2 else part for n, part in enumerate(parts)]


def fill_per_reader(request, parts, esi=False):
    """The page for this reader: each named value made once, and put in its places; with
    ``esi``, an include of the value from ``/_personal/<name>/`` instead, for the edge."""
    values = {}
    for name in parts[1::2]:
        if name not in values:
            values[name] = esi_include(name) if esi else make_per_reader(request, name).encode()
    return b"".join(values[part] if n % 2 else part for n, part in enumerate(parts))


def esi_include(name):
    return f'<esi:include src="{reverse("personal", args=[name])}"/>'.encode()


def edge_processes_esi(request):
    """Whether an edge cache in front (Varnish, a CDN) puts fragments in for each reader."""
    return capable_of_esi(request.headers.get("Surrogate-Capability", ""))


def capable_of_esi(surrogate_capability):
    """Whether a request's Surrogate-Capability header says the edge processes ESI."""
    return "ESI/1.0" in surrogate_capability


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


def depend_on_versions(versions):
    """As ``depend_on``, for keys whose versions were read already, before what they stand
    for was: a block of the page kept or rendered with these versions (no-op when not
    caching). A version the page read earlier stands: if it differs, the page is stale."""
    page = _rendering.get()
    if page is None:
        return
    for key, version in versions.items():
        page["versions"].setdefault(key, version)


def fragment_seconds():
    """How long a block of a page is kept rendered in the shared cache: 0 for not at all
    (FRAGMENT_CACHE_SECONDS, or PAGE_CACHE_SECONDS when that is not set)."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    return settings.PAGE_CACHE_SECONDS if seconds is None else seconds


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
            if not write_new_versions(keys):
                # The cache failed: other processes may have lost writes as well.
                self.keys.add(SITE_KEY)
                return False
            self.keys -= keys
            return True

    def is_empty(self):
        return not self.keys


unwritten = Unwritten()


def write_new_versions(keys):
    """Give these keys new versions in the shared cache, then CHANGES_KEY; whether the
    cache took them all."""
    with one_write_transaction():
        failed = cache.set_many({VERSION_PREFIX + key: uuid.uuid4().hex for key in keys}, None)
        # Written after the keys, in a call of its own: a process that reads the new value
        # of CHANGES_KEY then reads the new versions too.
        changes = {VERSION_PREFIX + CHANGES_KEY: uuid.uuid4().hex}
        failed = failed or cache.set_many(changes, None)
    return not failed


# How many invalidations this process made: versions a request read before one are not
# used after it.
_invalidations = 0


def invalidate(*keys):
    """Give these keys new versions: every stored page showing them becomes stale.

    If the cache fails, the keys are written as soon as it answers again, before this
    process serves any page from the cache, and a task (``write_versions``) writes them
    too, should this process end first. The edge caches drop those pages too
    (core/edge.py)."""
    global _invalidations  # noqa: PLW0603 (a count; a lost increment still changes it)
    _invalidations += 1
    if keys:
        unwritten.add(*keys)
        if not unwritten.write():
            write_versions.enqueue(sorted({*keys, SITE_KEY}))
        edge.purge(keys)


# Pauses between tries, doubling: about 30 s, then once a minute while the cache fails.
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 60


@task()
def write_versions(keys, attempt=1):
    """Give these keys new versions in the shared cache; queued again, with a growing
    pause, until the cache takes them. With the site's own version among them, every page
    stored before the outage is rendered again."""
    if write_new_versions(keys):
        if attempt > 1:
            logger.info(
                "The shared cache took %d keys' new versions, at try %d", len(keys), attempt
            )
        return
    if attempt == 1:
        logger.warning(
            "The shared cache did not take %d keys' new versions; trying again until it does",
            len(keys),
        )
    if not write_versions.get_backend().supports_defer:
        logger.error("Could not give %s new versions in the shared cache", keys)
        return
    pause = doubling_pause(attempt, FIRST_PAUSE_SECONDS, LONGEST_PAUSE_SECONDS)
    later = timezone.now() + timedelta(seconds=pause)
    write_versions.using(run_after=later).enqueue(keys, attempt + 1)


def one_write_transaction():
    """With the database-table cache, the new versions and CHANGES_KEY commit together,
    in one commit rather than one per call (core/dbcache.py). Other caches need none."""
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


def get_with_versions(key, keys, request=None):
    """``(kept(key), current_versions(keys))``, in one read of the shared cache when the
    keys have versions: for a value kept with the versions it was made with. With the
    request, versions it read already are not read again (``versions_for``)."""
    value = in_memory(key)
    if value is not None:
        return value, versions_for(request, keys)
    read = versions_read(request)
    unread = [name for name in keys if name not in read]
    prefixed = [VERSION_PREFIX + name for name in unread]
    found = cache.get_many([key, *prefixed])
    to_memory(key, found.get(key))
    if any(name not in found for name in prefixed):
        return found.get(key), versions_for(request, keys)
    read.update({name: found[VERSION_PREFIX + name] for name in unread})
    return found.get(key), {name: read[name] for name in keys}


def versions_read(request):
    """The versions this request read through ``versions_for`` (a scratch dict without
    a request)."""
    if request is None:
        return {}
    read = request.__dict__.get("_page_versions_read")
    if read is None or read[0] != _invalidations:
        read = request._page_versions_read = (_invalidations, {})
    return read[1]


def versions_for(request, keys):
    """``current_versions(keys)`` as this request first read them: the blocks of one page
    (its article, its comments section) are told current by the same versions, and each
    key is read from the shared cache once per request. An older version can only make a
    block look stale, never a stale block current."""
    read = versions_read(request)
    unread = [name for name in keys if name not in read]
    if unread:
        read.update(current_versions(unread))
    return {name: read[name] for name in keys}


def kept(key):
    """A block of a page stored with ``keep()``: from this process's memory while it has
    it, else from the shared cache; None when neither has it."""
    value = in_memory(key)
    if value is None:
        value = cache.get(key)
        to_memory(key, value)
    return value


def keep(key, value, seconds):
    """Store a block of a page for ``seconds`` in the shared cache and in this process's
    memory. The value holds the versions it was made with: whoever uses it checks them."""
    cache.set(key, value, seconds)
    to_memory(key, value)


def in_memory(key):
    entry = local_blocks.get(key)
    if entry is not None and entry[0] > time.time():
        return entry[1]
    return None


def to_memory(key, value):
    """Keep a block in this process's memory too, for as long as blocks are kept at most
    (its age does not tell whether it is current: its versions do)."""
    if value is not None:
        expires = time.time() + fragment_seconds()
        local_blocks.put(key, (expires, value), text_size(value))


def text_size(value):
    """About how many bytes a block kept in memory holds: the length of its text."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(text_size(item) for item in value.values())
    if isinstance(value, (tuple, list)):
        return sum(text_size(item) for item in value)
    return 0


def mark_personal(request):
    """From now on this browser sees pages made for it alone (e.g. its pending comments)."""
    request.session[PERSONAL_SESSION_KEY] = True


def may_be_shown_shared_pages(method, cookies):
    """What the method and cookies alone say: a read, with no messages to show, while the
    page cache is on."""
    return (
        method in ("GET", "HEAD") and settings.PAGE_CACHE_SECONDS > 0 and "messages" not in cookies
    )


def is_reader_without_session(method, cookies):
    """A reader given the pages every reader shares, known without Django's middleware:
    without a session, nobody is signed in and no comment of theirs awaits moderation."""
    return (
        may_be_shown_shared_pages(method, cookies) and settings.SESSION_COOKIE_NAME not in cookies
    )


def is_anonymous_reader(request):
    return (
        may_be_shown_shared_pages(request.method, request.COOKIES)
        and not request.user.is_authenticated
        and not (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.session.get(PERSONAL_SESSION_KEY)
        )
    )


def etag_for(path, versions):
    fingerprint = path + "|" + "|".join(f"{k}={versions[k]}" for k in sorted(versions))
    return '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'


def cached_for_readers(view, page_address=None):
    """Serve the view's page from the cache to anonymous readers while nothing on it changed.

    A page is stored under its address; ``page_address(request)``, when given, says which
    address a request is for, so that requests the view answers alike (a search typed
    with other spaces) share one stored page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_anonymous_reader(request) or not unwritten.write():
            return private(view(request, *args, **kwargs))
        path = page_address(request) if page_address else request.get_full_path()
        key = PAGE_PREFIX + hashlib.sha256(path.encode()).hexdigest()
        request.META[PAGE_KEY_ENVIRON] = key
        local = local_pages.get(key)
        if local is not None and (checked := current_as_of(local.record)):
            if checked != local.checked:
                local_pages.put(key, local.record, local.parts, checked)
            return serve(request, local.record, local.parts)
        stored = cache.get(key)
        fresher = stored and (local is None or stored["etag"] != local.record["etag"])
        if fresher and (checked := current_as_of(stored)):
            parts = cache.get(body_key(stored["etag"]))
            if parts is not None:
                local_pages.put(key, stored, parts, checked)
                return serve(request, stored, parts)
        return render_and_store(request, key, lambda: view(request, *args, **kwargs))

    return wrapped


def render_and_store(request, key, render):
    """The page rendered for the cache, stored while nothing on it may change, and served."""
    versions = current_versions([CHANGES_KEY, SITE_KEY])
    checked = versions.pop(CHANGES_KEY)
    page = {"versions": versions, "expires": None}
    token = _rendering.set(page)
    try:
        response = render()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    finally:
        _rendering.reset(token)
    if response.streaming:
        return private(response)
    parts = split_per_reader(response.content)
    if response.status_code != 200 or request.session.modified:
        response.content = fill_per_reader(request, parts)
        return private(response)
    timeout = page_timeout(page)
    stored = {
        "versions": page["versions"],
        "content_type": response["Content-Type"],
        "etag": etag_for(request.get_full_path(), page["versions"]),
        "expires_at": time.time() + int(timeout),
    }
    if timeout >= 1:
        cache.set(body_key(stored["etag"]), parts, int(timeout))
        cache.set(key, stored, int(timeout))
        local_pages.put(key, stored, parts, checked)
    return serve(request, stored, parts, response)


def page_timeout(page):
    """How long the rendered page may be kept: the page cache's time, or less."""
    if None in page["versions"].values():
        return 0  # a version the cache did not give: nothing could tell it is stale
    timeout = settings.PAGE_CACHE_SECONDS
    if page["expires"]:
        timeout = min(timeout, max(0, (page["expires"] - timezone.now()).total_seconds()))
    return timeout


def body_key(etag):
    return BODY_PREFIX + etag.strip('"')


def current_as_of(record):
    """When the page is not past its time and nothing it shows changed since it was
    rendered: the version of CHANGES_KEY read with its versions, else None."""
    if record.get("expires_at", 0) <= time.time():
        return None
    versions = current_versions([CHANGES_KEY, *record["versions"]])
    checked = versions.pop(CHANGES_KEY)
    if None in versions.values() or versions != record["versions"]:
        return None
    return checked


def kept_page_if_nothing_changed(key):
    """The page this process keeps under ``key``, when it may be served to a reader without
    a session after one read of the shared cache: nothing changed anywhere since it was
    found current, it is not past its time, and its per-reader values need no request.
    None when Django's own path must decide."""
    page = local_pages.get(key)
    if page is None or page.checked is None or not unwritten.is_empty():
        return None
    if page.record["expires_at"] <= time.time():
        return None
    if not all(is_made_without_request(name) for name in page.parts[1::2]):
        return None
    if cache.get(VERSION_PREFIX + CHANGES_KEY) != page.checked:
        return None
    return page


class LocalCopies:
    """Values this process used lately, by key, up to a size in bytes: the least lately
    used are dropped first. Each value is put with its size."""

    def __init__(self, max_bytes):
        self.max_bytes, self.size = max_bytes, 0
        self.entries = collections.OrderedDict()  # key: (value, size)
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[0]

    def put(self, key, value, size):
        if size > self.max_bytes:
            return
        with self.lock:
            replaced = self.entries.pop(key, None)
            if replaced is not None:
                self.size -= replaced[1]
            self.entries[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped_size) = self.entries.popitem(last=False)
                self.size -= dropped_size

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0


# ``checked``: the version of CHANGES_KEY with which the page was last found current.
LocalPage = collections.namedtuple("LocalPage", "record parts checked")


class LocalPages(LocalCopies):
    """Pages this process served lately, by cache key, up to a size in bytes.

    Keeping a copy is safe: whether it is still the page to serve is decided by its
    versions in the shared cache, each time. It saves reading the page's record and
    unpickling its body from the shared cache on every hit.
    """

    def put(self, key, record, parts, checked=None):
        super().put(key, LocalPage(record, parts, checked), sum(map(len, parts)))


local_pages = LocalPages(settings.PAGE_CACHE_LOCAL_BYTES)
# Blocks of pages (core.pagecache.keep): read again from memory, they are not unpickled.
local_blocks = LocalCopies(settings.FRAGMENT_CACHE_LOCAL_BYTES)


def serve(request, stored, parts, response=None):
    """The stored page for this reader: the same bytes for everyone when an edge puts the
    per-reader values in (ESI), otherwise with this reader's own values, which no shared
    cache may keep for another reader."""
    esi = len(parts) > 1 and edge_processes_esi(request)
    body = fill_per_reader(request, parts, esi=esi)
    if response is None:
        headers = hit_headers(stored, parts, esi)
        request.META[HIT_HEADERS_ENVIRON] = [name for name, _ in headers]
        response = HttpResponse(body, headers=dict(headers))
        return get_conditional_response(request, etag=stored["etag"], response=response) or response
    response.content = body
    seconds_left = int(stored["expires_at"] - time.time())
    if len(parts) > 1 and not esi or seconds_left < 1:
        response = private(response)
    else:
        shared(response, seconds_left, stored["versions"])
        if esi:
            for name, value in esi_headers(parts):
                response[name] = value
    response["ETag"] = stored["etag"]
    return get_conditional_response(request, etag=stored["etag"], response=response) or response


def hit_headers(stored, parts, esi):
    """The page cache's own headers for a stored page served again, as (name, value) pairs:
    on Django's path (``serve``) and before it (core/fastpath.py) alike."""
    headers = [("Content-Type", stored["content_type"]), ("X-Page-Cache", "hit")]
    seconds_left = int(stored["expires_at"] - time.time())
    if len(parts) > 1 and not esi or seconds_left < 1:
        headers += [("Cache-Control", "private, no-cache"), ("Vary", "Cookie")]
    else:
        headers += shared_headers(seconds_left, stored["versions"])
        if esi:
            headers += esi_headers(parts)
    return [*headers, ("ETag", stored["etag"])]


def esi_headers(parts):
    """Tell the edge to put the page's per-reader values in (ESI), and how long the page
    with them put in stays the same for everyone: a second when each is made without the
    request (SHARED_SECONDS), not at all when one is made for each reader."""
    shared_for_a_second = all(is_made_without_request(name) for name in parts[1::2])
    return [
        ("Surrogate-Control", 'content="ESI/1.0"'),
        ("Assembled-Max-Age", str(SHARED_SECONDS if shared_for_a_second else 0)),
    ]


def shared(response, seconds, versions):
    for name, value in shared_headers(seconds, versions):
        response[name] = value
    return response


def shared_headers(seconds, versions):
    """Headers for a page every anonymous reader is given: browsers revalidate it each time,
    shared caches keep it ``seconds`` at most, and may drop it sooner by its keys."""
    keys = [key for key in versions if key != SITE_KEY] + [EDGE_ALL_KEY]
    return [
        ("Cache-Control", f"public, max-age=0, must-revalidate, s-maxage={seconds}"),
        ("xkey", " ".join(keys)),
        ("Surrogate-Key", " ".join(keys)),
        ("Cache-Tag", ",".join(keys)),
    ]


def private(response):
    """A page made for one reader (signed in, their own comments, messages), or not known
    to be current: no shared cache may keep it, a browser asks again each time."""
    if "Cache-Control" not in response:
        response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response


class CacheHeadersMiddleware:
    """The last word on what shared caches may keep, after every view and middleware inside.

    A shared page loses ``Vary: Cookie``: the session was read only to learn the reader is
    anonymous, and the page is the same whatever the cookies. A page that would set a
    cookie after all is never shared. A response that says nothing is private: only what
    is known to be the same for everyone may be kept by a shared cache. (Static files are
    answered before this, by WhiteNoise, with their own headers; files from MEDIA too.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, FileResponse):
            return response
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-cache"
        elif "public" in response["Cache-Control"]:
            if response.cookies:
                unshare(response)
            else:
                drop_vary_cookie(response)
        return response


def unshare(response):
    for header in ("xkey", "Surrogate-Key", "Cache-Tag", "Surrogate-Control", "Assembled-Max-Age"):
        del response[header]
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie"])


def drop_vary_cookie(response):
    if "Vary" in response:
        kept = [v.strip() for v in response["Vary"].split(",") if v.strip().lower() != "cookie"]
        if kept:
            response["Vary"] = ", ".join(kept)
        else:
            del response["Vary"]
