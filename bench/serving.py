"""The site under load: throughput, growth and moderation at scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/serving.py [--databases sqlite,postgresql] [--seconds 8] [--clients 8]

For each database it builds (once, then reuses) two synthetic archives with
``manage.py build_archive``: a large one (10,000 films, 100,000 reviews, 1,000,000 comments,
5,000 tags) and a small one (the same, with 1,000 comments). The newest review of each is
given exactly 200 approved comments. Archives live in /tmp/bench-site (SQLite) or in the
PostgreSQL databases ``bench_site_large`` and ``bench_site_small`` (``--postgres-url``);
``--rebuild`` builds them again. A first build takes about 3 minutes (SQLite) to 5
(PostgreSQL) for the large archive.

Then, against the production server on 127.0.0.1 (production mode, Redis as the cache on
PostgreSQL), a load generator in this process keeps ``--clients`` connections busy on one
page at a time for ``--seconds`` and records requests per second, p50/p99 latency and the
server's CPU time per request (from /proc, summed over the server's processes). Every page
is given as a ratio to the same server's trivial view (``/ping``) measured in the same run,
before and after the pages.

- Throughput: home, a review with 200 comments, its film, the film with the most credits
  (about 200), the films list, the person with the most credits, the most used tag, a
  search and the RSS feed, with the page cache warm and with it off, on the large archive;
  then the review as a page-cache miss that finds its fragments (its article, comment
  threads and related films) kept: the page cache off and fragments on
  (FRAGMENT_CACHE_SECONDS), so that every request renders the page around them. Targets,
  in CPU per request: the review cold at most 20× /ping's, missed with its fragments warm
  at most 4×;
  with the cache off, home, the tag, the films list and the search each at most 25×.
- Servers: the same under gunicorn and under granian, each started as `make serve` starts
  it (config/serve.py); growth and moderation run under granian, which `make serve` uses.
- Growth: the server's CPU time per request for the same pages (cache off) on the small
  archive and on the large one, each as a multiple of /ping's on the same server; large ÷
  small is the page's growth, at most 1.2 (the target). Both servers run throughout and
  are measured in turn, page by page, so that the machine's drift weighs on both alike.
- Moderation at scale: the time to open the pending queue as a moderator, and to approve
  1,000 pending comments in one admin action, on the large archive, with tasks (the
  emails) queued in the database as in production; each also as a multiple of one
  request to ``/ping`` in the same run. Targets: under 150 ms and under 1 s.
- Edge: `make serve`'s Varnish in front of granian (EDGE=1), the page cache on; the home
  page and the review, stored by Varnish, against ``/ping`` straight to granian, both asked
  by the same generator: wrk where it is installed (``apt-get install wrk``), otherwise this
  Python generator in two processes, which is slower than Varnish and says so. Target: an
  edge hit at ten times ``/ping``'s throughput. CPU per request is Varnish's and the
  application's (about 0 on hits) apart, and the generator's own. Skipped when varnishd is
  not installed.
- Hit: the review with 200 comments as an application page-cache hit (answered before
  Django's middleware, core/fastpath.py) against ``/ping``, under granian, with the page
  cache warm. Targets: at least 90% of ``/ping``'s throughput, at most 1.1× its CPU per
  request.

Figures are printed and appended to bench/RESULTS.md with the machine's description.
``--scale 0.01`` builds archives a hundredth of the size, to try the bench quickly.
"""

import argparse
import asyncio
import functools
import json
import multiprocessing
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

from machine import (
    append_results,
    child_processes,
    free_port,
    machine_cpu_seconds,
    machine_lines,
    process_table,
    process_tree_cpu_seconds,
    stop_server_group,
)

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = Path(tempfile.gettempdir()) / "bench-site"
HOST = "127.0.0.1"
MAIN_SERVER = "granian"  # the one `make serve` runs
LARGE = {"films": 10_000, "reviews": 100_000, "comments": 1_000_000, "tags": 5_000}
SMALL = {**LARGE, "comments": 1_000}
COMMENTS_ON_THE_REVIEW = 200
APPROVED_AT_ONCE = 1_000
TARGETS = {
    "warm review": 0.70,
    # The review page's CPU per request as a multiple of /ping's: fully cold, and a
    # page-cache miss that finds its fragments kept.
    "cold review cpu": 20,
    "missed review cpu": 4,
    # From 1,000 to 1,000,000 comments: a page's CPU, as a multiple of /ping's in its run.
    "growth": 1.2,
    "edge hit": 10,
    # An application page-cache hit: throughput as a share of /ping's, CPU as a multiple.
    "hit throughput": 0.90,
    "hit cpu": 1.1,
    # A cold listing (home, the most used tag, /films/, a search): CPU as a multiple.
    "cold listing cpu": 25,
}
# Moderation, through the server: approving APPROVED_AT_ONCE comments in one admin action,
# and opening the pending queue.
MODERATION_TARGETS = {"approve_s": 1.0, "open_ms": 150}
SECTIONS = ["throughput", "hit", "growth", "moderation", "edge"]
BASELINE = "baseline (/ping)"
# The figures of a page measured several times that are averaged into one row.
AVERAGED = ("rps", "p50", "p99", "cpu_ms", "requests", "generator_cpu_ms")
# The throughput section's states of the server's caches: (page cache on, more variables).
# "fragments": pages are not stored, their fragments are, as after a page-cache miss.
CACHE_STATES = {
    "warm": (True, {}),
    "off": (False, {}),
    "fragments": (False, {"FRAGMENT_CACHE_SECONDS": "600"}),
}
MISSED_REVIEW = f"review ({COMMENTS_ON_THE_REVIEW} comments), page missed, fragments warm"
# The edge is asked by this many generator processes (each with --clients connections):
# one Python process cannot ask as fast as Varnish answers.
EDGE_GENERATORS = 2
# ... or, where it is installed (apt-get install wrk), wrk's threads: a C generator that can.
WRK = shutil.which("wrk")
# A generator busy this share of its time is the limit of what is measured.
GENERATOR_LIMIT = 0.8
# So are CPUs busy this share of their time, with this load or with other programs.
MACHINE_LIMIT = 0.9
MODERATOR = ("moderator", "moderator-demo-pass")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--seconds", type=float, default=8, help="per page and cache state")
    parser.add_argument("--clients", type=int, default=8, help="connections kept busy")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the archive sizes")
    parser.add_argument("--rebuild", action="store_true", help="build the archives again")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--only", choices=SECTIONS, action="append")
    return parser.parse_args()


# Archives


class Archive:
    """One synthetic archive in one database, built once and reused."""

    def __init__(self, args, vendor, name, sizes):
        self.args, self.vendor, self.name = args, vendor, name
        self.sizes = {key: max(1, round(value * args.scale)) for key, value in sizes.items()}
        suffix = "" if args.scale == 1 else f"_x{args.scale:g}".replace(".", "_")
        label = f"{name}{suffix}"
        if vendor == "sqlite":
            self.path = WORK_DIR / f"sqlite-{label}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.database = f"bench_site_{label}"
            self.url = f"{args.postgres_url.rstrip('/')}/{self.database}"
        self.marker = WORK_DIR / f"{vendor}-{label}.built"

    def environment(self, production=False):
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.url,
            "VAR_DIR": str(WORK_DIR),
            "STATIC_ROOT": str(WORK_DIR / "static"),
            "MEDIA_ROOT": str(WORK_DIR / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "plain",
        }
        environment.pop("REDIS_URL", None)
        if self.vendor == "postgresql":
            environment["REDIS_URL"] = self.args.redis_url
        if production:
            environment.update(
                PRODUCTION="1",
                DEBUG="0",
                SECRET_KEY=SECRET_KEY,
                ALLOWED_HOSTS=HOST,
                SECURE_SSL_REDIRECT="0",
                # Each server starts with an empty cache of its own.
                CACHE_KEY_PREFIX=f"bench-site-{uuid.uuid4().hex[:8]}",
            )
        return environment

    def manage(self, *command, production=False):
        subprocess.run(  # noqa: S603 (this Python's manage.py, with the bench's arguments)
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=self.environment(production),
            check=True,
        )

    def exists(self):
        if not self.marker.exists():
            return False
        if self.vendor == "sqlite":
            return self.path.exists()
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=5):
                return True
        except psycopg.OperationalError:
            return False

    def build(self):
        WORK_DIR.mkdir(exist_ok=True)
        self.marker.unlink(missing_ok=True)
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            recreate_postgres_database(self.args.postgres_url, self.database)
        print(f"Building the {self.name} archive on {self.vendor}: {self.sizes}", flush=True)
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("createcachetable")
        self.manage("seed")
        self.manage("create_demo_accounts")
        self.manage("build_archive", *(f"--{key}={value}" for key, value in self.sizes.items()))
        self.marker.write_text(json.dumps(self.sizes))

    def prepare(self):
        """Build when needed; then the pages to measure and what the archive holds."""
        if self.args.rebuild or not self.exists():
            self.build()
        else:
            self.manage("migrate", "--noinput", "--verbosity", "0")  # built by older code
        output = subprocess.run(  # noqa: S603 (this script, run by this Python)
            [sys.executable, __file__, "--prepare-targets"],
            cwd=BASE_DIR,
            env=self.environment(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])


def recreate_postgres_database(server_url, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def restore_pending_comments():
    """Put comments that earlier runs approved back in the queue, so that every run has
    ``APPROVED_AT_ONCE`` pending comments to approve (the archive's own are never touched)."""
    from django.db import transaction

    from comments.models import Comment
    from comments.services import update_comment_counts

    missing = APPROVED_AT_ONCE - Comment.objects.pending().count()
    if missing <= 0:
        return
    approved_by_the_bench = Comment.objects.approved().filter(moderated_by__isnull=False)
    restored = approved_by_the_bench.order_by("-moderated_at").values_list("pk", "review_id")
    restored = list(restored[:missing])
    with transaction.atomic():
        Comment.objects.filter(pk__in=[pk for pk, _ in restored]).update(
            status=Comment.Status.PENDING, moderated_by=None, moderated_at=None
        )
        update_comment_counts({review_id for _, review_id in restored})


def prepare_targets():
    """Run in a child process with the archive's DATABASE_URL: give the newest review exactly
    200 approved comments, and print the pages to measure as JSON."""
    import django

    sys.path.insert(0, str(BASE_DIR))
    django.setup()
    from django.db import transaction
    from django.db.models import Count, Q
    from django.utils import timezone
    from machine import database_description

    from comments.models import Comment
    from comments.services import update_comment_counts
    from comments.text import render_comment_text
    from core.archive.text import NOUNS_BY_USE
    from reviews.models import Film, Person, Review, tags_with_counts

    review = Review.objects.published().order_by("-publish_at", "-pk").first()
    comments = review.comments.aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(status="approved"))
    )
    if comments != {"total": COMMENTS_ON_THE_REVIEW, "approved": COMMENTS_ON_THE_REVIEW}:
        now = timezone.now()
        with transaction.atomic():
            review.comments.all().delete()
            for n in range(COMMENTS_ON_THE_REVIEW):
                body = f"Comment {n + 1} on this review: the ending stayed with me for days."
                Comment.objects.create(
                    review=review,
                    author_name=f"Reader {n + 1}",
                    author_email=f"reader{n + 1}@example.com",
                    body=body,
                    body_html=render_comment_text(body),
                    status=Comment.Status.APPROVED,
                    submitted_at=now,
                    moderated_at=now,
                )
            update_comment_counts([review.pk])
    tag = tags_with_counts().order_by("-item_count", "name").first()
    credited = Count("credits")
    longest_cast = Film.objects.annotate(credited=credited).order_by("-credited", "pk").first()
    busiest = Person.objects.annotate(credited=credited).order_by("-credited", "pk").first()
    query = f"{NOUNS_BY_USE[3]} {NOUNS_BY_USE[12]}"
    restore_pending_comments()
    pending = Comment.objects.filter(status=Comment.Status.PENDING).order_by("-submitted_at")
    print(
        json.dumps(
            {
                "pages": {
                    "home": "/",
                    f"review ({COMMENTS_ON_THE_REVIEW} comments)": review.get_absolute_url(),
                    "film": review.film.get_absolute_url(),
                    f"film ({longest_cast.credited} credits)": longest_cast.get_absolute_url(),
                    "films list": "/films/",
                    f"person ({busiest.credited} credits)": busiest.get_absolute_url(),
                    f"tag ({tag.item_count:,} items)": f"/tags/{tag.slug}/",
                    f'search "{query}"': "/search/?" + urllib.parse.urlencode({"q": query}),
                    "RSS feed": "/feeds/reviews/rss/",
                },
                "pending": list(pending.values_list("pk", flat=True)[:APPROVED_AT_ONCE]),
                "holds": {
                    "films": Film.objects.count(),
                    "reviews": Review.objects.count(),
                    "comments": Comment.objects.count(),
                    "pending": pending.count(),
                    "tags": tags_with_counts().count(),
                },
                "database": database_description(),
            }
        )
    )


# Servers


class Server:
    """The server as `make serve` starts it (config/serve.py); with ``edge``, Varnish on
    ``port`` and the server behind it on ``backend_port``."""

    def __init__(self, kind, archive, cached, edge=False, task_queue=False, environment=None):
        self.kind, self.archive, self.cached, self.edge = kind, archive, cached, edge
        self.environment = environment or {}  # more variables for the server
        # With ``task_queue``, tasks wait in the database's queue as in production (no
        # worker runs them here); otherwise they run at once, inside the request.
        self.task_queue = task_queue
        self.port = self.backend_port = free_port()
        while edge and self.backend_port == self.port:
            self.backend_port = free_port()

    def __enter__(self):
        environment = self.archive.environment(production=True)
        environment.update(
            SERVER=self.kind,
            HOST=HOST,
            PORT=str(self.port),
            PAGE_CACHE_SECONDS="600" if self.cached else "0",
            COMMENTS_RATE_LIMIT="1000000000",
            EDGE="1" if self.edge else "0",
            BACKEND_PORT=str(self.backend_port),
            EDGE_CACHE_MB="64",
        )
        environment.update(self.environment)
        if self.task_queue:
            environment["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
        self.log = open(WORK_DIR / f"{self.kind}{'-edge' if self.edge else ''}.log", "ab")
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command: the venv's server)
            [sys.executable, "-m", "config.serve"],
            cwd=BASE_DIR,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/ping")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.kind} did not start: see {self.log.name}")

    def __exit__(self, *exc):
        stop_server_group(self.process)
        self.log.close()

    def cpu_seconds(self):
        """CPU seconds so far: {"server": all its processes}, or behind Varnish
        {"varnish": Varnish's processes, "app": the application server's}."""
        table = process_table()
        if not self.edge:
            return {"server": process_tree_cpu_seconds(self.process.pid, table)}
        parts = {"varnish": 0.0, "app": 0.0}
        for pid, name in child_processes(self.process.pid, table).items():
            part = "varnish" if name.startswith("varnish") else "app"
            parts[part] += process_tree_cpu_seconds(pid, table)
        return parts


# The load generator


def get(port, path, headers=None, body=None, method="GET"):
    connection = HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


async def fetch(port, request):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        data = await reader.read()
    finally:
        writer.close()
    return int(data[9:12]) if data[:5] == b"HTTP/" else 0


async def keep_busy(port, path, clients, seconds):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        "User-Agent: bench/serving.py\r\n\r\n"
    ).encode()
    latencies, statuses = [], {}
    deadline = time.perf_counter() + seconds

    async def client():
        while (started := time.perf_counter()) < deadline:
            try:
                status = await fetch(port, request)
            except OSError:
                status = 0
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, statuses, time.perf_counter() - started


def load_in_this_process(port, path, clients, seconds):
    """keep_busy, and the CPU seconds this process spent generating the load."""
    cpu = time.process_time()
    latencies, statuses, elapsed = asyncio.run(keep_busy(port, path, clients, seconds))
    return latencies, statuses, elapsed, time.process_time() - cpu


def generate_load(port, path, clients, seconds, processes=1):
    """keep_busy in ``processes`` processes at once, each with ``clients`` connections:
    the requests answered, p50 and p99 latency in seconds, the statuses, the seconds
    elapsed and the generator's CPU seconds, all summed."""
    if processes == 1:
        return load_figures(*load_in_this_process(port, path, clients, seconds))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.starmap(load_in_this_process, [(port, path, clients, seconds)] * processes)
    statuses = sum((Counter(part[1]) for part in parts), Counter())
    return load_figures(
        [latency for part in parts for latency in part[0]],
        dict(statuses),
        max(part[2] for part in parts),
        sum(part[3] for part in parts),
    )


def load_figures(latencies, statuses, elapsed, generator_cpu):
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "p50": latencies[count // 2],
        "p99": latencies[min(count - 1, int(count * 0.99))],
        "statuses": statuses,
        "elapsed": elapsed,
        "generator_cpu": generator_cpu,
    }


# wrk's summary as one line of JSON; "status" counts the answers that were not 2xx or 3xx.
WRK_SUMMARY = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"no_answer": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
"""


def wrk_load(port, path, clients, seconds, processes=1, keep_alive=False):
    """The same load as generate_load (``processes`` threads × ``clients`` connections, a new
    connection per request unless ``keep_alive``), asked by wrk, a C generator fast enough to
    measure Varnish, with a browser's Accept-Encoding. wrk's latency starts once connected,
    where keep_busy's includes the connection."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SUMMARY)
        script.flush()
        before = os.times()
        finished = subprocess.run(  # noqa: S603 (wrk, with the bench's own arguments)
            [
                WRK,
                f"--threads={processes}",
                f"--connections={clients * processes}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=60s",
                f"--script={script.name}",
                f"--header=Connection: {'keep-alive' if keep_alive else 'close'}",
                "--header=User-Agent: bench/serving.py",
                # As every browser asks: the edge sends what it stored, compressed.
                "--header=Accept-Encoding: gzip, deflate, br",
                f"http://{HOST}:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        after = os.times()
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    not_2xx = summary["status"]
    return {
        "requests": summary["requests"],
        "p50": summary["p50_us"] / 1e6,
        "p99": summary["p99_us"] / 1e6,
        "statuses": {
            200: summary["requests"] - not_2xx,
            "not 2xx": not_2xx,
            0: summary["no_answer"],
        },
        "elapsed": summary["duration_us"] / 1e6,
        "generator_cpu": (after.children_user + after.children_system)
        - (before.children_user + before.children_system),
    }


def measure(server, path, clients, seconds, port=None, processes=1, load=generate_load):
    """Requests per second, latencies, the server's CPU per request on one page (in all and
    by part: Server.cpu_seconds) and the load generator's, with the share of its time the
    generator was busy. ``load`` is generate_load or wrk_load."""
    port = port or server.port
    load(port, path, clients, 1, processes)  # warm: connections, caches
    cpu_before, machine_before = server.cpu_seconds(), machine_cpu_seconds()
    figures = load(port, path, clients, seconds, processes)
    cpu = {part: used - cpu_before[part] for part, used in server.cpu_seconds().items()}
    (busy_after, total_after), (busy_before, total_before) = machine_cpu_seconds(), machine_before
    busy, total = busy_after - busy_before, total_after - total_before
    count, generator_cpu = max(1, figures["requests"]), figures["generator_cpu"]
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / figures["elapsed"],
        "p50": figures["p50"] * 1000,
        "p99": figures["p99"] * 1000,
        "cpu_ms": sum(cpu.values()) / count * 1000,
        **{f"{part}_cpu_ms": used / count * 1000 for part, used in cpu.items()},
        "generator_cpu_ms": generator_cpu / count * 1000,
        "generator_busy": generator_cpu / (figures["elapsed"] * processes),
        # The machine's CPUs, busy with anything (other programs too), and with this load.
        "machine_busy": busy / total,
        "ours_busy": (sum(cpu.values()) + generator_cpu) / total,
        "failed": {status: n for status, n in figures["statuses"].items() if status != 200 and n},
    }


def failures(row):
    """ "3 × 502, 1 × no answer": what came back instead of a 200."""
    return ", ".join(
        f"{n} × {status or 'no answer'}" for status, n in sorted(row["failed"].items(), key=str)
    )


def averaged(runs):
    """One row for several runs of the same page: their figures' means, every failure."""
    row = {key: statistics.fmean(run[key] for run in runs) for key in AVERAGED}
    row["failed"] = dict(sum((Counter(run["failed"]) for run in runs), Counter()))
    return row


def measure_pages(server, pages, args):
    """The baseline, every page, the baseline again; each page as a ratio to the baseline."""
    first = measure(server, "/ping", args.clients, args.seconds)
    rows = {name: measure(server, path, args.clients, args.seconds) for name, path in pages.items()}
    last = measure(server, "/ping", args.clients, args.seconds)
    baseline = averaged([first, last])
    with_ratios(baseline, rows)
    return {BASELINE: baseline, **rows}


def with_ratios(baseline, rows):
    """Give each row its throughput and CPU as ratios to the baseline's; print them all."""
    for row in rows.values():
        row["ratio"] = row["rps"] / baseline["rps"]
        row["cpu_ratio"] = baseline["cpu_ms"] / row["cpu_ms"]
    for name, row in {BASELINE: baseline, **rows}.items():
        print(
            f"    {name:32} {row['rps']:8.1f} req/s  p50 {row['p50']:7.1f} ms  "
            f"p99 {row['p99']:7.1f} ms  CPU {row['cpu_ms']:6.2f} ms/req"
            + (f"  {row['ratio']:6.1%} of baseline" if "ratio" in row else "")
            + (f"  not 200: {failures(row)}" if row["failed"] else ""),
            flush=True,
        )


def marked(verdict, met):
    """The verdict, with ": MISSED" when its target is missed."""
    return verdict if met else f"{verdict}: MISSED"


def is_listing(name):
    return name in ("home", "films list") or name.startswith(("tag (", "search "))


def listing_verdict(row):
    """ "CPU 23.5× /ping's, target ≤ 25× /ping's CPU", with ": MISSED" when over it."""
    cpu, target = 1 / row["cpu_ratio"], TARGETS["cold listing cpu"]
    return marked(f"CPU {cpu:.1f}× /ping's, target ≤ {target:g}× /ping's CPU", cpu <= target)


# Moderation


class Moderator:
    """A signed-in moderator in the admin, with cookies like a browser's."""

    QUEUE = "/admin/comments/comment/?status__exact=pending"

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        status, content, response = get(
            self.port, path, headers, body, "POST" if form is not None else "GET"
        )
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return status, content.decode(), seconds, response.headers.get("Location")

    def csrf_token(self, page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def sign_in(self):
        _, page, _, _ = self.request("/admin/login/")
        username, password = MODERATOR
        form = {"username": username, "password": password, "next": "/admin/"}
        status, _, _, _ = self.request(
            "/admin/login/", {**form, "csrfmiddlewaretoken": self.csrf_token(page)}
        )
        if status != 302:
            raise RuntimeError(f"The moderator could not sign in ({status}).")


def ping_ms(server, times=20):
    """The median time of one request to /ping, on a new connection, in milliseconds."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        get(server.port, "/ping")
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def moderation_verdict(name, value):
    """ "target < 1 s" or "target < 150 ms", with ": MISSED" when the figure is not under it."""
    target = MODERATION_TARGETS[name]
    unit = "s" if name == "approve_s" else "ms"
    return marked(f"target < {target:g} {unit}", value < target)


def measure_moderation(server, pending_ids):
    """The pending queue opened as a moderator and APPROVED_AT_ONCE comments approved in one
    action, each as a time and as a multiple of one request to /ping in the same run."""
    moderator = Moderator(server.port)
    moderator.sign_in()
    ping_before = ping_ms(server)
    openings, page = [], ""
    for _ in range(6):
        status, page, seconds, _ = moderator.request(Moderator.QUEUE)
        if status != 200:
            raise RuntimeError(f"The pending queue answered {status}.")
        openings.append(seconds * 1000)
    form = {
        "csrfmiddlewaretoken": moderator.csrf_token(page),
        "action": "approve",
        "index": "0",
        "_selected_action": [str(pk) for pk in pending_ids],
    }
    status, _, seconds, location = moderator.request(Moderator.QUEUE, form)
    _, after, _, _ = moderator.request(location or Moderator.QUEUE)
    message = re.search(r"Approved [\d,]+ comments?\.", after)
    ping = (ping_before + ping_ms(server)) / 2
    result = {
        "open_ms": statistics.median(openings[1:]),
        "approve_s": seconds,
        "approved": len(pending_ids),
        "ping_ms": ping,
        "message": message.group(0) if message else f"no confirmation (status {status})",
    }
    result["open_ratio"] = result["open_ms"] / ping
    result["approve_ratio"] = result["approve_s"] * 1000 / ping
    print(
        f"    /ping answers in {ping:.1f} ms (median of 20, before and after)\n"
        f"    pending queue opens in {result['open_ms']:.0f} ms (median of 5), "
        f"{result['open_ratio']:.1f}× /ping, {moderation_verdict('open_ms', result['open_ms'])}\n"
        f"    approving {len(pending_ids):,} in one action took {seconds:.2f} s, "
        f"{result['approve_ratio']:.0f}× /ping, {moderation_verdict('approve_s', seconds)}: "
        f"{result['message']}",
        flush=True,
    )
    return result


# Application page-cache hits


def hit_verdicts(row):
    """The hit's two figures against their targets, each marked MISSED when missed."""
    throughput, cpu = row["ratio"], row["cpu_ms"] / row["baseline_cpu_ms"]
    return [
        (
            f"throughput {throughput:.1%} of /ping, target ≥ {TARGETS['hit throughput']:.0%}",
            throughput >= TARGETS["hit throughput"],
        ),
        (
            f"CPU per request {cpu:.2f}× /ping's, target ≤ {TARGETS['hit cpu']:g}×",
            cpu <= TARGETS["hit cpu"],
        ),
    ]


def measure_hits(archive, pages, args):
    """/ping, the review with 200 comments served from the page cache, /ping again: the
    review as ratios to /ping, under the server `make serve` runs."""
    name, path = next((name, path) for name, path in pages.items() if name.startswith("review"))
    with Server(MAIN_SERVER, archive, cached=True) as server:
        for _ in range(3):
            status, _, response = get(server.port, path, {"Host": HOST})
        if status != 200 or response.headers.get("X-Page-Cache") != "hit":
            raise RuntimeError(f"{path} answered {status} and was not a page-cache hit.")
        rows = measure_pages(server, {f"{name}, page-cache hit": path}, args)
    baseline = rows[BASELINE]
    for row in list(rows.values())[1:]:
        row["baseline_cpu_ms"] = baseline["cpu_ms"]
        for verdict, met in hit_verdicts(row):
            print(f"      {marked(verdict, met)}", flush=True)
        print(f"      {generator_note(row, baseline)}", flush=True)
        if note := limit_note(row):
            print(f"      {note}", flush=True)
    return rows


def generator_note(row, baseline):
    """The generator's own CPU per request: reading a large page costs it more than /ping."""
    return (
        f"the load generator spent {row['generator_cpu_ms']:.3f} ms/req "
        f"({baseline['generator_cpu_ms']:.3f} on /ping), busy {row['generator_busy']:.0%}; "
        f"the CPUs were {row['machine_busy']:.0%} busy"
    )


def hit_lines(rows, misses):
    """The hit's table for bench/RESULTS.md; its misses are added to ``misses``."""
    lines = [
        f"### Application page-cache hit ({MAIN_SERVER}, large archive, cache warm)",
        "",
        "| Page | req/s | × /ping | p50 ms | p99 ms | CPU ms/req | × /ping's CPU | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        notes, ratio, cpu = [], "1", "1"
        if "baseline_cpu_ms" in row:
            ratio, cpu = f"{row['ratio']:.1%}", f"{row['cpu_ms'] / row['baseline_cpu_ms']:.2f}×"
            for verdict, met in hit_verdicts(row):
                notes.append(marked(verdict, met))
                if not met:
                    misses.append(f"{name}: {verdict}")
            notes += [generator_note(row, rows[BASELINE]), limit_note(row)]
        if row["failed"]:
            notes.append(f"not 200: {failures(row)}")
        lines.append(
            f"| {name} | {figure(row['rps'])} | {ratio} | {figure(row['p50'])} | "
            f"{figure(row['p99'])} | {figure(row['cpu_ms'], 3)} | {cpu} | "
            f"{'; '.join(note for note in notes if note)} |"
        )
    return [*lines, ""]


# The edge


def edge_verdict(ratio):
    """ "target ≥ 10×", with ": MISSED" when an edge hit's throughput is below it."""
    target = TARGETS["edge hit"]
    return marked(f"target ≥ {target:g}×", ratio >= target)


def limit_note(row):
    """Says when the load generator, or the machine's CPUs, not the server, set the figure."""
    if row["generator_busy"] >= GENERATOR_LIMIT:
        return (
            f"the load generator was busy {row['generator_busy']:.0%} of its time: "
            "it is the limit, not the server"
        )
    if row["machine_busy"] >= MACHINE_LIMIT:
        return (
            f"the CPUs were {row['machine_busy']:.0%} busy ({row['ours_busy']:.0%} with this "
            f"load, generator included; other programs the rest): they are the limit"
        )
    return ""


def cpu_notes(row):
    """What the CPU per request says of the ratio, whatever the CPUs were doing."""
    return [
        f"/ping's server CPU per request ÷ this page's: {row['cpu_ratio']:.1f}",
        f"sharing the CPUs with this generator, about {row['ceiling']:.1f}× /ping is what "
        "the CPU per request allows (the generator's included)",
    ]


def esi_note(row):
    if not row.get("esi_includes"):
        return ""
    return (
        f"the page has {row['esi_includes']} per-reader value(s) (<esi:include>), put in on "
        "Varnish's assembly socket twice a second at most: a hit is the page as assembled"
    )


def warm_at_the_edge(server, path):
    """Have Varnish store the page; fails unless the next request is answered from it.
    Returns how many <esi:include> Varnish fills in from the application on each hit."""
    headers = {"Host": HOST, "User-Agent": "bench/serving.py"}  # as keep_busy asks
    for _ in range(2):
        status, _, response = get(server.port, path, headers)
    cache = response.headers.get("X-Cache")
    if status != 200 or cache != "HIT":
        raise RuntimeError(
            f"{path} through Varnish answered {status} with X-Cache {cache!r} the second "
            f"time (Cache-Control {response.headers.get('Cache-Control')!r}): not an edge hit."
        )
    as_varnish_asks = {**headers, "Surrogate-Capability": 'varnish="ESI/1.0"'}
    return get(server.backend_port, path, as_varnish_asks)[1].count(b"<esi:include")


def measure_edge(archive, pages, args):
    """/ping straight to granian, then the home page and the review as edge hits through
    Varnish, asked alike by EDGE_GENERATORS processes; None when Varnish is not installed."""
    if not (shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/sbin")):
        print("    varnishd is not installed: the edge is not measured (skipped).", flush=True)
        return None
    edge_pages = {
        name: path for name, path in pages.items() if name == "home" or name.startswith("review")
    }
    load = {"clients": args.clients, "seconds": args.seconds, "processes": EDGE_GENERATORS}
    load["load"] = wrk_load if WRK else generate_load
    # With wrk, the same again on connections kept open, as a browser keeps them.
    kept_open = {**load, "load": functools.partial(wrk_load, keep_alive=True)} if WRK else None
    print(f"    asked by {edge_generator()}", flush=True)
    rows = {}
    with Server(MAIN_SERVER, archive, cached=True, edge=True) as server:
        includes = {name: warm_at_the_edge(server, path) for name, path in edge_pages.items()}
        for connections, asking in (("", load), (", connections kept open", kept_open)):
            if asking is None:
                continue
            baseline = f"/ping, granian{connections}"
            rows[baseline] = measure(server, "/ping", port=server.backend_port, **asking)
            for name, path in edge_pages.items():
                row = rows[f"{name}, edge hit{connections}"] = measure(server, path, **asking)
                row.update(esi_includes=includes[name], baseline=baseline)
    for row in rows.values():
        if "baseline" not in row:
            continue
        baseline = rows[row["baseline"]]
        row["ratio"] = row["rps"] / baseline["rps"]
        # The throughput ratio the CPUs would allow, were they the server's alone...
        row["cpu_ratio"] = baseline["cpu_ms"] / row["cpu_ms"]
        # ... and about what they allow when the generator shares them.
        row["ceiling"] = (baseline["cpu_ms"] + baseline["generator_cpu_ms"]) / (
            row["cpu_ms"] + row["generator_cpu_ms"]
        )
    for name, row in rows.items():
        print_edge_row(name, row)
    return rows


def edge_generator():
    if WRK:
        return f"wrk, {EDGE_GENERATORS} threads"
    return f"{EDGE_GENERATORS} Python generator processes (apt-get install wrk for a faster one)"


def print_edge_row(name, row):
    notes = [esi_note(row), limit_note(row), row["failed"] and f"not 200: {failures(row)}"]
    if "ratio" in row:
        notes[:0] = [f"{row['ratio']:.1f}× /ping, {edge_verdict(row['ratio'])}", *cpu_notes(row)]
    print(
        f"    {name:32} {row['rps']:8.1f} req/s  p50 {row['p50']:6.1f} ms  "
        f"p99 {row['p99']:6.1f} ms  CPU {row['varnish_cpu_ms']:.3f} + "
        f"{row['app_cpu_ms']:.3f} ms/req (Varnish + app), generator "
        f"{row['generator_cpu_ms']:.3f} ms/req",
        *(f"\n      {note}" for note in notes if note),
        sep="",
        flush=True,
    )


# The run


SECRET_KEY = secrets.token_urlsafe(50)


def bench_database(args, vendor):
    print(f"\n{vendor}", flush=True)
    large = Archive(args, vendor, "large", LARGE)
    small = Archive(args, vendor, "small", SMALL)
    wanted = set(args.only or SECTIONS)
    report = {"vendor": vendor, "large": large.prepare()}
    large.manage("collectstatic", "--noinput", "--verbosity", "0", production=True)
    pages = report["large"]["pages"]
    if "throughput" in wanted:
        report["throughput"] = {}
        review = next(path for name, path in pages.items() if name.startswith("review"))
        for kind in args.servers.split(","):
            for cache, (cached, environment) in CACHE_STATES.items():
                print(f"  {kind}, {CACHE_NAMES[cache]}", flush=True)
                measured = {MISSED_REVIEW: review} if cache == "fragments" else pages
                with Server(kind, large, cached, environment=environment) as server:
                    rows = measure_pages(server, measured, args)
                report["throughput"][kind, cache] = rows
                for name, row in rows.items():
                    if verdict := review_verdict(cache, name, row):
                        print(f"      {name}: {verdict[0]}", flush=True)
                    if cache == "off" and is_listing(name):
                        print(f"      {name}: {listing_verdict(row)}", flush=True)
    if "hit" in wanted:
        print(f"  page-cache hit: {MAIN_SERVER}, page cache warm", flush=True)
        report["hit"] = measure_hits(large, pages, args)
    if "growth" in wanted:
        report["small"] = small.prepare()
        print(f"  growth: small and large archives, {MAIN_SERVER}, page cache off", flush=True)
        with (
            Server(MAIN_SERVER, small, cached=False) as on_small,
            Server(MAIN_SERVER, large, cached=False) as on_large,
        ):
            servers = {"small": on_small, "large": on_large}
            each_archives = {name: report[name]["pages"] for name in servers}
            report["growth"] = measure_growth(servers, each_archives, args)
        for name, growth in growth_rows(report["growth"]).items():
            if name != BASELINE:
                print(f"    growth of {name}: {growth:.2f}, {growth_verdict(growth)}", flush=True)
    if "moderation" in wanted:
        print("  moderation, large archive", flush=True)
        with Server(MAIN_SERVER, large, cached=True, task_queue=True) as server:
            report["moderation"] = measure_moderation(server, report["large"]["pending"])
    if "edge" in wanted:
        print(f"  edge: Varnish in front of {MAIN_SERVER}, page cache warm", flush=True)
        report["edge"] = measure_edge(large, pages, args)
    return report


def measure_growth(servers, pages, args):
    """The same pages on the small archive's server and the large one's, both running
    throughout and measured in turn, page by page (small then large, then the other way
    round, half of ``--seconds`` each time): the machine's drift weighs on both alike, as
    two runs one after the other cannot promise. Each archive's rows as measure_pages's."""
    seconds = args.seconds / 2
    names = [BASELINE, *pages["small"], BASELINE]
    runs = {archive: defaultdict(list) for archive in servers}
    for order in (("small", "large"), ("large", "small")):
        for name in names:
            for archive in order:
                path = "/ping" if name == BASELINE else pages[archive][name]
                runs[archive][name].append(measure(servers[archive], path, args.clients, seconds))
    growth = {}
    for archive, by_name in runs.items():
        rows = {name: averaged(measured) for name, measured in by_name.items()}
        print(f"    {archive} archive:", flush=True)
        baseline = rows.pop(BASELINE)
        with_ratios(baseline, rows)
        growth[archive] = {BASELINE: baseline, **rows}
    return growth


def growth_rows(growth):
    """Each page's growth from the small archive to the large: its CPU per request as a
    multiple of /ping's measured in the same run, large ÷ small."""
    small, large = growth["small"], growth["large"]
    return {
        name: (large[name]["cpu_ms"] / large[BASELINE]["cpu_ms"])
        / (small[name]["cpu_ms"] / small[BASELINE]["cpu_ms"])
        for name in small
    }


def growth_verdict(growth):
    target = TARGETS["growth"]
    return marked(f"target ≤ {target:g}", growth <= target)


CACHE_NAMES = {
    "warm": "page cache warm",
    "off": "page cache off",
    "fragments": "page cache off, fragments warm",
}
CACHE_COLUMN = {"warm": "warm", "off": "off", "fragments": "off, fragments on"}


def review_verdict(cache, name, row):
    """(the review's figure against its target, whether it is met) for the review's rows;
    the verdict says MISSED when missed. None for other pages and /ping."""
    if not name.startswith("review") or "ratio" not in row:
        return None
    if cache == "warm":
        target = TARGETS["warm review"]
        met = row["ratio"] >= target
        verdict = f"throughput {row['ratio']:.1%} of /ping's, target ≥ {target:.0%}"
    else:
        target = TARGETS["cold review cpu" if cache == "off" else "missed review cpu"]
        multiple = 1 / row["cpu_ratio"]
        met = multiple <= target
        verdict = f"CPU per request {multiple:.1f}× /ping's, target ≤ {target:g}×"
    return marked(verdict, met), met


def figure(value, digits=1):
    return f"{value:,.{digits}f}"


def holdings(holds):
    return (
        f"{holds['films']:,} films, {holds['reviews']:,} reviews, {holds['comments']:,} "
        f"comments ({holds['pending']:,} pending), {holds['tags']:,} tags in use"
    )


def report_lines(args, report):
    """bench/RESULTS.md's section for one database; misses are marked "MISSED"."""
    large = report["large"]
    lines = [
        *machine_lines(),
        f"- Database: {large['database']}",
        f"- Large archive: {holdings(large['holds'])}",
        f"- Load: {args.clients} connections on 127.0.0.1, {args.seconds:g} s per page after "
        "1 s of warm-up; a new connection per request; CPU is the server's user+system time "
        "(all its processes) divided by the requests served.",
        "",
    ]
    misses = []
    if "throughput" in report:
        lines += [
            "### Throughput (large archive)",
            "",
            "| Server | Cache | Page | req/s | × baseline | p50 ms | p99 ms | CPU ms/req "
            "| × baseline CPU | |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for (kind, cache), rows in report["throughput"].items():
            for name, row in rows.items():
                note = ""
                if verdict := review_verdict(cache, name, row):
                    note, met = verdict
                    if not met:
                        misses.append(f"{kind}, {CACHE_NAMES[cache]}, {name}: {note}")
                if cache == "off" and is_listing(name):
                    note = listing_verdict(row)
                    if note.endswith("MISSED"):
                        misses.append(f"{kind}, {CACHE_NAMES[cache]}, {name}: {note}")
                if row["failed"]:
                    note += f" not 200: {failures(row)}"
                ratio = f"{row['ratio']:.1%}" if "ratio" in row else "1"
                cpu_ratio = f"{row['cpu_ratio']:.1%}" if "cpu_ratio" in row else "1"
                lines.append(
                    f"| {kind} | {CACHE_COLUMN[cache]} | {name} | {figure(row['rps'])} | {ratio} | "
                    f"{figure(row['p50'])} | {figure(row['p99'])} | {figure(row['cpu_ms'], 2)} "
                    f"| {cpu_ratio} | {note} |"
                )
        lines.append("")
    if "hit" in report:
        lines += hit_lines(report["hit"], misses)
    if "growth" in report:
        small = report["small"]
        lines += [
            "### Growth: the same pages with 1,000 and with 1,000,000 comments "
            f"({MAIN_SERVER}, cache off)",
            "",
            f"- Small archive: {holdings(small['holds'])}",
            "",
            "- Growth: the page's CPU per request as a multiple of /ping's on the same server, "
            "large archive ÷ small archive; the two servers ran side by side, measured in turn "
            "page by page.",
            "",
            "| Page | CPU ms/req, small | CPU ms/req, large | ratio | growth | p50 ms, small "
            "| p50 ms, large | |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, growth in growth_rows(report["growth"]).items():
            before, after = report["growth"]["small"][name], report["growth"]["large"][name]
            note = ""
            if name != BASELINE:
                note = growth_verdict(growth)
                if growth > TARGETS["growth"]:
                    misses.append(f"growth of {name}: {growth:.2f}")
            lines.append(
                f"| {name} | {figure(before['cpu_ms'], 2)} | {figure(after['cpu_ms'], 2)} | "
                f"{after['cpu_ms'] / before['cpu_ms']:.2f} | {growth:.2f} | "
                f"{figure(before['p50'])} | {figure(after['p50'])} | {note} |"
            )
        lines.append("")
    if "moderation" in report:
        moderation = report["moderation"]
        for name, figure_name in (("open_ms", "pending queue"), ("approve_s", "approval")):
            if moderation[name] >= MODERATION_TARGETS[name]:
                unit = "s" if name == "approve_s" else "ms"
                misses.append(f"{figure_name}: {moderation[name]:.2f} {unit}")
        lines += [
            f"### Moderation at scale (large archive, {MAIN_SERVER}, tasks queued in the database)",
            "",
            f"- /ping: {moderation['ping_ms']:.1f} ms (median of 20 requests, before and after)",
            f"- Open the pending queue as a moderator: {moderation['open_ms']:.0f} ms "
            f"(median of 5, after one), {moderation['open_ratio']:.1f}× /ping; "
            + moderation_verdict("open_ms", moderation["open_ms"]),
            f"- Approve {moderation['approved']:,} pending comments in one admin action: "
            f"{moderation['approve_s']:.2f} s ({moderation['message']}), "
            f"{moderation['approve_ratio']:.0f}× /ping; "
            + moderation_verdict("approve_s", moderation["approve_s"]),
            "",
        ]
    if "edge" in report:
        lines += edge_lines(args, report["edge"], misses)
    lines += ["Missed targets: " + ("; ".join(misses) if misses else "none"), ""]
    return lines


def edge_lines(args, rows, misses):
    """The edge's table for bench/RESULTS.md; its misses are added to ``misses``."""
    lines = [f"### Edge hits through Varnish, {MAIN_SERVER} behind (large archive, cache warm)", ""]
    if rows is None:
        return [*lines, "- Skipped: varnishd is not installed.", ""]
    lines += [
        f"- Load: {edge_generator()} × {args.clients} connections, a new connection per "
        "request; /ping straight to the application server, the pages through Varnish, "
        "stored before.",
        "",
        "| Page | req/s | × /ping | p50 ms | p99 ms | CPU ms/req Varnish | CPU ms/req app "
        "| /ping's CPU ÷ this CPU | generator CPU ms/req | generator busy | CPUs busy | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        notes = [esi_note(row), limit_note(row)]
        if "ratio" in row:
            notes[:0] = [edge_verdict(row["ratio"]), cpu_notes(row)[1]]
            if row["ratio"] < TARGETS["edge hit"]:
                misses.append(f"{name}: {row['ratio']:.1f}× /ping")
        if row["failed"]:
            notes.append(f"not 200: {failures(row)}")
        ratio = f"{row['ratio']:.1f}×" if "ratio" in row else "1"
        cpu_ratio = f"{row['cpu_ratio']:.1f}×" if "cpu_ratio" in row else "1"
        lines.append(
            f"| {name} | {figure(row['rps'])} | {ratio} | {figure(row['p50'])} | "
            f"{figure(row['p99'])} | {figure(row['varnish_cpu_ms'], 3)} | "
            f"{figure(row['app_cpu_ms'], 3)} | {cpu_ratio} | "
            f"{figure(row['generator_cpu_ms'], 3)} | {row['generator_busy']:.0%} | "
            f"{row['machine_busy']:.0%} | "
            f"{'; '.join(note for note in notes if note)} |"
        )
    return [*lines, ""]


def main():
    if "--prepare-targets" in sys.argv:
        return prepare_targets()
    args = parse_args()
    os.chdir(BASE_DIR)
    WORK_DIR.mkdir(exist_ok=True)
    for vendor in args.databases.split(","):
        report = bench_database(args, vendor)
        title = f"The site under load: {vendor}"
        lines = report_lines(args, report)
        print(f"\n## {title}\n", *lines, sep="\n")
        if not args.no_results:
            append_results(title, lines)


if __name__ == "__main__":
    main()
