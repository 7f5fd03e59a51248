"""Start the production server: `python -m config.serve` (what `make serve` runs).

granian by default, gunicorn with SERVER=gunicorn. bench/serving.py measures both with
these same commands (bench/RESULTS.md): on this site granian served most pages with less
CPU per request and a lower p99 latency, and answered every request, where gunicorn leaves
one or two unanswered each time a worker reaches `max_requests` and restarts.

HOST and PORT say where to listen (127.0.0.1:8000), WEB_CONCURRENCY how many worker
processes and WEB_THREADS how many threads each runs requests on; LOG_LEVEL is shared with
Django's logging. Under granian a request's body is read whole before a thread runs it
(config/bridge.py), so a client sending it slowly holds no thread; gunicorn reads bodies
in its threads, and needs a buffering proxy in front (nginx) against slow clients.
granian also reads its own GRANIAN_* variables (`granian --help`).
"""

import os
import sys
from pathlib import Path

SERVERS = ("granian", "gunicorn")
INTERFACES = ("rsgi", "wsgi")
BIN_DIR = Path(sys.executable).parent


def listening_on():
    """(host, port) from HOST and PORT, as config/gunicorn.py reads them too."""
    return os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")


def granian_command():
    """granian's RSGI interface with the bridge (config/bridge.py) by default: a request is
    read whole, within its deadline, before one of WEB_THREADS threads runs it.
    WEB_INTERFACE=wsgi runs the WSGI application directly, as a point of comparison
    (bench/bridge_cost.py): there a body sent a byte a second holds a thread until it ends."""
    host, port = listening_on()
    interface = os.environ.get("WEB_INTERFACE", "rsgi")
    if interface not in INTERFACES:
        raise SystemExit(
            f"WEB_INTERFACE must be one of {', '.join(INTERFACES)}, not {interface!r}."
        )
    if interface == "rsgi":
        # granian's one thread runs the event loop; the bridge has WEB_THREADS of its own.
        threads, target = "1", ["--factory", "config.bridge:application_from_settings"]
    else:
        threads, target = os.environ.get("WEB_THREADS", "2"), ["config.wsgi:application"]
    return [
        str(BIN_DIR / "granian"),
        "--interface", interface,
        "--host", host,
        "--port", port,
        # One process per core: granian's own Rust threads do the network I/O.
        "--workers", os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)),
        "--blocking-threads", threads,
        "--respawn-failed-workers",
        "--no-ws",
        # A client gets this long (ms) to send its request line and headers; the bridge
        # bounds the time to send the body (REQUEST_READ_TIMEOUT_SECONDS).
        "--http1-header-read-timeout", os.environ.get("HEADER_READ_TIMEOUT_MS", "5000"),
        # Requests are logged by the application (core.logs.RequestLogMiddleware).
        "--no-access-log",
        "--log-level", os.environ.get("LOG_LEVEL", "info").lower(),
        *target,
    ]  # fmt: skip


def gunicorn_command():
    return [str(BIN_DIR / "gunicorn"), "config.wsgi", "--config", "config/gunicorn.py"]


def command(server):
    if server == "granian":
        return granian_command()
    if server == "gunicorn":
        return gunicorn_command()
    raise SystemExit(f"SERVER must be one of {', '.join(SERVERS)}, not {server!r}.")


def main():
    server = os.environ.get("SERVER", "granian")
    arguments = command(server)
    host, port = listening_on()
    banner = f"Production mode under {server}: http://{host}:{port}/  (Ctrl-C to stop)"
    print(f"\n  {banner}\n", flush=True)
    # The server takes this process's place, so a supervisor's signals reach it directly.
    os.execv(arguments[0], arguments)  # noqa: S606 (a fixed command: the venv's server)


if __name__ == "__main__":
    main()
