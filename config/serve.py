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

Beside the server runs the task worker (`manage.py run_worker`, core/worker.py), which does
the work queued in the database (edge purges, recommendation refreshes, the daily jobs),
unless TASKS_BACKEND says tasks run at once; with Varnish (EDGE=1) it runs behind Varnish.
All are stopped together.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

SERVERS = ("granian", "gunicorn")
INTERFACES = ("rsgi", "wsgi")
BIN_DIR = Path(sys.executable).parent
BASE_DIR = Path(__file__).resolve().parent.parent
VCL_DIR = BASE_DIR / "config" / "varnish"
STOP_SECONDS = 10


def listening_on():
    """(host, port) from HOST and PORT, as config/gunicorn.py reads them too."""
    return os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")


def granian_command(host, port):
    """granian's RSGI interface with the bridge (config/bridge.py) by default: a request is
    read whole, within its deadline, before one of WEB_THREADS threads runs it.
    WEB_INTERFACE=wsgi runs the WSGI application directly, as a point of comparison
    (bench/bridge_cost.py): there a body sent a byte a second holds a thread until it ends."""
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


def gunicorn_command(host, port):
    return [
        str(BIN_DIR / "gunicorn"), "config.wsgi",
        "--config", "config/gunicorn.py",
        "--bind", f"{host}:{port}",
    ]  # fmt: skip


def command(server, host=None, port=None):
    """The server's command line, listening on host:port (HOST and PORT by default)."""
    default_host, default_port = listening_on()
    host, port = host or default_host, str(port or default_port)
    if server == "granian":
        return granian_command(host, port)
    if server == "gunicorn":
        return gunicorn_command(host, port)
    raise SystemExit(f"SERVER must be one of {', '.join(SERVERS)}, not {server!r}.")


def backend_vcl(host, port, folder):
    """The backends Varnish uses (config/varnish/backend.template.vcl): the application
    server at this address, and the assembly socket in Varnish's folder."""
    text = (VCL_DIR / "backend.template.vcl").read_text()
    text = text.replace('"127.0.0.1"', f'"{host}"', 1).replace('"8001"', f'"{port}"', 1)
    return text.replace('"/var/varnish/assembly.sock"', f'"{assembly_socket(folder)}"', 1)


def assembly_socket(folder):
    """Where Varnish listens for its own requests: pages kept as the application sent them."""
    return Path(folder) / "assembly.sock"


def varnish_command(varnishd, host, port, folder, cache_mb):
    """varnishd in the foreground with the site's VCL, listening on host:port, with
    folder/backend.vcl (backend_vcl) before config/varnish/ in its VCL path."""
    return [
        varnishd,
        "-F",
        "-n", str(Path(folder) / "instance"),
        "-a", f"{host}:{port}",
        # Only Varnish itself connects here (default.vcl's assembly backend), as the user its
        # worker process runs as, hence the socket open to all: it serves only shared pages.
        "-a", f"assembly={assembly_socket(folder)},HTTP,mode=666",
        # Before -f, which varnishd compiles with the vcl_path given so far.
        "-p", f"vcl_path={folder}:{VCL_DIR}",
        "-f", str(VCL_DIR / "default.vcl"),
        "-s", f"malloc,{cache_mb}m",
        # Slow clients stop at the edge: a client silent for 5 s while sending a request
        # (its headers or its body, which Varnish reads whole before the application sees
        # it) or between requests is cut off; so is one taking over 10 s to take a chunk
        # of an answer, or 60 s for the whole of it.
        "-p", "timeout_idle=5",
        "-p", "idle_send_timeout=10",
        "-p", "send_timeout=60",
    ]  # fmt: skip


def stop_process_group(process):
    """Stop a child started in a session of its own (start_new_session) and all it started:
    SIGTERM, then SIGKILL after STOP_SECONDS."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            break
        try:
            process.wait(STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def edge_wanted():
    """Varnish's path when `make serve` asks for it (EDGE=1) and it is installed."""
    if os.environ.get("EDGE", "0") == "0":
        return None
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/sbin")
    if varnishd is None:
        print(
            "\n  Varnish is not installed, so pages are served without an edge cache."
            "\n  To have it in front: apt-get install varnish varnish-modules (EDGE=0 to"
            " silence this).",
            flush=True,
        )
    return varnishd


def purge_address(host, port):
    """Where the application purges its Varnish: over loopback, which Varnish trusts."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"  # noqa: S104


def edge_commands(varnishd, server, host, port):
    """Varnish's command line, the server's behind it on 127.0.0.1:BACKEND_PORT (PORT+1 by
    default), and the server's environment, which tells the application its Varnish."""
    cache_mb = os.environ.get("EDGE_CACHE_MB") or "256"
    varnish = varnish_command(varnishd, host, port, varnish_folder(), cache_mb)
    environment = {"EDGE_PURGE_URLS": purge_address(host, port), **os.environ}
    return varnish, command(server, "127.0.0.1", backend_port(port)), environment


def varnish_folder():
    """Varnish's working folder: VAR_DIR/varnish, so that a second checkout or the bench
    (which sets VAR_DIR) runs a Varnish of its own next to `make serve`'s."""
    return Path(os.environ.get("VAR_DIR") or BASE_DIR / "var") / "varnish"


def backend_port(port):
    return os.environ.get("BACKEND_PORT") or str(int(port) + 1)


DATABASE_TASKS = "django_tasks_db.DatabaseBackend"


def worker_wanted():
    """Whether tasks wait in the database for a worker (production mode's default; see TASKS
    in config/settings.py) rather than running at once (TASKS_BACKEND=...ImmediateBackend)."""
    return os.environ.get("TASKS_BACKEND", DATABASE_TASKS) == DATABASE_TASKS


def worker_command():
    """The task worker: runs every queue's tasks and the schedule, and stops cleanly on SIGTERM
    once its task is done."""
    manage = str(BASE_DIR / "manage.py")
    return [sys.executable, manage, "run_worker", "--queue-name", "*"]


def processes(server, host, port):
    """``[(name, command, environment)]`` of what `make serve` runs: Varnish in front of the
    server when it is wanted and installed, and the task worker when tasks wait for one."""
    varnishd = edge_wanted()
    if varnishd:
        varnish, application, environment = edge_commands(varnishd, server, host, port)
        folder = varnish_folder()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "backend.vcl").write_text(backend_vcl("127.0.0.1", backend_port(port), folder))
        running = [("Varnish", varnish, None), (server, application, environment)]
    else:
        environment = None
        running = [(server, command(server), None)]
    if worker_wanted():
        running.append(("the task worker", worker_command(), environment))
    return running


def run_together(running, server):
    """Start them all; stop them all when any stops, or on Ctrl-C or SIGTERM. Returns the
    exit status of the one named ``server``, or 1 if another stopped first."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    children, status = {}, 1
    try:
        for name, arguments, environment in running:
            # Sessions of their own: Ctrl-C reaches this process alone, which stops them all.
            children[name] = subprocess.Popen(  # noqa: S603 (fixed commands from the venv)
                arguments, env=environment, start_new_session=True
            )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        stopped = next(name for name, child in children.items() if child.returncode is not None)
        if children[server].returncode is not None:
            status = children[server].returncode
        print(f"{stopped} stopped: stopping the rest too.", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        status = 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan one
        for child in reversed(children.values()):
            stop_process_group(child)
    return status


def main():
    server = os.environ.get("SERVER", "granian")
    host, port = listening_on()
    running = processes(server, host, port)
    front = f"Varnish in front of {server}" if running[0][0] == "Varnish" else server
    worker = " with its task worker" if worker_wanted() else ""
    print(f"\n  Production mode under {front}{worker}: http://{host}:{port}/  (Ctrl-C to stop)\n",
          flush=True)  # fmt: skip
    if len(running) == 1:
        # The server takes this process's place, so a supervisor's signals reach it directly.
        arguments = running[0][1]
        os.execv(arguments[0], arguments)  # noqa: S606 (a fixed command: the venv's server)
    sys.exit(run_together(running, server))


if __name__ == "__main__":
    main()
