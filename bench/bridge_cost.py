"""What the bridge costs: granian's WSGI interface against the bridge `make serve` runs.

    .venv/bin/python bench/bridge_cost.py [--seconds 6] [--clients 8] [--rounds 1]
        [--workers 2] [--threads 2]

Seeds a SQLite database in a temporary directory (migrate, seed, collectstatic), then
starts granian as `make serve` does (config/serve.py) in production mode on 127.0.0.1,
once with WEB_INTERFACE=wsgi (the WSGI application run by granian's threads) and once
with the bridge (config/bridge.py), ``--rounds`` times each, alternately. Against each it
keeps ``--clients`` connections busy for ``--seconds`` on /ping and on a review page
served from the page cache (PAGE_CACHE_SECONDS on; a hit is checked first), and prints
requests per second, p50 latency and the server's CPU time per request, then the bridge's
figures as a ratio to WSGI's. Loopback only; a new connection per request (bench/serving.py's
load generator). About a minute with the defaults.
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import process_tree_cpu_seconds, production_environment, stop_server_group
from serving import free_port, get, keep_busy

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
INTERFACES = ("wsgi", "rsgi")
NAMES = {"wsgi": "granian WSGI", "rsgi": "RSGI bridge"}
FIRST_REVIEW = (
    "from reviews.models import Review; "
    "print(Review.objects.published().order_by('pk').first().get_absolute_url())"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6, help="per page and interface")
    parser.add_argument("--clients", type=int, default=8, help="connections kept busy")
    parser.add_argument("--rounds", type=int, default=1, help="of each interface, alternately")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    return parser.parse_args()


def environment(work_dir, **extra):
    return production_environment(work_dir, PAGE_CACHE_SECONDS="600", **extra)


def manage(work_dir, *command):
    return subprocess.run(  # noqa: S603 (this Python's manage.py, with fixed arguments)
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        env=environment(work_dir),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def seeded(work_dir):
    """Seed the database; the address of a published review."""
    manage(work_dir, "migrate", "--noinput")
    manage(work_dir, "createcachetable")
    manage(work_dir, "seed")
    manage(work_dir, "collectstatic", "--noinput")
    return manage(work_dir, "shell", "-c", FIRST_REVIEW).strip().splitlines()[-1]


def start(work_dir, interface, args, port):
    server = subprocess.Popen(  # noqa: S603 (this project's own server command)
        [sys.executable, "-m", "config.serve"],
        cwd=BASE_DIR,
        env=environment(
            work_dir,
            HOST=HOST,
            PORT=str(port),
            WEB_INTERFACE=interface,
            WEB_CONCURRENCY=str(args.workers),
            WEB_THREADS=str(args.threads),
            CACHE_KEY_PREFIX=f"bridge-cost-{interface}-{port}",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/ping")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server_group(server, timeout=15)
    sys.exit(f"The server ({interface}) did not answer /ping within 30 s.")


def measure(server, port, path, args):
    asyncio.run(keep_busy(port, path, args.clients, 1))  # warm: connections, caches
    cpu_before = process_tree_cpu_seconds(server.pid)
    latencies, statuses, elapsed = asyncio.run(keep_busy(port, path, args.clients, args.seconds))
    cpu = process_tree_cpu_seconds(server.pid) - cpu_before
    latencies.sort()
    count = len(latencies)
    if set(statuses) != {200}:
        sys.exit(f"{path} answered {statuses}.")
    return {
        "rps": count / elapsed,
        "p50": latencies[count // 2] * 1000,
        "cpu_ms": cpu / count * 1000,
    }


def measure_interface(work_dir, interface, pages, args):
    port = free_port()
    server = start(work_dir, interface, args, port)
    try:
        review = pages["review (cache hit)"]
        get(port, review)
        if get(port, review)[2].headers.get("X-Page-Cache") != "hit":
            sys.exit(f"{review} was not served from the page cache.")
        return {name: measure(server, port, path, args) for name, path in pages.items()}
    finally:
        stop_server_group(server, timeout=15)


def averaged(rows):
    return {key: sum(row[key] for row in rows) / len(rows) for key in rows[0]}


def report(results, pages):
    for name in pages:
        print(f"\n{name}")
        for interface in INTERFACES:
            row = averaged([run[name] for run in results[interface]])
            print(
                f"  {NAMES[interface]:13} {row['rps']:7.1f} req/s  p50 {row['p50']:6.1f} ms  "
                f"CPU {row['cpu_ms']:5.2f} ms/req"
            )
        wsgi = averaged([run[name] for run in results["wsgi"]])
        bridged = averaged([run[name] for run in results["rsgi"]])
        print(
            f"  bridge / WSGI: {bridged['rps'] / wsgi['rps']:.2f}x req/s, "
            f"{bridged['cpu_ms'] / wsgi['cpu_ms']:.2f}x CPU per request"
        )


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        pages = {"/ping": "/ping", "review (cache hit)": seeded(work_dir)}
        results = {interface: [] for interface in INTERFACES}
        for _ in range(args.rounds):
            for interface in INTERFACES:
                results[interface].append(measure_interface(work_dir, interface, pages, args))
    print(
        f"granian, {args.workers} workers x {args.threads} threads, {args.clients} clients, "
        f"{args.seconds:g} s per page, {args.rounds} round(s); "
        f"review page {pages['review (cache hit)']}"
    )
    report(results, pages)


if __name__ == "__main__":
    main()
