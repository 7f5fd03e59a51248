from django.contrib import admin, messages
from django.utils.translation import ngettext

from . import mail
from .models import Email, ScheduledRun, TaskWorker


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """The outbox, for superusers: what was sent, what waits, what failed and why; failed
    emails can be sent again. Rows are written by the site, never by hand."""

    list_display = [
        "subject",
        "recipients",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
        "next_attempt_at",
    ]
    list_filter = ["status"]
    search_fields = ["key", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "key",
        "to",
        "subject",
        "body",
        "headers",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_send_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description="To")
    def recipients(self, email):
        return ", ".join(email.to)

    @admin.display(description="Last error")
    def error(self, email):
        return email.last_error[:120]

    @admin.action(description="Send again", permissions=["send"])
    def send_again(self, request, queryset):
        selected = queryset.count()
        queued = mail.send_again(queryset)
        parts = [
            ngettext(
                "%d email queued to be sent again.", "%d emails queued to be sent again.", queued
            )
            % queued
        ]
        if selected > queued:
            skipped = selected - queued
            parts.append(
                ngettext(
                    "%d was sent already or is being sent.",
                    "%d were sent already or are being sent.",
                    skipped,
                )
                % skipped
            )
        self.message_user(
            request, " ".join(parts), messages.SUCCESS if queued else messages.WARNING
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the site writes by itself (workers, sweeps), for superusers to read."""

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
        return round(worker.beat_age().total_seconds())


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "due_at", "enqueued_at", "task_result_id"]
    list_filter = ["job"]
    date_hierarchy = "due_at"
