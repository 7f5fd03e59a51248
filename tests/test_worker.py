"""The task worker (core/worker.py): heartbeat, tasks of dead workers run again, database
outages waited out, the daily schedule; and what /healthz and the admin say about them."""

import logging
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from comments.tasks import prune_comments
from core import schedule, worker
from core.models import Email, ScheduledRun, TaskWorker
from core.taskhealth import task_queue_report
from core.tasks import forget_finished_work, forget_old_sign_in_records
from tests import worker_tasks

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = DATABASE_TASKS
    settings.TASKS_SCHEDULE = []
    worker_tasks.RUNS.clear()
    yield
    worker_tasks.RUNS.clear()


@pytest.fixture
def site_worker(database_tasks, db, monkeypatch):
    """A worker as run_worker makes one, stepped by hand: no heartbeat thread, no pauses
    (the pauses it would have made are in ``site_worker.pauses``), and the test's
    connection kept (the worker drops its own when unusable)."""
    monkeypatch.setattr(worker.Heartbeat, "start", lambda self: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    pauses = []
    monkeypatch.setattr(worker.time, "sleep", pauses.append)
    site_worker = worker.SiteWorker(
        queue_names=["*"],
        interval=1,
        backend_name="default",
        worker_id="alive",
        excluded_queue_names=[],
    )
    site_worker.pauses = pauses
    return site_worker


def claimed_by(worker_id, label):
    """A task ``worker_id`` claimed and is running (or was, until it died)."""
    result = worker_tasks.note_run.enqueue(label)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(worker_id)
    return task


def worker_row(worker_id, seconds_since_beat, **fields):
    beat = timezone.now() - timedelta(seconds=seconds_since_beat)
    fields = {"host": "elsewhere", "pid": 1, **fields}
    return TaskWorker.objects.create(worker_id=worker_id, last_beat_at=beat, **fields)


def test_a_worker_writes_its_heartbeat(db):
    worker.beat("w1")
    row = TaskWorker.objects.get(worker_id="w1")
    assert (row.host, row.pid) == (socket.gethostname(), worker.os.getpid())
    an_hour_ago = timezone.now() - timedelta(hours=1)
    TaskWorker.objects.update(last_beat_at=an_hour_ago)
    worker.beat("w1")
    assert TaskWorker.objects.get().last_beat_at > an_hour_ago
    assert TaskWorker.objects.count() == 1


def test_a_task_left_running_by_a_silent_worker_runs_again_once(site_worker, settings, caplog):
    worker_row("dead", seconds_since_beat=settings.WORKER_LOST_AFTER_SECONDS + 1)
    task = claimed_by("dead", "left behind")
    with caplog.at_level(logging.WARNING, logger="core.worker"):
        site_worker.step()
        site_worker.step()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["dead", "alive"]
    assert worker_tasks.RUNS == ["left behind"]
    assert [record.getMessage() for record in caplog.records if record.name == "core.worker"] == [
        f"Task {task.pk} (tests.worker_tasks.note_run) was left running by worker dead,"
        " which is gone: queued to run again"
    ]


def test_a_task_of_a_worker_still_beating_is_left_to_it(site_worker):
    worker_row("busy", seconds_since_beat=1)
    task = claimed_by("busy", "still running")
    site_worker.step()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert worker_tasks.RUNS == []


def test_a_task_of_a_worker_whose_process_is_gone_from_this_host_runs_again(site_worker):
    gone = subprocess.Popen(["true"])  # noqa: S607
    gone.wait()
    worker_row("killed", seconds_since_beat=1, host=socket.gethostname(), pid=gone.pid)
    task = claimed_by("killed", "killed mid-task")
    site_worker.step()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert worker_tasks.RUNS == ["killed mid-task"]


def test_two_workers_recovering_at_once_give_a_task_back_once(database_tasks, db, settings):
    worker_row("dead", seconds_since_beat=settings.WORKER_LOST_AFTER_SECONDS + 1)
    task = claimed_by("dead", "once")
    assert worker.recover_abandoned_tasks("first") == 1
    assert worker.recover_abandoned_tasks("second") == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY


def test_a_row_given_back_and_claimed_again_is_not_taken_from_its_new_worker(
    database_tasks, db, settings, monkeypatch
):
    """Recovery read the row as the dead worker's; meanwhile it was given back and claimed."""
    worker_row("dead", seconds_since_beat=settings.WORKER_LOST_AFTER_SECONDS + 1)
    task = claimed_by("dead", "raced")
    stale_read = list(DBTaskResult.objects.running())
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() + timedelta(seconds=1), worker_ids=["dead", "new"]
    )
    worker_row("new", seconds_since_beat=0)

    class StaleRead:
        def only(self, *fields):
            return stale_read

    monkeypatch.setattr(DBTaskResult.objects, "running", StaleRead)
    assert worker.recover_abandoned_tasks("third") == 0
    task.refresh_from_db()
    assert (task.status, task.worker_ids) == (TaskResultStatus.RUNNING, ["dead", "new"])


def test_the_worker_waits_out_a_database_outage_and_resumes(site_worker, monkeypatch, caplog):
    """The first query of each step fails, three times, then the database answers."""
    failures = iter([OperationalError("connection refused")] * 3)

    def unreachable_then_back(query):
        def run():
            error = next(failures, None)
            if error is not None:
                raise error
            return query()

        return run

    monkeypatch.setattr(site_worker, "claim_next", unreachable_then_back(site_worker.claim_next))
    monkeypatch.setattr(worker, "database_answers", unreachable_then_back(worker.database_answers))
    with caplog.at_level(logging.INFO, logger="core.worker"):
        for _ in range(3):
            site_worker.step()
        worker_tasks.note_run.enqueue("queued during the outage")
        site_worker.step()
    assert site_worker.pauses == [0.5, 1.0, 2.0]
    assert worker_tasks.RUNS == ["queued during the outage"]
    messages = [record.getMessage() for record in caplog.records if record.name == "core.worker"]
    assert messages == [
        "Database unavailable, waiting: connection refused",
        "Database answers again after 0 s: worker alive resumes",
    ]


def test_a_task_cut_short_by_an_outage_runs_again_when_the_database_answers(site_worker):
    """The task ran but its result could not be written: it is this worker's, still RUNNING."""
    task = claimed_by("alive", "cut short")
    site_worker.step()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert worker_tasks.RUNS == ["cut short"]


def test_latest_due_time_is_today_once_the_time_has_passed():
    at_nine = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    assert schedule.latest_due_time("03:00", at_nine) == datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    assert schedule.latest_due_time("12:30", at_nine) == datetime(2026, 5, 3, 12, 30, tzinfo=UTC)


@pytest.fixture
def daily_note(database_tasks, settings):
    settings.TASKS_SCHEDULE = [
        {"name": "note", "task": "tests.worker_tasks.note_daily", "at": "03:00"}
    ]


def queued_notes():
    return DBTaskResult.objects.filter(task_path="tests.worker_tasks.note_daily").count()


def test_a_due_job_is_enqueued_once_however_many_workers_tick(daily_note, db):
    at_four = datetime(2026, 5, 4, 4, 0, tzinfo=UTC)
    assert schedule.enqueue_due_jobs(at_four) == ["note"]
    assert schedule.enqueue_due_jobs(at_four) == []
    assert schedule.enqueue_due_jobs(at_four + timedelta(hours=20)) == []
    assert queued_notes() == 1
    run = ScheduledRun.objects.get()
    assert run.due_at == datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    assert DBTaskResult.objects.get(pk=run.task_result_id).status == TaskResultStatus.READY


def test_a_worker_that_loses_the_race_for_a_run_enqueues_nothing(daily_note, db, monkeypatch):
    """Two workers tick at once: both see no run; the second to write the row finds it."""
    at_four = datetime(2026, 5, 4, 4, 0, tzinfo=UTC)
    ScheduledRun.objects.create(job="note", due_at=datetime(2026, 5, 4, 3, 0, tzinfo=UTC))
    monkeypatch.setattr(ScheduledRun.objects, "filter", lambda **_: ScheduledRun.objects.none())
    assert schedule.enqueue_due_jobs(at_four) == []
    assert queued_notes() == 0


def test_a_run_missed_while_no_worker_was_up_is_caught_up_once(daily_note, db):
    schedule.enqueue_due_jobs(datetime(2026, 5, 1, 3, 30, tzinfo=UTC))
    three_days_later = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    assert schedule.enqueue_due_jobs(three_days_later) == ["note"]
    assert schedule.enqueue_due_jobs(three_days_later) == []
    assert list(ScheduledRun.objects.values_list("due_at", flat=True)) == [
        datetime(2026, 5, 3, 3, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
    ]


def test_the_sites_schedule_names_tasks_that_exist(settings):
    names = {job["name"]: import_string(job["task"]).name for job in settings.TASKS_SCHEDULE}
    assert names == {
        "prune_comments": "prune_comments",
        "forget_old_sign_in_records": "forget_old_sign_in_records",
        "forget_old_revisions": "forget_old_revisions",
        "forget_finished_work": "forget_finished_work",
        "deliver_due_emails": "deliver_due",
    }


def test_a_job_every_ten_minutes_is_due_at_each_tenth_minute_of_the_day():
    job = {"every_minutes": 10}
    moment = datetime(2026, 5, 4, 9, 37, 12, tzinfo=UTC)

    assert schedule.latest_due_time_of(job, moment) == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert schedule.latest_due_time_of({"at": "03:00"}, moment) == datetime(
        2026, 5, 4, 3, 0, tzinfo=UTC
    )


def test_healthz_says_tasks_run_at_once_without_a_worker(client, db):
    assert client.get("/healthz").json()["tasks"] == {"run": "at once"}


def test_healthz_reports_the_workers_and_the_queue(client, database_tasks, db):
    worker_row("w1", seconds_since_beat=3)
    worker_row("w2", seconds_since_beat=90)
    worker_tasks.note_run.enqueue("waiting")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=40))
    response = client.get("/healthz")
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert tasks["status"] == "ok"
    assert tasks["ready"] == 1
    assert 3 <= tasks["last_heartbeat_seconds"] < 40
    assert 40 <= tasks["oldest_waiting_seconds"] < 90


def test_healthz_is_503_when_a_task_waits_too_long(client, database_tasks, db, settings):
    worker_row("w1", seconds_since_beat=1)
    worker_tasks.note_run.enqueue("forgotten")
    waited = settings.TASKS_UNHEALTHY_AFTER_SECONDS + 1
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=waited))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["tasks"]["status"] == "stalled"


def test_healthz_is_503_when_no_worker_beats(client, database_tasks, db, settings):
    worker_row("w1", seconds_since_beat=settings.TASKS_UNHEALTHY_AFTER_SECONDS + 1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"]["ready"] == 0


def test_a_task_deferred_until_later_is_not_counted_as_waiting(client, database_tasks, db):
    worker_row("w1", seconds_since_beat=1)
    later = timezone.now() + timedelta(hours=1)
    worker_tasks.note_run.using(run_after=later).enqueue("tomorrow's")
    tasks = client.get("/healthz").json()["tasks"]
    assert (tasks["ready"], tasks["oldest_waiting_seconds"]) == (0, 0)


def test_superusers_see_the_tasks_and_workers_in_the_admin(
    client, database_tasks, db, django_user_model
):
    worker_row("w1", seconds_since_beat=1)
    worker_tasks.note_run.enqueue("visible")
    client.force_login(django_user_model.objects.create_superuser("boss", password="pw"))
    index = client.get(reverse("admin:index"))
    assert "Tasks Database Backend" in index.text
    tasks = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert "note_run" in tasks.text
    workers = client.get(reverse("admin:core_taskworker_changelist"))
    assert "elsewhere" in workers.text


@pytest.mark.parametrize("actor", ["editor", "moderator"])
def test_editors_and_moderators_do_not_see_the_tasks(client, database_tasks, db, request, actor):
    client.force_login(request.getfixturevalue(actor))
    assert "Tasks Database Backend" not in client.get(reverse("admin:index")).text
    for name in ["django_tasks_database_dbtaskresult", "core_taskworker", "core_scheduledrun"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403


def test_a_task_of_a_worker_that_never_beat_is_given_its_time(database_tasks, db, settings):
    """A plain db_worker writes no heartbeat: its task is taken for abandoned only once it
    has run for longer than a silent worker is given."""
    task = claimed_by("db_worker", "running elsewhere")
    assert worker.recover_abandoned_tasks("alive") == 0
    long_ago = timezone.now() - timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS + 1)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=long_ago)
    assert worker.recover_abandoned_tasks("alive") == 1


def test_healthz_finds_the_queue_figures_in_two_queries(
    database_tasks, db, django_assert_num_queries
):
    worker_row("w1", seconds_since_beat=1)
    with django_assert_num_queries(2):
        healthy, _ = task_queue_report()
    assert healthy


def test_the_daily_sign_in_cleanup_forgets_old_records_only(db, settings):
    old = timezone.now() - timedelta(days=settings.AXES_KEEP_RECORDS_DAYS + 1)
    for when in (old, timezone.now()):
        record = {"username": "editor", "ip_address": "192.0.2.1", "user_agent": "x"}
        log = AccessLog.objects.create(**record)
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
        failure = AccessFailureLog.objects.create(**record)
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)
    message = forget_old_sign_in_records.call()
    assert message == "Deleted 1 access logs and 1 access failures older than 30 days."
    assert AccessLog.objects.count() == AccessFailureLog.objects.count() == 1


def test_the_daily_cleanup_forgets_finished_tasks_and_emails_only_once_they_are_old(
    database_tasks, db
):
    now, days = timezone.now(), timedelta(days=1)
    tasks = {
        "finished long ago": (TaskResultStatus.SUCCESSFUL, now - 15 * days),
        "finished lately": (TaskResultStatus.SUCCESSFUL, now - 13 * days),
        "failed a while ago": (TaskResultStatus.FAILED, now - 15 * days),
        "failed long ago": (TaskResultStatus.FAILED, now - 31 * days),
        "waiting long": (TaskResultStatus.READY, None),
    }
    for label, (status, finished_at) in tasks.items():
        result = worker_tasks.note_run.enqueue(label)
        DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished_at)
    emails = {
        "sent long ago": (Email.Status.SENT, now - 91 * days),
        "sent lately": (Email.Status.SENT, now - 89 * days),
        "given up long ago": (Email.Status.FAILED, None),
        "waiting long": (Email.Status.WAITING, None),
    }
    for key, (status, sent_at) in emails.items():
        Email.objects.create(
            key=key, to=["reader@example.com"], subject="s", body="b", status=status,
            sent_at=sent_at, created_at=now - 100 * days,
        )  # fmt: skip

    message = forget_finished_work.call()

    assert message == "Deleted 2 finished tasks and 2 emails sent or given up on."
    kept = {task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()}
    assert kept == {"finished lately", "failed a while ago", "waiting long"}
    assert set(Email.objects.values_list("key", flat=True)) == {"sent lately", "waiting long"}


def test_the_daily_comment_pruning_deletes_old_spam(make_review, settings):
    review = make_review()
    old = timezone.now() - timedelta(days=settings.COMMENTS_KEEP_SPAM_DAYS + 1)
    Comment.objects.create(
        review=review, author_name="Spammer", author_email="s@example.com", body="Buy",
        status=Comment.Status.SPAM, submitted_at=old,
    )  # fmt: skip
    assert prune_comments.call().endswith("deleted 1 old spam comments.")
    assert not Comment.objects.exists()


@pytest.fixture
def sqlite_file(tmp_path, settings, db):
    """A SQLite database in a file, opened as the site opens its own."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "site.db")}}
    )
    database = handler["default"]
    database.settings_dict["OPTIONS"] = dict(settings.SQLITE_OPTIONS)
    yield database
    database.close()


def test_a_large_commit_leaves_its_pages_to_the_workers_checkpoint(sqlite_file):
    database_file = Path(sqlite_file.settings_dict["NAME"])
    with sqlite_file.cursor() as cursor:
        cursor.execute("CREATE TABLE page (body BLOB)")
        # About 2,500 pages of 4 KB in one commit: more than SQLite's own threshold (1,000).
        cursor.executemany("INSERT INTO page VALUES (randomblob(4000))", [()] * 2_500)
    assert database_file.stat().st_size < 100_000  # the commit copied nothing into it

    busy, in_the_log, copied = worker.checkpoint(sqlite_file)
    assert (busy, copied) == (0, in_the_log)
    assert in_the_log > 2_500
    assert database_file.stat().st_size > 2_500 * 4_000


def test_the_worker_checkpoints_nothing_on_other_databases():
    assert worker.checkpoint(SimpleNamespace(vendor="postgresql")) is None
