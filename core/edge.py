"""Asking the edge caches (Varnish, config/varnish/default.vcl) to drop the pages that show
what changed: ``purge(keys)``, which ``core.pagecache.invalidate`` calls.

Each edge in ``EDGE_PURGE_URLS`` is sent ``PURGE /`` with the header ``xkey-purge: <keys>``
and answers 200 ("Invalidated N objects"). The request that made the change never waits:
each purge is a task (``purge_edge``) on the site's task queue, kept in the database until
a worker (``manage.py run_worker``, which `make serve` starts) has sent it, so a server
restarted meanwhile loses none. While the edge does not answer 200, the task is queued
again for later, with a growing pause, up to ``MOST_ATTEMPTS``. A failure is logged once,
when it starts, and the recovery once. Where tasks run at once (development, tests), a
refused purge is logged and not tried again.
"""

import http.client
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .retry import doubling_pause

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 30
# About ten minutes of trying, past which a page the edge keeps is stale until its s-maxage.
MOST_ATTEMPTS = 25
# Varnish refuses request headers over 8 KB (http_req_hdr_len): larger purges are split.
MOST_HEADER_CHARACTERS = 4000
# The page cache's own key for "everything"; shared pages carry "all" at the edge instead.
SITE_KEY, EVERY_PAGE_KEY = "site", "all"


def purge(keys):
    """Have every edge drop the pages tagged with any of these keys; returns at once."""
    keys = sorted({EVERY_PAGE_KEY if key == SITE_KEY else key for key in keys})
    if not keys:
        return
    for url in settings.EDGE_PURGE_URLS:
        purge_edge.enqueue(url, keys)


@task()
def purge_edge(url, keys, attempt=1):
    """Send the edge at ``url`` the purge of these keys; queue it again while it fails."""
    problem = next(filter(None, (send(url, batch) for batch in batches(keys))), None)
    if problem is None:
        if attempt > 1:
            logger.info("The edge cache at %s takes purges again", url)
        return
    if attempt == 1:
        logger.warning(
            "The edge cache at %s did not take a purge (%s); trying again until it does",
            url,
            problem,
        )
    if attempt >= MOST_ATTEMPTS or not purge_edge.get_backend().supports_defer:
        logger.error("Gave up purging %s at the edge cache at %s (%s)", keys, url, problem)
        return
    later = timezone.now() + timedelta(seconds=pause_before(attempt + 1))
    purge_edge.using(run_after=later).enqueue(url, keys, attempt + 1)


def pause_before(attempt):
    """Seconds to wait before the given attempt: doubling from FIRST_PAUSE_SECONDS."""
    return doubling_pause(attempt - 1, FIRST_PAUSE_SECONDS, LONGEST_PAUSE_SECONDS)


def send(url, keys):
    """None once the edge has purged these keys (one header's worth); otherwise what went
    wrong."""
    address = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if address.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(address.hostname, address.port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("PURGE", address.path or "/", headers={"xkey-purge": keys})
        response = connection.getresponse()
        answer = response.read(200).decode(errors="replace").strip()
    except (OSError, http.client.HTTPException) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return None if response.status == 200 else f"{response.status} {answer}"


def batches(keys):
    """The keys as xkey-purge header values, each short enough for Varnish to accept."""
    batch = []
    for key in sorted(keys):
        if batch and len(" ".join([*batch, key])) > MOST_HEADER_CHARACTERS:
            yield " ".join(batch)
            batch = []
        batch.append(key)
    if batch:
        yield " ".join(batch)
