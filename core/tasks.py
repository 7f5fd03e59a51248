"""The site-wide jobs the schedule names (settings.TASKS_SCHEDULE)."""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import Email


@task()
def forget_old_sign_in_records():
    """Delete the sign-in records (django-axes' access logs and failures) older than
    AXES_KEEP_RECORDS_DAYS: they hold staff's network addresses."""
    days = settings.AXES_KEEP_RECORDS_DAYS
    logs = AxesProxyHandler.reset_logs(age_days=days)
    failures = AxesProxyHandler.reset_failure_logs(age_days=days)
    return f"Deleted {logs} access logs and {failures} access failures older than {days} days."


@task()
def forget_finished_work():
    """Delete what was finished long ago: task results after TASKS_KEEP_FINISHED_DAYS (failed
    ones after TASKS_KEEP_FAILED_DAYS, kept longer to be looked into), and emails sent or
    given up on after EMAIL_KEEP_DAYS (they hold readers' addresses and words). The queue's
    and the outbox's tables would otherwise grow with every comment."""
    now = timezone.now()
    finished = DBTaskResult.objects.filter(
        Q(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lt=now - timedelta(days=settings.TASKS_KEEP_FINISHED_DAYS),
        )
        | Q(
            status=TaskResultStatus.FAILED,
            finished_at__lt=now - timedelta(days=settings.TASKS_KEEP_FAILED_DAYS),
        )
    )
    tasks, _ = finished.delete()
    emails, _ = Email.objects.done_before(now - timedelta(days=settings.EMAIL_KEEP_DAYS)).delete()
    return f"Deleted {tasks} finished tasks and {emails} emails sent or given up on."
