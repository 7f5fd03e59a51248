"""What the benchmarks ran on, and bench/RESULTS.md, where each appends its section."""

import os
import platform
import secrets
import signal
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS_FILE = Path(__file__).resolve().parent / "RESULTS.md"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_description():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def database_description():
    """The database and cache Django is configured with (call after django.setup())."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        text = f"SQLite {connection.Database.sqlite_version} (file, WAL)"
    elif connection.vendor == "postgresql":
        version = connection.pg_version
        text = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        text = connection.vendor
    cache = "Redis" if settings.REDIS_URL else "the database table"
    return f"{text}; cache: {cache}"


def process_table():
    """{pid: (parent pid, name, CPU ticks: user + system, reaped children included)} for
    every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), name, sum(int(v) for v in fields[11:15]))
    return table


def child_processes(root, table=None):
    """{pid: name} of the processes ``root`` started directly."""
    table = table or process_table()
    return {pid: name for pid, (parent, name, _) in table.items() if parent == root}


def process_tree_cpu_seconds(root, table=None):
    """CPU time (user + system) of process ``root`` and its descendants so far, reaped
    children included, from /proc."""
    table = table or process_table()
    children = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += table[pid][2] if pid in table else 0
        stack.extend(children.get(pid, []))
    return total / CLOCK_TICKS


def machine_cpu_seconds():
    """(busy, total) CPU seconds of the whole machine so far, every CPU and process, from
    /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        # user nice system idle iowait irq softirq steal (guest time is within user)
        ticks = [int(value) for value in stat.readline().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / CLOCK_TICKS, sum(ticks) / CLOCK_TICKS


def machine_lines():
    """The Markdown lines every section of bench/RESULTS.md starts with."""
    return [
        f"- Platform: {platform.platform()}",
        f"- CPUs: {os.cpu_count()} × {cpu_description()}",
        f"- Python: {platform.python_version()}",
    ]


def append_results(title, lines):
    """Add a section headed ``title`` and the time to bench/RESULTS.md, newest last."""
    if not RESULTS_FILE.exists():
        RESULTS_FILE.write_text(
            "# Benchmark results\n\nAppended by the scripts in `bench/`, newest last.\n",
            encoding="utf-8",
        )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS_FILE.open("a", encoding="utf-8") as out:
        out.write("\n".join([f"\n## {title}, {when}\n", *lines, ""]))
    print(f"\nAppended to bench/{RESULTS_FILE.name}.")


def stop_server_group(process, timeout=30):
    """Stop a server started with ``start_new_session=True``, and all its workers: politely,
    then, after ``timeout`` seconds, at once."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def production_environment(work_dir, **extra):
    """The environment of the site in production mode on a SQLite file in ``work_dir``, on
    127.0.0.1, with no Redis, no email sent and tasks run at once: what the benchmarks
    start the server with, ``extra`` added."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRODUCTION": "1",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{work_dir / 'db.sqlite3'}",
        "VAR_DIR": str(work_dir),
        "STATIC_ROOT": str(work_dir / "static"),
        "MEDIA_ROOT": str(work_dir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("REDIS_URL", None)
    return {**environment, **extra}


SECRET_KEY = secrets.token_urlsafe(50)


def free_port(host="127.0.0.1"):
    """A port nothing listens on at the moment, for a server the bench starts."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
