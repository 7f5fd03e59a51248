"""The comments' scheduled job (settings.TASKS_SCHEDULE), and WordPress imports uploaded in
the admin."""

import logging
from io import BytesIO, StringIO

from django.core.management import call_command
from django_tasks import task

from reviews.wordpress.parse import WXRError

from .models import WordPressImport
from .wordpress import ImportOptions, import_wordpress

logger = logging.getLogger(__name__)

STOPPED_ON_OUR_ERROR = (
    "The import stopped on an error of ours, which is logged; nothing was imported. "
    "manage.py import_wordpress with the same file shows where."
)


@task()
def prune_comments():
    """What ``manage.py prune_comments`` does, as a task the workers run daily."""
    output = StringIO()
    call_command("prune_comments", stdout=output)
    return output.getvalue().strip()


@task()
def import_wordpress_upload(upload_id):
    """Import (or read, for a dry run) an export uploaded in the admin, and keep its report.
    Run again after a worker died in it, it starts over: the import is one transaction, so
    nothing of the run that died landed."""
    upload = WordPressImport.objects.filter(pk=upload_id).exclude(
        status__in=[WordPressImport.Status.DONE, WordPressImport.Status.FAILED]
    )
    if not upload.update(status=WordPressImport.Status.RUNNING):
        return "Already imported."
    upload = upload.get()
    options = ImportOptions(dry_run=upload.dry_run, publish_unmatched=upload.publish_unmatched)
    try:
        report = import_wordpress(BytesIO(upload.content), options)
    except WXRError as error:
        upload.finish(problem=f"{error} Nothing was imported.")
    except Exception:
        logger.exception("The WordPress import %s failed", upload.pk)
        upload.finish(problem=STOPPED_ON_OUR_ERROR)
        raise
    else:
        upload.finish(report=report.lines())
    return upload.problem or report.lines()[0]
