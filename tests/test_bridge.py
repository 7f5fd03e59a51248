"""The ASGI bridge `make serve` runs: a request is read whole, within its deadline and size
limit, before a thread runs the site on it (config/bridge.py)."""

import asyncio
import re
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.handlers.wsgi import WSGIHandler

from config import bridge

BASE_DIR = Path(__file__).resolve().parent.parent
LIMIT = 1000
CSRF_TOKEN = "a" * 32


class Headers:
    """RSGI's request headers: lower-case names, in order, repeated names kept."""

    def __init__(self, pairs):
        self.pairs = [(name.lower(), value) for name, value in pairs]

    def __contains__(self, name):
        return any(key == name for key, _ in self.pairs)

    def get(self, name, default=None):
        return next((value for key, value in self.pairs if key == name), default)

    def items(self):
        return list(self.pairs)


def http_scope(method="GET", path="/", query="", headers=(), **extra):
    fields = {
        "proto": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "query_string": query,
        "authority": None,
        "headers": Headers(headers),
        "server": "films.example:8443",
        "client": "203.0.113.9:51234",
        **extra,
    }
    return SimpleNamespace(**fields)


class Protocol:
    """RSGI's protocol for one request: its body in ``chunks`` (then, with ``then_wait``, a
    client that never sends the rest), and what the bridge answered."""

    def __init__(self, *chunks, then_wait=False):
        self.chunks, self.then_wait = list(chunks), then_wait
        self.status, self.headers, self.body, self.streamed = None, None, b"", []

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk
        if self.then_wait:
            await asyncio.Event().wait()

    def response_bytes(self, status, headers, body):
        self.status, self.headers, self.body = status, dict(headers), body

    def response_stream(self, status, headers):
        self.status, self.headers = status, dict(headers)
        return self

    async def send_bytes(self, chunk):
        self.streamed.append(chunk)
        self.body += chunk


class Recorder:
    """A WSGI application that records its environ and the body it read, and answers."""

    def __init__(self, status="200 OK", headers=(("Content-Type", "text/plain"),), body=(b"ok",)):
        self.status, self.headers, self.body = status, list(headers), body
        self.environ, self.read, self.closed = None, None, False

    def __call__(self, environ, start_response):
        self.environ = environ
        self.read = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"] or 0))
        start_response(self.status, self.headers)
        return self.answer()

    def answer(self):
        try:
            yield from self.body
        finally:
            self.closed = True


def make_bridge(application, **limits):
    options = {"threads": 2, "read_timeout": 5, "min_rate": 1000, "max_body_bytes": LIMIT}
    return bridge.WSGIBridge(application, **{**options, **limits})


def serve(application, scope, protocol, **limits):
    """Run one request through the bridge; the protocol, holding the answer."""
    the_bridge = make_bridge(application, **limits)
    try:
        asyncio.run(the_bridge.__rsgi__(scope, protocol))
    finally:
        the_bridge.executor.shutdown()
    return protocol


def post(length, **extra):
    return http_scope("POST", headers=[("Content-Length", str(length))], **extra)


def test_a_body_that_stops_arriving_is_answered_408_and_never_reaches_the_site():
    site = Recorder()
    protocol = Protocol(b"author_name=Ann", then_wait=True)

    answer = serve(site, post(500), protocol, read_timeout=0.01)

    assert answer.status == 408
    assert answer.body.decode() == "The request took too long to arrive. Please try again.\n"
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["connection"] == "close"
    assert site.environ is None


def test_a_whole_body_reaches_the_site_intact_with_where_it_came_from():
    site = Recorder()
    scope = http_scope(
        "POST",
        "/films/caf\u00e9/",
        query="page=2&q=%20noir",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "21"),
            ("Cookie", "csrftoken=abc"),
            ("Cookie", "sessionid=xyz"),
            ("Accept-Language", "fr"),
            ("X_Forwarded_For", "198.51.100.1"),
        ],
    )

    serve(site, scope, Protocol(b"author_name=", b"Ann&x=%C3"))

    environ = site.environ
    assert site.read == b"author_name=Ann&x=%C3"
    assert environ["CONTENT_LENGTH"] == "21"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/films/caf\u00e9/".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "page=2&q=%20noir"
    assert environ["HTTP_COOKIE"] == "csrftoken=abc; sessionid=xyz"
    assert environ["HTTP_ACCEPT_LANGUAGE"] == "fr"
    assert "HTTP_X_FORWARDED_FOR" not in environ
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"]) == ("203.0.113.9", "51234")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("films.example", "8443")
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"


def test_a_chunked_body_reaches_the_site_with_its_length():
    site = Recorder()
    scope = http_scope("POST", headers=[("Transfer-Encoding", "chunked")])

    serve(site, scope, Protocol(b"q=", b"noir"))

    assert site.read == b"q=noir"
    assert site.environ["CONTENT_LENGTH"] == "6"


def test_an_ipv6_client_and_server_are_given_without_brackets():
    site = Recorder()

    serve(site, http_scope(server="[::1]:8000", client="[2001:db8::7]:40000"), Protocol())

    assert (site.environ["SERVER_NAME"], site.environ["SERVER_PORT"]) == ("::1", "8000")
    assert (site.environ["REMOTE_ADDR"], site.environ["REMOTE_PORT"]) == ("2001:db8::7", "40000")


def test_a_request_without_a_body_is_not_waited_for():
    site = Recorder()

    answer = serve(site, http_scope(), Protocol(then_wait=True), read_timeout=60)

    assert answer.status == 200
    assert site.read == b""


def test_the_sites_status_headers_and_body_come_back_and_it_is_closed():
    site = Recorder(
        status="404 Not Found",
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1")],
        body=[b"<p>Not ", b"", b"here</p>"],
    )

    answer = serve(site, http_scope(), Protocol())

    assert answer.status == 404
    assert answer.headers == {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": "a=1"}
    assert answer.body == b"<p>Not here</p>"
    assert site.closed


def test_a_large_answer_is_streamed_as_it_is_made(monkeypatch):
    monkeypatch.setattr(bridge, "BUFFERED_RESPONSE_BYTES", 10)
    chunks = [b"x" * 8, b"y" * 8, b"z" * 8]
    site = Recorder(body=chunks)

    answer = serve(site, http_scope(), Protocol())

    assert answer.status == 200
    assert answer.streamed == chunks
    assert site.closed


def test_a_body_announced_larger_than_the_limit_is_answered_413_unread():
    site = Recorder()

    answer = serve(site, post(LIMIT + 1), Protocol(then_wait=True), read_timeout=60)

    assert answer.status == 413
    assert answer.body.decode().startswith("The request is too large: the site accepts at most")
    assert site.environ is None


def test_a_chunked_body_that_grows_past_the_limit_is_answered_413():
    site = Recorder()
    chunk = b"a" * (LIMIT // 2 + 1)
    scope = http_scope("POST", headers=[("Transfer-Encoding", "chunked")])

    answer = serve(site, scope, Protocol(chunk, chunk, then_wait=True), read_timeout=60)

    assert answer.status == 413
    assert site.environ is None


def test_a_client_that_leaves_before_its_body_is_sent_is_given_nothing():
    site = Recorder()

    answer = serve(site, post(500), Protocol(b"half"))  # the body ends short: gone

    assert answer.status is None
    assert site.environ is None


def test_requests_run_on_several_threads_at_once():
    both_running = threading.Barrier(2, timeout=10)

    def site(environ, start_response):
        both_running.wait()  # broken, and raising, unless the other request runs alongside
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]

    the_bridge = make_bridge(site)
    protocols = [Protocol(), Protocol()]

    async def two_requests():
        await asyncio.gather(*(the_bridge.__rsgi__(http_scope(), p) for p in protocols))

    asyncio.run(two_requests())
    the_bridge.executor.shutdown()

    threads = {protocol.body for protocol in protocols}
    assert len(threads) == 2
    assert all(name.startswith(b"wsgi") for name in threads)


def test_a_failing_application_gives_a_plain_500_without_a_trace():
    def site(environ, start_response):
        raise RuntimeError("secret detail")

    answer = serve(site, http_scope(), Protocol())

    assert answer.status == 500
    assert answer.body.decode() == bridge.SERVER_ERROR


@pytest.mark.parametrize(
    ("form", "status"), [(b"csrfmiddlewaretoken=" + CSRF_TOKEN.encode(), 200), (b"a=1", 403)]
)
def test_the_site_finds_a_forms_token_in_the_body_the_bridge_passed(db, form, status):
    scope = http_scope(
        "POST",
        "/ping",
        scheme="http",
        headers=[
            ("Host", "127.0.0.1"),
            ("Cookie", f"csrftoken={CSRF_TOKEN}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", str(len(form))),
        ],
    )

    answer = serve(WSGIHandler(), scope, Protocol(form))

    assert answer.status == status
    assert (answer.body == b"pong") == (status == 200)


def test_the_bridge_is_sized_and_bounded_by_the_settings(settings, monkeypatch):
    monkeypatch.setenv("WEB_THREADS", "3")
    settings.REQUEST_READ_TIMEOUT_SECONDS = 7
    settings.REQUEST_READ_MIN_BYTES_PER_SECOND = 500

    the_bridge = bridge.application_from_settings()

    assert the_bridge.executor._max_workers == 3
    assert (the_bridge.read_timeout, the_bridge.min_rate) == (7, 500)
    assert the_bridge.max_body_bytes == settings.IMAGE_MAX_UPLOAD_BYTES + (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def test_the_largest_upload_the_admin_takes_fits_in_a_request_at_the_edge_and_the_server(
    settings,
):
    vcl = (settings.BASE_DIR / "config" / "varnish" / "default.vcl").read_text()
    edge_bytes = int(re.search(r"cache_req_body\((\d+)MB\)", vcl).group(1)) * 1024 * 1024
    largest_file = max(settings.IMAGE_MAX_UPLOAD_BYTES, settings.WORDPRESS_MAX_UPLOAD_BYTES)

    assert largest_file + settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.REQUEST_MAX_BYTES
    assert edge_bytes >= settings.REQUEST_MAX_BYTES


@pytest.mark.slow
def test_slow_clients_do_not_hold_up_other_readers_under_make_serve():
    """The defect itself, against the real server: POST bodies a byte a second and GET
    headers a byte a second, while /ping is timed (bench/slow_clients.py)."""
    result = subprocess.run(  # noqa: S603 (this project's own bench, run by this Python)
        [
            sys.executable,
            "bench/slow_clients.py",
            *("--slow-clients", "8", "--slow-headers", "2", "--seconds", "7"),
            *("--read-timeout", "4", "--max-delay", "1"),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "slow bodies (read timeout 4 s): 8 408" in result.stdout
