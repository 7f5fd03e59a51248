"""Slow clients: do POSTs whose bodies arrive a byte a second hold up other readers?

    .venv/bin/python bench/slow_clients.py [--slow-clients 16] [--slow-headers 4]
        [--seconds 15] [--server granian|gunicorn] [--interface rsgi|wsgi]
        [--workers 2] [--threads 2] [--read-timeout 10]

Starts the server as `make serve` does (config/serve.py) in production mode on 127.0.0.1 and
a free port, measures /ping with no one else connected, then opens ``--slow-clients``
connections that each announce a 1,000-byte comment and send one byte a second, and
``--slow-headers`` that send a GET's headers a byte a second, and measures /ping again
while they trickle, for ``--seconds``. Prints the median and slowest /ping of each phase,
the ratio of the slowest under slow clients to the slowest without, and how the slow
clients' connections ended (the server's status, closed, or still open at the end); the
exit status is non-zero when a /ping waited more than --max-delay seconds longer than
without slow clients. ``--read-timeout`` is given to the server as
REQUEST_READ_TIMEOUT_SECONDS. Loopback only; every connection is closed at the end.
"""

import argparse
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from machine import free_port, production_environment, stop_server_group

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BODY_BYTES = 1000
PING_TIMEOUT = 30
CSRF_TOKEN = "a" * 32


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-clients", type=int, default=16, help="slow POST bodies")
    parser.add_argument("--slow-headers", type=int, default=4, help="slow GET headers")
    parser.add_argument("--seconds", type=float, default=15, help="of slow clients")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--interface", choices=("rsgi", "wsgi"), default="rsgi", help="granian's")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--max-delay", type=float, default=1.0, help="seconds")
    parser.add_argument("--read-timeout", type=int, default=10, help="seconds, for the body")
    return parser.parse_args()


def start_server(args, port, work_dir):
    environment = production_environment(
        work_dir,
        HOST=HOST,
        PORT=str(port),
        SERVER=args.server,
        WEB_INTERFACE=args.interface,
        REQUEST_READ_TIMEOUT_SECONDS=str(args.read_timeout),
        WEB_CONCURRENCY=str(args.workers),
        WEB_THREADS=str(args.threads),
    )
    server = subprocess.Popen(  # noqa: S603 (this project's own server command)
        [sys.executable, "-m", "config.serve"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ping(port)
            return server
        except OSError:
            time.sleep(0.2)
    stop_server_group(server, timeout=15)
    sys.exit("The server did not answer /ping within 30 s.")


def ping(port):
    """Seconds for one GET /ping on a new connection."""
    started = time.monotonic()
    with socket.create_connection((HOST, port), timeout=PING_TIMEOUT) as connection:
        request = f"GET /ping HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode())
        answer = b""
        while b"pong" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    if b"pong" not in answer:
        raise OSError(f"unexpected answer: {answer[:80]!r}")
    return time.monotonic() - started


SLOW_BODY = (
    f"POST /ping HTTP/1.1\r\nHost: {HOST}\r\nCookie: csrftoken={CSRF_TOKEN}\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {BODY_BYTES}\r\n\r\n"
).encode()
SLOW_HEADERS = f"GET /ping HTTP/1.1\r\nHost: {HOST}\r\nX-Padding: {'a' * BODY_BYTES}".encode()


def trickle(port, stop_at, opened, endings, head, slow_part):
    """Send ``head`` at once, then ``slow_part`` a byte a second until ``stop_at`` or until
    the server answers or closes; ``endings`` gets how the connection ended."""
    try:
        connection = socket.create_connection((HOST, port), timeout=5)
    except OSError:
        endings.append("refused")
        return
    opened.append(connection)
    try:
        connection.sendall(head)
        for byte in slow_part:
            if time.monotonic() >= stop_at:
                endings.append("still open")
                return
            connection.sendall(bytes([byte]))
            readable, _, _ = select.select([connection], [], [], 1)
            if readable:
                endings.append(ending(connection.recv(4096)))
                return
        endings.append("sent whole")
    except OSError:
        endings.append("closed")  # the server gave up on it: what a bounded server does


def ending(answer):
    """ "408" for an answer with that status, "closed" for a connection closed silently."""
    if answer.startswith(b"HTTP/"):
        return answer[9:12].decode()
    return "closed"


def pings(port, until):
    latencies = []
    while time.monotonic() < until:
        try:
            latencies.append(ping(port))
        except OSError:
            latencies.append(PING_TIMEOUT)
        time.sleep(0.2)
    return latencies


def describe(name, latencies):
    return (
        f"{name}: {len(latencies)} pings, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"slowest {max(latencies) * 1000:.0f} ms"
    )


def endings_line(name, endings):
    counts = Counter(endings)
    return f"{name}: " + ", ".join(f"{n} {what}" for what, n in counts.most_common())


def main():
    args = parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        server = start_server(args, port, Path(work))
        opened, bodies, headers = [], [], []
        try:
            alone = pings(port, time.monotonic() + 3)
            stop_at = time.monotonic() + args.seconds
            slow = [(bodies, SLOW_BODY, b"a" * BODY_BYTES)] * args.slow_clients
            slow += [(headers, b"", SLOW_HEADERS)] * args.slow_headers
            threads = [
                threading.Thread(target=trickle, args=(port, stop_at, opened, *client), daemon=True)
                for client in slow
            ]
            for thread in threads:
                thread.start()
            time.sleep(1)
            crowded = pings(port, stop_at - 1)
            for thread in threads:
                thread.join(timeout=5)
        finally:
            for connection in opened:
                connection.close()
            stop_server_group(server, timeout=15)
    interface = f" ({args.interface})" if args.server == "granian" else ""
    print(f"{args.server}{interface}, {args.workers} workers x {args.threads} threads")
    print(describe("/ping alone", alone))
    slow_clients = f"{args.slow_clients} slow bodies and {args.slow_headers} slow headers"
    print(describe(f"/ping with {slow_clients}", crowded))
    ratio = max(crowded) / max(alone)
    print(f"slowest /ping with slow clients / slowest alone: {ratio:.1f}x")
    print(endings_line(f"slow bodies (read timeout {args.read_timeout} s)", bodies))
    print(endings_line("slow headers", headers))
    delay = max(crowded) - max(alone)
    if delay > args.max_delay:
        sys.exit(f"Slow clients delayed /ping by {delay:.1f} s (more than {args.max_delay} s).")


if __name__ == "__main__":
    main()
