"""While ``manage.py restore`` runs, the site refuses writes: whatever it accepted would be
lost when the backup replaces the database. Reads go on.

The flag is a file in VAR_DIR, which every process on this machine sees, and where Redis is
the cache a key in it too, which processes on other machines see.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

CACHE_KEY = "site:restoring"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_AFTER_SECONDS = 300


def flag_file():
    return settings.VAR_DIR / "restoring"


def is_restoring():
    if flag_file().exists():
        return True
    return bool(settings.REDIS_URL) and bool(cache.get(CACHE_KEY))


def raise_flag():
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    flag_file().touch()
    if settings.REDIS_URL:
        cache.set(CACHE_KEY, True, None)


def lower_flag():
    if settings.REDIS_URL:
        cache.delete(CACHE_KEY)
    flag_file().unlink(missing_ok=True)


@contextlib.contextmanager
def restoring():
    """Writes are refused from the start of the block to its end, however it ends."""
    raise_flag()
    try:
        yield
    finally:
        lower_flag()


def refused_while_restoring():
    response = HttpResponse(render_to_string("restoring.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RefuseWritesWhileRestoringMiddleware:
    """A 503 with Retry-After for every write while a restore runs; reads are untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in UNSAFE_METHODS and is_restoring():
            return refused_while_restoring()
        return self.get_response(request)
