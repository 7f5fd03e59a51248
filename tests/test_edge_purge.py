"""core.edge: after a change, the edge caches are asked to drop the pages showing it, by a
task of the site's queue, until they do. A stand-in edge on loopback records the purges."""

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tasks import default_task_backend

from core import edge, pagecache


class StandInEdge(ThreadingHTTPServer):
    """Answers PURGE with the statuses in ``answers`` (then 200), recording each one's keys."""

    def __init__(self, answers=(), port=0):
        super().__init__(("127.0.0.1", port), PurgeHandler)
        self.answers, self.purges = list(answers), []
        self.held = threading.Event()
        self.held.set()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()


class PurgeHandler(BaseHTTPRequestHandler):
    def do_PURGE(self):  # noqa: N802 (the method's name)
        self.server.held.wait(10)
        self.server.purges.append((self.path, self.headers["xkey-purge"]))
        status = self.server.answers.pop(0) if self.server.answers else 200
        body = b"Invalidated 1 objects"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


@pytest.fixture
def stand_in(settings):
    def start(answers=()):
        server = StandInEdge(answers)
        settings.EDGE_PURGE_URLS = [server.url]
        return server

    servers = []
    yield lambda answers=(): servers.append(start(answers)) or servers[-1]
    for server in servers:
        server.held.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def queue(task_queue):
    return task_queue


def test_without_an_edge_nothing_is_sent(settings, monkeypatch):
    settings.EDGE_PURGE_URLS = []
    monkeypatch.setattr(edge, "send", lambda url, keys: pytest.fail("an edge was contacted"))

    edge.purge(["review:1"])


def test_a_purge_names_the_keys_and_the_site_key_becomes_every_page(stand_in):
    server = stand_in()

    edge.purge(["review:12", "site", "film:3"])

    assert server.purges == [("/", "all film:3 review:12")]


def test_invalidating_pages_purges_their_keys_at_the_edge(stand_in, empty_cache):
    server = stand_in()

    pagecache.invalidate("review:12", "listing")

    assert server.purges == [("/", "listing review:12")]


def test_the_caller_does_not_wait_for_the_edge(stand_in, queue):
    server = stand_in()

    edge.purge(["review:12"])

    assert server.purges == []  # queued: a worker sends it
    assert queue.run() == 1
    assert server.purges == [("/", "review:12")]


def test_a_refused_purge_is_sent_again_later_and_logged_once(stand_in, queue, caplog):
    server = stand_in(answers=[503, 503, 500])

    with caplog.at_level(logging.INFO, logger="core.edge"):
        edge.purge(["review:12"])
        assert queue.run() == 4

    assert server.purges == [("/", "review:12")] * 4
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        (
            "WARNING",
            f"The edge cache at {server.url} did not take a purge (503 Invalidated 1 objects);"
            " trying again until it does",
        ),
        ("INFO", f"The edge cache at {server.url} takes purges again"),
    ]


def test_a_purge_tried_again_waits_longer_each_time(stand_in, queue):
    server = stand_in(answers=[503])

    edge.purge(["review:12"])
    (first,) = queue.waiting()
    default_task_backend.results.remove(first)
    first.task.call(*first.args, **first.kwargs)

    (again,) = queue.waiting()
    assert again.args[2] == 2
    assert again.task.run_after > first.enqueued_at
    assert edge.pause_before(2) < edge.pause_before(5) <= edge.LONGEST_PAUSE_SECONDS
    assert server.purges == [("/", "review:12")]


def test_an_edge_that_cannot_be_reached_is_sent_the_keys_once_it_is_back(stand_in, queue, caplog):
    down = stand_in()
    port = down.server_address[1]
    down.shutdown()
    down.server_close()  # nothing listens there for now

    with caplog.at_level(logging.WARNING, logger="core.edge"):
        edge.purge(["film:3"])
        (attempt,) = queue.waiting()
        default_task_backend.results.remove(attempt)
        attempt.task.call(*attempt.args, **attempt.kwargs)
        back = StandInEdge(port=port)
        try:
            queue.run()
        finally:
            back.shutdown()
            back.server_close()

    assert "ConnectionRefusedError" in caplog.records[0].getMessage()
    assert [keys for _, keys in back.purges] == ["film:3"]


def test_a_purge_is_given_up_after_its_last_attempt(stand_in, queue, caplog, monkeypatch):
    monkeypatch.setattr(edge, "MOST_ATTEMPTS", 3)
    server = stand_in(answers=[503] * 10)

    with caplog.at_level(logging.ERROR, logger="core.edge"):
        edge.purge(["review:12"])
        assert queue.run() == 3

    assert len(server.purges) == 3
    assert "Gave up purging ['review:12']" in caplog.records[-1].getMessage()


def test_many_keys_are_purged_in_headers_varnish_accepts(stand_in):
    server = stand_in()
    keys = [f"review:{number}" for number in range(2000)]

    edge.purge(keys)

    sent = [header for _, header in server.purges]
    assert sorted(" ".join(sent).split()) == sorted(keys)
    assert len(sent) > 1
    assert max(map(len, sent)) <= edge.MOST_HEADER_CHARACTERS
