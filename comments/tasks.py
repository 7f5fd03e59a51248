"""The comments' scheduled job (settings.TASKS_SCHEDULE)."""

from io import StringIO

from django.core.management import call_command
from django_tasks import task


@task()
def prune_comments():
    """What ``manage.py prune_comments`` does, as a task the workers run daily."""
    output = StringIO()
    call_command("prune_comments", stdout=output)
    return output.getvalue().strip()
