"""Asking the edge caches (Varnish, config/varnish/default.vcl) to drop the pages that show
what changed: ``purge(keys)``, which ``core.pagecache.invalidate`` calls.

Each edge in ``EDGE_PURGE_URLS`` is sent ``PURGE /`` with the header ``xkey-purge: <keys>``
and answers 200 ("Invalidated N objects"). The request that made the change never waits:
the keys are handed to a thread of that edge's own, which sends them with a short timeout
and, while the edge does not answer 200, tries again with a growing pause, taking along
keys that arrived meanwhile. A failure is logged once, when it starts, and the recovery
once. The keys are kept in this process only (a task queue would keep them across
restarts); a page the edge keeps past a lost purge is stale until its s-maxage ends.
"""

import http.client
import logging
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 30
# Varnish refuses request headers over 8 KB (http_req_hdr_len): larger purges are split.
MOST_HEADER_CHARACTERS = 4000
# The page cache's own key for "everything"; shared pages carry "all" at the edge instead.
SITE_KEY, EVERY_PAGE_KEY = "site", "all"


def purge(keys):
    """Have every edge drop the pages tagged with any of these keys; returns at once."""
    keys = {EVERY_PAGE_KEY if key == SITE_KEY else key for key in keys}
    if not keys:
        return
    for url in settings.EDGE_PURGE_URLS:
        edge_at(url).add(keys)


def wait_until_sent(timeout=10):
    """Whether every edge has been sent all its keys within ``timeout`` seconds (tests)."""
    deadline = time.monotonic() + timeout
    with _edges_lock:
        edges = list(_edges.values())
    return all(edge.wait_until_idle(deadline - time.monotonic()) for edge in edges)


_edges = {}
_edges_lock = threading.Lock()


def edge_at(url):
    with _edges_lock:
        if url not in _edges:
            _edges[url] = Edge(url)
        return _edges[url]


class Edge:
    """One edge server's purges, sent in turn by a daemon thread of its own."""

    def __init__(self, url):
        self.url = url
        self.waiting = set()
        self.sending = False
        self.failing = False
        self.changed = threading.Condition()
        threading.Thread(target=self.run, name=f"edge purge {url}", daemon=True).start()

    def add(self, keys):
        with self.changed:
            self.waiting.update(keys)
            self.changed.notify_all()

    def take_waiting(self):
        with self.changed:
            keys, self.waiting = self.waiting, set()
            return keys

    def run(self):
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.waiting)
                self.sending = True
            try:
                self.send_until_done(self.take_waiting())
            except Exception:  # the thread must outlive any surprise, or purges stop
                logger.exception("Purging the edge cache at %s failed", self.url)
            finally:
                with self.changed:
                    self.sending = False
                    self.changed.notify_all()

    def send_until_done(self, keys):
        pause = FIRST_PAUSE_SECONDS
        while True:
            problem = next(filter(None, map(self.send, batches(keys))), None)
            if problem is None:
                if self.failing:
                    self.failing = False
                    logger.info("The edge cache at %s takes purges again", self.url)
                return
            if not self.failing:
                self.failing = True
                logger.warning(
                    "The edge cache at %s did not take a purge (%s); trying again until it does",
                    self.url,
                    problem,
                )
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            keys |= self.take_waiting()

    def send(self, keys):
        """None once the edge has purged these keys; otherwise what went wrong."""
        address = urlsplit(self.url)
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

    def wait_until_idle(self, timeout):
        with self.changed:
            return self.changed.wait_for(
                lambda: not self.waiting and not self.sending, max(timeout, 0)
            )


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
