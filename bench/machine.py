"""What the benchmarks ran on, and bench/RESULTS.md, where each appends its section."""

import os
import platform
import signal
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


def process_tree_cpu_seconds(root):
    """CPU time (user + system) of process ``root`` and its descendants so far, reaped
    children included, from /proc."""
    children, times = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        pid, parent = int(entry.name), int(fields[1])
        children.setdefault(parent, []).append(pid)
        times[pid] = sum(int(value) for value in fields[11:15])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / CLOCK_TICKS


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
