"""The task bench/faults.py queues: slow, and leaving a trace of each run in a file."""

import os
import time

from django_tasks import task


@task()
def slow_note(path, label, seconds):
    """Write "started <label> <pid>" to ``path``, sleep, then "finished <label> <pid>"."""
    note(path, "started", label)
    time.sleep(seconds)
    note(path, "finished", label)
    return label


def note(path, what, label):
    with open(path, "a", encoding="utf-8") as trace:
        trace.write(f"{time.time():.3f} {what} {label} {os.getpid()}\n")
