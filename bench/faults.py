"""Fault runs: does the task worker (`manage.py run_worker`, core/worker.py) lose nothing?

    .venv/bin/python bench/faults.py [--task-seconds 6] [--outage-seconds 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/faults.py

Starts real worker processes in production mode against a database: a SQLite file in a
temporary folder, or the PostgreSQL database DATABASE_URL names (migrated, its task
queue emptied first). Workers beat every second and are taken for gone after 5 s
(WORKER_HEARTBEAT_SECONDS, WORKER_LOST_AFTER_SECONDS). The task is
bench/fault_tasks.py's ``slow_note``, which notes in a file when it starts and finishes.

1. Killed mid-task, another worker running: two workers, one slow task; the one running
   it is killed with SIGKILL; the other runs it again.
2. Killed mid-task, restarted: one worker, killed with SIGKILL while running a slow task,
   and started again.
3. The database gone for --outage-seconds (PostgreSQL only): the worker reaches the
   database through a TCP proxy in this script, which is cut (connections closed, new ones
   refused) and then restored; tasks are queued meanwhile, directly. For SQLite there is
   no server to lose, so this run is skipped.

Prints what happened with timings, and appends them to bench/RESULTS.md; the exit status
is non-zero if a task was lost or a worker exited by itself.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from machine import (
    append_results,
    database_description,
    machine_lines,
    production_environment,
    stop_server_group,
)

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DATABASE_TASKS = "django_tasks_db.DatabaseBackend"
WAIT_SECONDS = 60


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task-seconds", type=float, default=6, help="the slow task's length")
    parser.add_argument("--outage-seconds", type=float, default=20, help="database gone")
    return parser.parse_args()


class Run:
    """The database, the workers started against it, and the trace the tasks leave."""

    def __init__(self, work_dir, database_url):
        self.work_dir = work_dir
        self.trace = work_dir / "trace.txt"
        self.trace.touch()
        self.environment = production_environment(
            work_dir,
            DATABASE_URL=database_url or f"sqlite:///{work_dir / 'db.sqlite3'}",
            TASKS_BACKEND=DATABASE_TASKS,
            LOG_LEVEL="INFO",
            LOG_FORMAT="plain",
            WORKER_HEARTBEAT_SECONDS="1",
            WORKER_LOST_AFTER_SECONDS="5",
        )
        self.workers = []
        self.started = time.monotonic()

    def setup_django(self):
        os.environ.update(self.environment)
        import django

        django.setup()
        from django.core.management import call_command
        from django_tasks_db.models import DBTaskResult

        from core.models import ScheduledRun, TaskWorker

        call_command("migrate", verbosity=0)
        DBTaskResult.objects.all().delete()
        TaskWorker.objects.all().delete()
        ScheduledRun.objects.all().delete()

    def start_worker(self, name, database_url=None):
        environment = dict(self.environment)
        if database_url:
            environment["DATABASE_URL"] = database_url
        log = open(self.work_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        process = subprocess.Popen(  # noqa: S603 (this venv's Python, this checkout's manage.py)
            [sys.executable, str(BASE_DIR / "manage.py"), "run_worker", "--interval", "0.2"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.name = name
        self.workers.append(process)
        return process

    def log(self, process):
        return (self.work_dir / f"{process.name}.log").read_text(errors="replace")

    def notes(self, label):
        """[(time, "started" or "finished", pid)] of the task labelled ``label``."""
        lines = [line.split() for line in self.trace.read_text().splitlines()]
        return [(float(at), what, int(pid)) for at, what, name, pid in lines if name == label]

    def wait_for_note(self, label, what, count=1):
        """The time.time() at which the ``count``th ``what`` note of ``label`` was written."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = [note for note in self.notes(label) if note[1] == what]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise SystemExit(f"Lost: no {what} #{count} of {label} within {WAIT_SECONDS} s.")

    def enqueue(self, label, seconds):
        from bench.fault_tasks import slow_note

        return slow_note.enqueue(str(self.trace), label, seconds)

    def task_row(self, result):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.get(pk=result.id)

    def stop_all(self):
        for process in self.workers:
            if process.poll() is None:
                stop_server_group(process, timeout=15)


def killed_with_another_running(run, seconds):
    first, second = run.start_worker("a"), run.start_worker("b")
    time.sleep(1.5)  # both up and beating
    result = run.enqueue("killed-beside-another", seconds)
    _, _, victim_pid = run.wait_for_note("killed-beside-another", "started")
    victim = first if victim_pid == first.pid else second
    os.kill(victim_pid, signal.SIGKILL)
    killed_at = time.time()
    victim.wait()  # reaped, as make serve reaps its children
    _, _, rerun_pid = run.wait_for_note("killed-beside-another", "started", count=2)
    rerun_at = run.wait_for_note("killed-beside-another", "started", count=2)[0]
    finished_at, _, finisher = run.wait_for_note("killed-beside-another", "finished")
    survivor = second if victim is first else first
    row = run.task_row(result)
    notes = [what for _, what, _ in run.notes("killed-beside-another")]
    lines = [
        "1. Killed mid-task with another worker running (2 workers, SIGKILL to the busy one):",
        f"   started again by the other worker {rerun_at - killed_at:.1f} s after the kill,"
        f" finished {finished_at - killed_at:.1f} s after it",
        f"   runs started {notes.count('started')}, finished {notes.count('finished')};"
        f" status {row.status}, worker ids {len(row.worker_ids)};"
        f" rerun by the survivor: {rerun_pid == survivor.pid == finisher}",
    ]
    recovered = [line for line in run.log(survivor).splitlines() if "left running" in line]
    said = recovered[0].split(" ", 3)[3] if recovered else "(nothing)"
    lines.append(f"   survivor's log: {said}")
    run.stop_all()
    return lines, row.status == "SUCCESSFUL"


def killed_and_restarted(run, seconds):
    worker = run.start_worker("c")
    time.sleep(1.5)
    result = run.enqueue("killed-alone", seconds)
    run.wait_for_note("killed-alone", "started")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = time.time()
    run.start_worker("d")
    rerun_at = run.wait_for_note("killed-alone", "started", count=2)[0]
    finished_at = run.wait_for_note("killed-alone", "finished")[0]
    row = run.task_row(result)
    lines = [
        "2. Killed mid-task, the only worker, then started again:",
        f"   started again by the new worker {rerun_at - killed_at:.1f} s after the kill"
        f" (the new process's start included), finished {finished_at - killed_at:.1f} s after",
        f"   status {row.status}, attempts {len(row.worker_ids)}",
    ]
    run.stop_all()
    return lines, row.status == "SUCCESSFUL"


class CuttableProxy:
    """A TCP proxy to ``target`` on a free port of 127.0.0.1, which can be cut (every
    connection closed, new ones refused) and restored."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.open = False
        with self.lock:
            for end in self.sockets:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            self.sockets = []

    def restore(self):
        self.open = True


def database_gone(run, database_url, outage_seconds):
    address = urlsplit(database_url)
    proxy = CuttableProxy((address.hostname, address.port or 5432))
    credentials = address.netloc.rpartition("@")[0]
    through_proxy = address._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()
    worker = run.start_worker("e", through_proxy)
    time.sleep(1.5)
    run.enqueue("before-outage", 0.1)
    run.wait_for_note("before-outage", "finished")
    proxy.cut()
    cut_at = time.time()
    queued = [run.enqueue(f"during-outage-{n}", 0.1) for n in range(3)]
    time.sleep(outage_seconds)
    alive_through = worker.poll() is None
    proxy.restore()
    restored_at = time.time()
    finished = [run.wait_for_note(f"during-outage-{n}", "finished")[0] for n in range(3)]
    statuses = {run.task_row(result).status for result in queued}
    time.sleep(2)  # a beat or two
    beat_age = heartbeat_age()
    outage_lines = [
        line.split(" ", 3)[3]
        for line in run.log(worker).splitlines()
        if "Database unavailable" in line or "answers again" in line
    ]
    lines = [
        f"3. PostgreSQL gone for {outage_seconds:.0f} s (the worker's TCP proxy cut), 3 tasks"
        " queued meanwhile:",
        f"   worker still running through the outage: {alive_through}; its heartbeat"
        f" {beat_age:.1f} s old 2 s after the last task",
        f"   the 3 tasks finished {min(finished) - restored_at:.1f} s to"
        f" {max(finished) - restored_at:.1f} s after the database came back"
        f" ({max(finished) - cut_at:.1f} s after it went); statuses {sorted(statuses)}",
        *(f"   worker's log: {line}" for line in outage_lines),
    ]
    run.stop_all()
    return lines, alive_through and statuses == {"SUCCESSFUL"}


def heartbeat_age():
    from django.utils import timezone

    from core.models import TaskWorker

    return (timezone.now() - TaskWorker.objects.freshest_beat()).total_seconds()


def scheduled_runs():
    from core.models import ScheduledRun

    runs = ScheduledRun.objects.order_by("job").values_list("job", "due_at")
    return [f"   {job} due {due:%Y-%m-%d %H:%M} UTC" for job, due in runs]


def main():
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    on_postgres = database_url.startswith("postgres")
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        run = Run(Path(folder), database_url if on_postgres else None)
        run.setup_django()
        lines = [*machine_lines(), f"- Database: {database_description()}", ""]
        ok = True
        try:
            for scenario in (killed_with_another_running, killed_and_restarted):
                found, passed = scenario(run, args.task_seconds)
                lines += found
                ok &= passed
            if on_postgres:
                found, passed = database_gone(run, database_url, args.outage_seconds)
                lines += found
                ok &= passed
            else:
                lines.append(
                    "3. The database gone: skipped on SQLite, a file with no server to lose"
                    " (run with DATABASE_URL=postgres://...)."
                )
            lines += ["Scheduled runs enqueued by the 5 workers started:", *scheduled_runs()]
        finally:
            run.stop_all()
    print("\n".join(lines))
    append_results("Fault runs of the task worker (bench/faults.py)", lines)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
