from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import (
    valid_backend_name,
    valid_interval,
    validate_worker_id,
)

from core.worker import SiteWorker


class Command(BaseCommand):
    help = (
        "Run the queued tasks and the scheduled jobs, beating a heartbeat, giving back the"
        " tasks of workers that died, and waiting out database outages (core/worker.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            help="The queues to run, separated by commas; '*' for all (the default).",
        )
        parser.add_argument(
            "--interval",
            default=1,
            type=valid_interval,
            help="Seconds to wait when no task is ready before looking again (default 1).",
        )
        parser.add_argument(
            "--backend",
            default=DEFAULT_TASK_BACKEND_ALIAS,
            type=valid_backend_name,
            dest="backend_name",
            help="The database task backend to run (default: %(default)r).",
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=get_random_string(32),
            help="Unique across all workers (default: a random one).",
        )

    def handle(self, *, queue_name, interval, backend_name, worker_id, **options):
        worker = SiteWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            backend_name=backend_name,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
