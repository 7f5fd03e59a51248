"""Load without loss: concurrent readers and commenters against the server, then an audit.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 32] [--workers 4] [--threads 2]
        [--server granian|gunicorn]

Prepares a fresh database (a SQLite file in /tmp, or the empty database named by
DATABASE_URL; ``--recreate-database`` drops and creates a PostgreSQL one first), loads the
seed content and a few more reviews, and starts the server as `make serve` does
(config/serve.py; granian unless ``--server gunicorn``) in production mode on 127.0.0.1
and a free port (Redis as the cache when REDIS_URL is set). Then ``--clients`` clients,
each with its own cookies like a browser, read pages (home, reviews, films, tags, people,
search, feeds) and post comments with the CSRF token and form of the page they read, for
``--seconds``. Every status code and latency is recorded.

After the server stops, the audit: every comment the site acknowledged (a redirect to
``#comment-<id>``) must be in the database with exactly the body sent, no response may be
a 5xx, and the server's log must not mention "database is locked". The summary is printed
and appended to bench/RESULTS.md with a description of the machine; the exit status is
non-zero when the audit fails.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from machine import append_results, database_description, free_port, machine_lines

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = Path(tempfile.gettempdir()) / "bench-load"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30
COMMENT_ANCHOR = re.compile(r"#comment-(\d+)$")
FORM_FIELD = re.compile(r'name="(csrfmiddlewaretoken|issued)" value="([^"]+)"')
# Share of a client's turns spent posting a comment (read the page, post, follow the redirect).
POST_SHARE = 0.3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=4, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--extra-reviews", type=int, default=12)
    parser.add_argument(
        "--recreate-database",
        action="store_true",
        help="drop and create the PostgreSQL database named by DATABASE_URL first",
    )
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    return parser.parse_args()


def server_environment(args, port):
    """The environment the server and this script's own Django run with: production mode."""
    WORK_DIR.mkdir(exist_ok=True)
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        sqlite_file = WORK_DIR / "db.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{sqlite_file}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRODUCTION": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(WORK_DIR),
        "STATIC_ROOT": str(WORK_DIR / "static"),
        "MEDIA_ROOT": str(WORK_DIR / "media"),
        # A prefix of its own, so a shared Redis holds no pages or counters from before.
        "CACHE_KEY_PREFIX": f"bench-load-{uuid.uuid4().hex[:8]}",
        "COMMENTS_RATE_LIMIT": "1000000000",
        "COMMENTS_MIN_SECONDS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # Films are added one after another while preparing: refresh their recommendations
        # as each commits rather than in threads racing the next one.
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "plain",
        "HOST": HOST,
        "PORT": str(port),
        "SERVER": args.server,
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
    }


def recreate_postgres_database(url):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        database = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(database))


def prepare_database(args):
    """Migrate, seed, add reviews and a moderator; returns the pages to read and post to."""
    import django

    sys.path.insert(0, str(BASE_DIR))
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from taggit.models import Tag

    from reviews.models import Credit, Film, Person, Review

    call_command("migrate", verbosity=0)
    if Film.objects.exists():
        sys.exit(
            "The database already holds films: give the bench an empty, throwaway one "
            "(or --recreate-database for PostgreSQL)."
        )
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed", verbosity=0)
    moderator = User.objects.create_user("moderator", "moderator@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    rng = random.Random(2010)
    director = Person.objects.create(name="Bench Director", slug="bench-director")
    for n in range(1, args.extra_reviews + 1):
        film = Film.objects.create(title=f"Bench Film {n}", year=2000 + n, slug=f"bench-film-{n}")
        Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
        review = Review.objects.create(
            film=film,
            headline=f"Bench review {n}",
            slug=f"bench-review-{n}",
            body=f"## The film\n\nA review of bench film {n}, about memory and loss.\n" * 5,
            status=Review.Status.PUBLISHED,
        )
        review.tags.add(*rng.sample(["memory", "loss", "clones", "school", "love"], 2))

    reviews = list(Review.objects.published().filter(discussion__is_open=True))
    pages = ["/", "/films/", "/tags/", "/feeds/reviews/rss/", "/feeds/reviews/atom/"]
    pages += [review.get_absolute_url() for review in reviews]
    pages += [film.get_absolute_url() for film in Film.objects.filter(reviews__in=reviews)]
    pages += [f"/tags/{tag.slug}/" for tag in Tag.objects.all()]
    pages += [person.get_absolute_url() for person in Person.objects.all()[:10]]
    pages += [f"/search/?{urlencode({'q': word})}" for word in ("clones", "memory", "love")]
    targets = [(review.pk, review.get_absolute_url()) for review in reviews]
    description = database_description()
    connection.close()
    return sorted(set(pages)), targets, description


class Results:
    """What every client saw, gathered under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = {"read": [], "post": []}
        self.errors = Counter()
        self.acknowledged = {}  # comment id -> body
        self.refused = Counter()  # status of posts that were not acknowledged
        self.server_errors = []

    def record(self, kind, method, path, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            self.latencies[kind].append(seconds)
            if status >= 500:
                self.server_errors.append(f"{method} {path} -> {status}")

    def error(self, kind, error):
        with self.lock:
            self.errors[f"{kind}: {type(error).__name__}"] += 1


class Browser:
    """One client: its own cookies, plain HTTP/1.1 on a new connection per request."""

    def __init__(self, port, results):
        self.port, self.results, self.cookies = port, results, {}

    def request(self, kind, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Connection": "close", "User-Agent": "bench/load.py", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.results.error(kind, error)
            return None, None, b""
        finally:
            connection.close()
        self.results.record(kind, method, path, response.status, time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers, content

    def read(self, path):
        return self.request("read", "GET", path)

    def comment(self, review_id, review_url, body):
        """Read the review, post a comment with its form, follow the redirect; the id or None."""
        status, _, page = self.request("read", "GET", review_url)
        if status != 200:
            return None
        fields = dict(FORM_FIELD.findall(page.decode()))
        form = {
            "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
            "issued": fields.get("issued", ""),
            "author_name": "Load Tester",
            "author_email": f"reader-{uuid.uuid4().hex[:12]}@example.com",
            "author_url": "",
            "body": body,
            "nickname": "",
            "parent": "",
        }
        status, headers, _ = self.request(
            "post",
            "POST",
            f"/reviews/{review_id}/comments/",
            body=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://{HOST}:{self.port}",
                "Referer": f"http://{HOST}:{self.port}{review_url}",
            },
        )
        if status is None:
            return None
        location = headers.get("Location", "") if status == 302 else ""
        anchor = COMMENT_ANCHOR.search(location)
        if not anchor:
            with self.results.lock:
                self.results.refused[status] += 1
            return None
        comment_id = int(anchor.group(1))
        with self.results.lock:
            self.results.acknowledged[comment_id] = body
        self.read(urlsplit(location).path)
        return comment_id


def run_client(number, port, pages, targets, deadline, results):
    browser = Browser(port, results)
    rng = random.Random(number)
    sent = 0
    while time.monotonic() < deadline:
        if rng.random() < POST_SHARE:
            sent += 1
            review_id, review_url = rng.choice(targets)
            body = f"Load comment {number}-{sent} {uuid.uuid4().hex}: the ending stays with me."
            browser.comment(review_id, review_url, body)
        else:
            browser.read(rng.choice(pages))


def start_server(environment, log_path):
    server = environment["SERVER"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (a fixed command: this venv's server)
            [sys.executable, "-m", "config.serve"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    port = int(environment["PORT"])
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if process.poll() is not None:
            sys.exit(f"{server} exited at start; see {log_path}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except (OSError, http.client.HTTPException):
            time.sleep(0.25)
        finally:
            connection.close()
    stop_server(process)
    sys.exit(f"{server} did not answer within 60 s; see {log_path}")


def stop_server(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def audit(acknowledged):
    """(found with the exact body, found with another body, missing) among acknowledged ids."""
    from django.db import connection

    from comments.models import Comment

    ids = sorted(acknowledged)
    stored = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stored.update(Comment.objects.filter(pk__in=chunk).values_list("pk", "body"))
    exact = sum(1 for pk in ids if stored.get(pk) == acknowledged[pk])
    changed = sum(1 for pk in ids if pk in stored and stored[pk] != acknowledged[pk])
    missing = len(ids) - len(stored)
    saved_load_comments = Comment.objects.filter(body__startswith="Load comment ").count()
    connection.close()
    return exact, changed, missing, saved_load_comments


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    args = parse_args()
    port = free_port()
    environment = server_environment(args, port)
    if args.recreate_database:
        if not environment["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
            sys.exit("--recreate-database is for a PostgreSQL DATABASE_URL.")
        recreate_postgres_database(environment["DATABASE_URL"])
    os.environ.update(environment)
    os.chdir(BASE_DIR)
    print("Preparing the database…", flush=True)
    pages, targets, database = prepare_database(args)
    log_path = WORK_DIR / f"{args.server}.log"
    process = start_server(environment, log_path)
    print(
        f"{args.server} on http://{HOST}:{port}/ ({args.workers} workers × {args.threads} threads, "
        f"{database}); {args.clients} clients for {args.seconds:g} s…",
        flush=True,
    )
    results = Results()
    started = time.monotonic()
    deadline = started + args.seconds
    clients = [
        threading.Thread(
            target=run_client,
            args=(n, port, pages, targets, deadline, results),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    try:
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=max(0, deadline - time.monotonic()) + REQUEST_TIMEOUT * 3 + 5)
        elapsed = time.monotonic() - started
    finally:
        stop_server(process)
    if any(client.is_alive() for client in clients):
        print("Some clients were still waiting for an answer when the run ended.")

    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    locked = log_text.lower().count("database is locked")
    tracebacks = log_text.count("Traceback (most recent call last)")
    exact, changed, missing, saved = audit(results.acknowledged)
    summary = summarise(args, results, elapsed, exact, changed, missing, saved, locked, tracebacks)
    print()
    print("\n".join(summary["lines"]))
    if not args.no_results:
        write_results(args, database, summary["lines"], summary["passed"])
    if results.server_errors:
        print("\nFirst 5xx responses:", *results.server_errors[:10], sep="\n  ")
    if locked or tracebacks:
        print(f"\nSee {log_path} for the server's errors.")
    sys.exit(0 if summary["passed"] else 1)


def summarise(args, results, elapsed, exact, changed, missing, saved, locked, tracebacks):
    total = sum(results.statuses.values())
    all_latencies = results.latencies["read"] + results.latencies["post"]
    server_errors = sum(count for status, count in results.statuses.items() if status >= 500)
    acknowledged = len(results.acknowledged)
    passed = (
        server_errors == 0
        and not locked
        and missing == 0
        and changed == 0
        and exact == acknowledged
        and acknowledged > 0
        and not results.errors
    )
    statuses = ", ".join(f"{s}: {c:,}" for s, c in sorted(results.statuses.items()))
    refused = ", ".join(f"{s}: {c:,}" for s, c in sorted(results.refused.items())) or "none"
    errors = ", ".join(f"{k}: {v:,}" for k, v in sorted(results.errors.items())) or "none"

    def ms(values, fraction):
        return f"{percentile(values, fraction) * 1000:.0f} ms"

    lines = [
        f"- Result: **{'passed' if passed else 'FAILED'}**",
        f"- Run: {args.clients} clients for {elapsed:.0f} s against {args.server} "
        f"({args.workers} workers × {args.threads} threads) on 127.0.0.1",
        f"- Requests: {total:,} ({total / elapsed:.0f} per second); by status: {statuses}",
        f"- 5xx responses: {server_errors:,}; connection errors: {errors}; "
        f'"database is locked" in the server log: {locked}; tracebacks: {tracebacks}',
        f"- Comments acknowledged: {acknowledged:,}; in the database with the exact body: "
        f"{exact:,}; missing: {missing:,}; body changed: {changed:,}",
        f"- Comment posts not acknowledged (by status): {refused}; load comments in the "
        f"database: {saved:,}",
        f"- Latency, all requests: p50 {ms(all_latencies, 0.5)}, p99 {ms(all_latencies, 0.99)}; "
        f"reads p50 {ms(results.latencies['read'], 0.5)}, p99 "
        f"{ms(results.latencies['read'], 0.99)}; comment posts p50 "
        f"{ms(results.latencies['post'], 0.5)}, p99 {ms(results.latencies['post'], 0.99)}",
    ]
    return {"lines": lines, "passed": passed}


def write_results(args, database, lines, passed):
    machine = [
        *machine_lines(),
        f"- Database: {database}",
    ]
    append_results("Load without loss", [*machine, *lines])


if __name__ == "__main__":
    main()
