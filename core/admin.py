from django.contrib import admin
from django.utils import timezone

from core.models import ScheduledRun, TaskWorker


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the workers write, for superusers to read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskWorker)
class TaskWorkerAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "host", "pid", "started_at", "last_beat_at", "seconds_since_beat"]
    list_filter = ["host"]
    search_fields = ["worker_id", "host"]

    @admin.display(description="seconds since last beat")
    def seconds_since_beat(self, worker):
        return round((timezone.now() - worker.last_beat_at).total_seconds())


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "due_at", "enqueued_at", "task_result_id"]
    list_filter = ["job"]
    date_hierarchy = "due_at"
