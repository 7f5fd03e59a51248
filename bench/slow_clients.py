"""Slow clients: do POSTs whose bodies arrive a byte a second hold up other readers?

    .venv/bin/python bench/slow_clients.py [--slow-clients 16] [--seconds 15]
        [--server granian|gunicorn] [--workers 2] [--threads 2]

Starts the server as `make serve` does (config/serve.py) in production mode on 127.0.0.1 and
a free port, measures /ping with no one else connected, then opens ``--slow-clients``
connections that each announce a 1,000-byte comment and send one byte a second, and
measures /ping again while they trickle, for ``--seconds``. Prints the slowest and median
/ping of each phase and the ratio of the slowest under slow clients to the slowest
without; the exit status is non-zero when a /ping waited more than --max-delay seconds
longer than without slow clients. Loopback only; every connection is closed at the end.
"""

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BODY_BYTES = 1000
PING_TIMEOUT = 30
CSRF_TOKEN = "a" * 32


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15, help="of slow clients")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--max-delay", type=float, default=1.0, help="seconds")
    return parser.parse_args()


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(args, port, work_dir):
    environment = {
        **os.environ,
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{work_dir / 'db.sqlite3'}",
        "VAR_DIR": str(work_dir),
        "STATIC_ROOT": str(work_dir / "static"),
        "LOG_LEVEL": "WARNING",
        "HOST": HOST,
        "PORT": str(port),
        "SERVER": args.server,
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
    }
    environment.pop("REDIS_URL", None)
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
    stop(server)
    sys.exit("The server did not answer /ping within 30 s.")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


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


def trickle(port, stop_at, opened):
    """A POST that sends its body one byte a second until ``stop_at``."""
    try:
        connection = socket.create_connection((HOST, port), timeout=5)
    except OSError:
        return
    opened.append(connection)
    # A CSRF cookie, so that Django reads the body to find the form's token, as for a
    # comment: without one it refuses the POST before reading anything.
    head = (
        f"POST /ping HTTP/1.1\r\nHost: {HOST}\r\nCookie: csrftoken={CSRF_TOKEN}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {BODY_BYTES}\r\n\r\n"
    )
    try:
        connection.sendall(head.encode())
        while time.monotonic() < stop_at:
            connection.sendall(b"a")
            time.sleep(1)
    except OSError:
        pass  # the server gave up on it: what a bounded server does


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


def main():
    args = parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        server = start_server(args, port, Path(work))
        opened = []
        try:
            alone = pings(port, time.monotonic() + 3)
            stop_at = time.monotonic() + args.seconds
            for _ in range(args.slow_clients):
                threading.Thread(target=trickle, args=(port, stop_at, opened), daemon=True).start()
            time.sleep(1)
            crowded = pings(port, stop_at - 1)
        finally:
            for connection in opened:
                connection.close()
            stop(server)
    print(f"{args.server}, {args.workers} workers x {args.threads} threads")
    print(describe("/ping alone", alone))
    print(describe(f"/ping with {args.slow_clients} slow clients", crowded))
    ratio = max(crowded) / max(alone)
    print(f"slowest /ping with slow clients / slowest alone: {ratio:.1f}x")
    delay = max(crowded) - max(alone)
    if delay > args.max_delay:
        sys.exit(f"Slow clients delayed /ping by {delay:.1f} s (more than {args.max_delay} s).")


if __name__ == "__main__":
    main()
