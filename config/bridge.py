"""The site under granian's ASGI interface: a request is read whole before a thread runs it.

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
"""

import asyncio
import io
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

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
    """An ASGI application that runs ``wsgi_application`` once a request is read whole."""

    def __init__(self, wsgi_application, *, threads, read_timeout, min_rate, max_body_bytes):
        self.wsgi_application = wsgi_application
        self.read_timeout, self.min_rate = read_timeout, min_rate
        self.max_body_bytes = max_body_bytes
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served here, not {scope['type']!r}.")
        try:
            body = await self.read_body(scope, receive)
        except RequestRefused as refusal:
            client = (scope.get("client") or ("?",))[0]
            reason = refusal.message.strip()
            logger.warning(
                "%s %s from %s refused: %s", scope["method"], scope["path"], client, reason
            )
            return await send_plain(send, refusal.status, refusal.message)
        except ClientGone:
            return None
        environ = wsgi_environ(scope, body)
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self.executor, self.run, environ, send, loop)
        if answer is not None:
            await send_answer(send, answer)
        return None

    async def read_body(self, scope, receive):
        """The request's body, read within its deadline and size limit."""
        announced = header(scope, b"content-length")
        if announced.isdigit() and int(announced) > self.max_body_bytes:
            raise self.too_large()
        chunks, size = [], 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(self.read_timeout) as deadline:
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise ClientGone
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        raise self.too_large()
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
                    deadline.reschedule(started + self.read_timeout + size / self.min_rate)
        except TimeoutError:
            raise RequestRefused(408, TOO_SLOW) from None

    def too_large(self):
        megabytes = f"{self.max_body_bytes / (1024 * 1024):g}"
        return RequestRefused(413, TOO_LARGE.format(megabytes))

    def run(self, environ, send, loop):
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
                    send_from_thread(send, loop, answer, chunks)
                    return None
            return answer
        finally:
            if hasattr(body, "close"):
                body.close()

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


class Answer:
    """What the WSGI application answered: its status, headers and body so far."""

    def __init__(self):
        self.status, self.headers, self.chunks, self.size = None, [], [], 0

    @classmethod
    def plain(cls, status, message):
        answer = cls()
        answer.status, answer.headers = status, plain_headers(message)
        answer.add(message.encode())
        return answer

    def start_response(self, status, headers, exc_info=None):
        if exc_info and self.chunks:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        return self.add

    def add(self, chunk):
        if chunk:
            self.chunks.append(chunk)
            self.size += len(chunk)

    def start_message(self):
        return {"type": "http.response.start", "status": self.status, "headers": self.headers}


async def send_answer(send, answer):
    await send(answer.start_message())
    await send({"type": "http.response.body", "body": b"".join(answer.chunks)})


def send_from_thread(send, loop, answer, chunks):
    """Send a large answer from the thread that made it: the start, then chunk by chunk."""

    def sent(message):
        asyncio.run_coroutine_threadsafe(send(message), loop).result()

    sent(answer.start_message())
    for chunk in [*answer.chunks, *chunks]:
        if chunk:
            sent({"type": "http.response.body", "body": chunk, "more_body": True})
    sent({"type": "http.response.body", "body": b""})


async def send_plain(send, status, message):
    await send_answer(send, Answer.plain(status, message))


def plain_headers(message):
    return [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(message.encode())).encode()),
        (b"connection", b"close"),
    ]


def header(scope, name):
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return ""


def wsgi_environ(scope, body):
    """The WSGI environ (PEP 3333) of an ASGI request whose body has been read whole."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server_name),
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = map(str, scope["client"])
    environ.update(header_variables(scope["headers"]))
    return environ


def header_variables(headers):
    """HTTP_* variables, and CONTENT_TYPE. A name with an underscore is left out, as Django's
    runserver does: X_Forwarded_For would otherwise pass for X-Forwarded-For."""
    variables = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
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
