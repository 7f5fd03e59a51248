"""The site under granian's RSGI interface: a request is read whole before a thread runs it.

Under WSGI a server thread reads the request's body as Django asks for it, so a client
that sends its body a byte a second holds a thread for as long as it likes, and a few
such clients leave every reader waiting (bench/slow_clients.py). Here the event loop
reads each body while no thread waits for it, and refuses one that is too large (413) or
that does not arrive in time (408). Only a request read whole is given to the WSGI
application (config.wsgi), on one of WEB_THREADS threads.

The time to arrive is REQUEST_READ_TIMEOUT_SECONDS, plus a second for every
REQUEST_READ_MIN_BYTES_PER_SECOND bytes received, so that a large image sent over a slow
line still arrives while a body that trickles in does not. granian bounds the time to
send the request line and headers (HEADER_READ_TIMEOUT_MS, config/serve.py); a request
that has no body therefore never waits for its client at all.

RSGI (granian's own interface) rather than ASGI because it costs less per request
(bench/bridge_cost.py): a body is read and an answer sent in one call each, without
messages. Its path comes percent-decoded as text: bytes that are not UTF-8 reach Django
as U+FFFD, where WSGI gives them raw; no address of the site holds such bytes.
"""

import asyncio
import io
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)

# A response up to this size is gathered in the thread and sent from the event loop, so the
# thread is free before the client has read it; a larger one is sent from the thread.
BUFFERED_RESPONSE_BYTES = 256 * 1024
TOO_SLOW = "The request took too long to arrive. Please try again.\n"
TOO_LARGE = "The request is too large: the site accepts at most {} MB.\n"
SERVER_ERROR = "The site could not answer this request. Please try again later.\n"


class RequestRefused(Exception):
    """A request the bridge answers itself, with this status and message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class ClientGone(Exception):
    """The client closed its connection before sending its whole request."""


class WSGIBridge:
    """An RSGI application that runs ``wsgi_application`` once a request is read whole."""

    def __init__(self, wsgi_application, *, threads, read_timeout, min_rate, max_body_bytes):
        self.wsgi_application = wsgi_application
        self.read_timeout, self.min_rate = read_timeout, min_rate
        self.max_body_bytes = max_body_bytes
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __rsgi__(self, scope, protocol):
        if scope.proto != "http":
            raise ValueError(f"Only HTTP is served here, not {scope.proto!r}.")
        try:
            body = await self.read_body(scope, protocol)
        except RequestRefused as refusal:
            reason = refusal.message.strip()
            logger.warning(
                "%s %s from %s refused: %s", scope.method, scope.path, scope.client, reason
            )
            return send_answer(protocol, Answer.plain(refusal.status, refusal.message))
        except ClientGone:
            return None
        environ = wsgi_environ(scope, body)
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self.executor, self.run, environ, protocol, loop)
        if answer is not None:
            send_answer(protocol, answer)
        return None

    def __rsgi_del__(self, loop):
        self.executor.shutdown(wait=True)

    async def read_body(self, scope, protocol):
        """The request's body, read within its deadline and size limit."""
        headers = scope.headers
        if "content-length" not in headers and "transfer-encoding" not in headers:
            return b""  # HTTP/1.1: no body, so nothing to wait for
        announced = headers.get("content-length", "").strip()
        if announced.isdigit() and int(announced) > self.max_body_bytes:
            raise self.too_large()
        chunks, size = [], 0
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(self.read_timeout) as deadline:
                async for chunk in protocol:
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        raise self.too_large()
                    chunks.append(chunk)
                    deadline.reschedule(started + self.read_timeout + size / self.min_rate)
        except TimeoutError:
            raise RequestRefused(408, TOO_SLOW) from None
        if announced.isdigit() and size < int(announced):
            raise ClientGone
        return b"".join(chunks)

    def too_large(self):
        megabytes = f"{self.max_body_bytes / (1024 * 1024):g}"
        return RequestRefused(413, TOO_LARGE.format(megabytes))

    def run(self, environ, protocol, loop):
        """In a thread: the WSGI application's answer, or None once it has sent a large one
        itself. Closing the answer, which ends Django's request, happens in this thread."""
        answer = Answer()
        try:
            body = self.wsgi_application(environ, answer.start_response)
        except Exception:
            logger.exception("The WSGI application failed on %s", environ["PATH_INFO"])
            return Answer.plain(500, SERVER_ERROR)
        try:
            chunks = iter(body)
            for chunk in chunks:
                answer.add(chunk)
                if answer.size > BUFFERED_RESPONSE_BYTES:
                    send_from_thread(protocol, loop, answer, chunks)
                    return None
            return answer
        finally:
            if hasattr(body, "close"):
                body.close()


class Answer:
    """What the WSGI application answered: its status, headers and body so far."""

    def __init__(self):
        self.status, self.headers, self.chunks, self.size = None, [], [], 0

    @classmethod
    def plain(cls, status, message):
        answer = cls()
        answer.status = status
        answer.headers = [
            ("content-type", "text/plain; charset=utf-8"),
            ("connection", "close"),
        ]
        answer.add(message.encode())
        return answer

    def start_response(self, status, headers, exc_info=None):
        if exc_info and self.chunks:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = int(status.split(" ", 1)[0]), headers
        return self.add

    def add(self, chunk):
        if chunk:
            self.chunks.append(chunk)
            self.size += len(chunk)


def send_answer(protocol, answer):
    protocol.response_bytes(answer.status, answer.headers, b"".join(answer.chunks))


def send_from_thread(protocol, loop, answer, chunks):
    """Send a large answer from the thread that made it, chunk by chunk."""

    async def start():
        return protocol.response_stream(answer.status, answer.headers)

    async def send(chunk):
        await transport.send_bytes(chunk)  # an awaitable, not a coroutine

    transport = asyncio.run_coroutine_threadsafe(start(), loop).result()
    for chunk in [*answer.chunks, *chunks]:
        if chunk:
            asyncio.run_coroutine_threadsafe(send(chunk), loop).result()


def address(text):
    """("::1", "8000") from "[::1]:8000", as RSGI writes a server's and a client's address."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), port


def wsgi_environ(scope, body):
    """The WSGI environ (PEP 3333) of an RSGI request whose body has been read whole."""
    server_name, server_port = address(scope.server)
    environ = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scope.path.encode().decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = address(scope.client)
    environ.update(header_variables(scope.headers.items()))
    return environ


def header_variables(headers):
    """HTTP_* variables, and CONTENT_TYPE. A name with an underscore is left out, as Django's
    runserver does: X_Forwarded_For would otherwise pass for X-Forwarded-For."""
    variables = {}
    for name, value in headers:
        if "_" in name or name.lower() == "content-length":
            continue
        key = name.upper().replace("-", "_")
        key = key if key == "CONTENT_TYPE" else f"HTTP_{key}"
        if key in variables:
            separator = "; " if key == "HTTP_COOKIE" else ","
            value = f"{variables[key]}{separator}{value}"
        variables[key] = value
    return variables


def application_from_settings():
    """The bridge around the site, sized and bounded as the settings and WEB_THREADS say."""
    from django.conf import settings

    from config.wsgi import application as wsgi_application

    return WSGIBridge(
        wsgi_application,
        threads=int(os.environ.get("WEB_THREADS") or 2),
        read_timeout=settings.REQUEST_READ_TIMEOUT_SECONDS,
        min_rate=settings.REQUEST_READ_MIN_BYTES_PER_SECOND,
        max_body_bytes=settings.REQUEST_MAX_BYTES,
    )
