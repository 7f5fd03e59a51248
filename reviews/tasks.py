"""The reviews' scheduled job (settings.TASKS_SCHEDULE)."""

from io import StringIO

from django.core.management import call_command
from django_tasks import task

from .revisions import KEEP_DAYS, KEEP_VERSIONS


@task()
def forget_old_revisions():
    """Delete the versions of reviews and films older than KEEP_DAYS beyond the KEEP_VERSIONS
    newest of each: a deleted review stays recoverable for KEEP_DAYS at least."""
    output = StringIO()
    call_command("deleterevisions", "reviews", days=KEEP_DAYS, keep=KEEP_VERSIONS, stdout=output)
    return output.getvalue().strip()
