"""How the tests differ from the site as it runs: pytest uses these settings
(``DJANGO_SETTINGS_MODULE`` in pyproject.toml). Everything else is the real configuration."""

import os
from urllib.parse import urlsplit

from config.settings import *  # noqa: F403
from config.settings import CACHES, REDIS_URL

# Passwords are hashed thousands of times in the tests; a fast hasher keeps them quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pages are rendered, and their queries counted, on every request; the page cache's own
# tests turn it on.
PAGE_CACHE_SECONDS = 0
# Tasks run at once, where the test can see what they did.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# No edge cache to purge, whatever the environment says; tests/edge/ starts its own.
EDGE_PURGE_URLS = []


def redis_database_for_worker(url, worker):
    """Each pytest-xdist worker (``gw0``, ``gw1``...) its own Redis database, counting down
    from the one in ``url``: tests empty the cache, which empties the whole database."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base - int(worker.removeprefix("gw") or 0)) % 16
    return parts._replace(path=f"/{number}").geturl()


if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    CACHES["default"]["LOCATION"] = redis_database_for_worker(
        REDIS_URL, os.environ["PYTEST_XDIST_WORKER"]
    )
