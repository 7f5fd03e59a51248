"""The site-wide jobs the schedule names (settings.TASKS_SCHEDULE)."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django_tasks import task


@task()
def forget_old_sign_in_records():
    """Delete the sign-in records (django-axes' access logs and failures) older than
    AXES_KEEP_RECORDS_DAYS: they hold staff's network addresses."""
    days = settings.AXES_KEEP_RECORDS_DAYS
    logs = AxesProxyHandler.reset_logs(age_days=days)
    failures = AxesProxyHandler.reset_failure_logs(age_days=days)
    return f"Deleted {logs} access logs and {failures} access failures older than {days} days."
