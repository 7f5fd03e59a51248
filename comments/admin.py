from django.contrib import admin
from django.utils.text import Truncator

from .models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "author_name", "review", "status", "submitted_at"]
    list_select_related = ["review"]
    list_filter = ["status"]
    search_fields = ["author_name", "author_email", "body"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-id"]
    # Moderators cannot see reviews in the admin, so the review and parent are shown by id.
    raw_id_fields = ["review", "parent"]
    readonly_fields = ["submitted_at", "moderated_by", "moderated_at"]

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return Truncator(comment.body).words(12)
