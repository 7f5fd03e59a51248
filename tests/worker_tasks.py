"""Tasks for the worker's tests (tests/test_worker.py): each run is noted in ``RUNS``."""

from django_tasks import task

RUNS = []


@task()
def note_run(label):
    RUNS.append(label)
    return label


@task()
def note_daily():
    RUNS.append("daily")
