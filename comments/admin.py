"""The moderation queue: moderators approve, reject, mark spam, edit and reply here; a
critic sees the approved comments on their own reviews and replies to them. And the
editors' switch for a review's comments, on the review's own form (admin_reviews.py)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import models, transaction
from django.db.models import Count, F
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import ngettext

from core.pagination import CappedPaginator
from reviews.models import Review

from . import services
from .admin_filters import WaitingOnReviewFilter
from .admin_reviews import ReviewAdmin
from .models import Comment, Flag, QueuePosition, staff_name

EXCERPT_LENGTH = 120
CONTEXT_LENGTH = 80
QUEUE = "admin:comments_comment_changelist"


def excerpt(text, length):
    return Truncator(" ".join(text.split())).chars(length)


def moderates(user):
    """Moderators (and superusers) see every comment; anyone else who may view comments in
    the admin is a critic, who sees the approved comments on their own reviews only."""
    return user.has_perm("comments.change_comment")


def visible_in_admin(comments, user):
    if moderates(user):
        return comments
    return comments.approved().filter(review__critic__user=user)


def reply_refusal(parent):
    """Why a staff reply to this comment is not possible, or None when it is."""
    if parent.status != Comment.Status.APPROVED:
        return "Approve this comment before replying to it: readers cannot see its replies yet."
    if parent.depth + 1 >= settings.COMMENTS_THREAD_DEPTH:
        return (
            "This thread is as deep as replies go; "
            "reply to an earlier comment in the thread instead."
        )
    return None


class ReplyForm(forms.ModelForm):
    """A staff reply: only the text and, optionally, the name it is signed with."""

    reply_to = None  # the comment answered; CommentAdmin.get_form sets it per request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.parent = self.reply_to
        self.instance.review = self.reply_to.review


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    # Few columns, each cell wrapping (static/css/moderation.css), so that the queue fits
    # a 1,280 px window with the admin's navigation and the filters open.
    list_display = ["excerpt", "commenter", "where", "state", "reply_link"]
    list_display_links = ["excerpt"]
    list_select_related = ["review", "parent"]
    list_filter = ["status", "held_reason", WaitingOnReviewFilter, "is_staff_reply"]
    search_fields = ["author_name", "author_email", "body"]
    search_help_text = "Search the commenter's name or email, or the text."
    list_per_page = 50
    # "Show all" lists up to this many (a filtered queue: one review, one reason), so that a
    # moderator can select and decide them in one action.
    list_max_show_all = 1000
    # Counts stop at 10,000 (settings.PAGINATOR_COUNT_CAP): a million comments are not
    # counted on each page load, and pages go no deeper than an offset of 10,000.
    paginator = CappedPaginator
    # get_ordering puts pending comments before these, and comments of unknown date last.
    ordering = ["-submitted_at", "-id"]
    show_full_result_count = False
    actions = ["approve", "reject", "mark_spam"]
    fieldsets = [
        (None, {"fields": ["review_on_site", "in_reply_to", "body", "has_spoilers"]}),
        ("Commenter", {"fields": ["author_name", "author_email", "author_url", "notify"]}),
        ("In its thread", {"fields": ["thread_in_context", "reader_flags"]}),
        (
            "Moderation",
            {"fields": ["status", "held_reason", "decided_by", "moderated_at", "is_review_author"]},
        ),
        ("Record", {"fields": ["submitted_at", "ip_hash", "is_staff_reply", "written_by"]}),
    ]
    readonly_fields = [
        "thread_in_context",
        "reader_flags",
        "review_on_site",
        "in_reply_to",
        "notify",
        "held_reason",
        "decided_by",
        "moderated_at",
        "submitted_at",
        "ip_hash",
        "is_staff_reply",
        "written_by",
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    reply_fieldsets = [(None, {"fields": ["reply_context", "body", "author_name"]})]
    # A critic's reply is always signed with their name; what they see of a comment leaves
    # out what readers gave only to the moderators (their email, their address's hash).
    critic_reply_fieldsets = [(None, {"fields": ["reply_context", "body"]})]
    critic_fieldsets = [
        (None, {"fields": ["review_on_site", "in_reply_to", "body"]}),
        ("Commenter", {"fields": ["author_name", "author_url", "is_review_author"]}),
    ]

    def get_queryset(self, request):
        # The rows show a review's headline, not its text. Staff writers are read apart,
        # in one query: joined in, they would turn the planner from the queue's indexes.
        comments = visible_in_admin(super().get_queryset(request), request.user)
        return (
            comments.annotate(queue_position=QueuePosition())
            .prefetch_related("user__critic", "parent__user__critic")
            .defer(
                "review__body",
                "review__body_html",
                "review__body_sections",
                "review__dek",
                "parent__body_html",
            )
        )

    def get_ordering(self, request):
        """Pending first, then newest first; comments of unknown date last. The order of
        the comment_queue indexes, whatever the status filter, so a page is read from an
        index rather than sorted."""
        return [F("queue_position").asc(), *self.ordering]

    def get_list_display(self, request):
        if moderates(request.user):
            return self.list_display
        return ["excerpt", "commenter_name", "where", "reply_link"]

    def get_list_filter(self, request):
        # The other filters tell of comments a critic does not see.
        return self.list_filter if moderates(request.user) else ["is_review_author"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The irreversible action last in the menu, after the everyday ones.
        if "delete_selected" in actions:
            actions["delete_selected"] = actions.pop("delete_selected")
        return actions

    # The queue's columns

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return excerpt(comment.body, EXCERPT_LENGTH)

    @admin.display(description="By", ordering="author_name")
    def commenter(self, comment):
        return format_html(
            "{}{}<small>{}</small>",
            comment.display_name,
            " (staff)" if comment.is_staff_reply else "",
            comment.author_email or "no email",
        )

    @admin.display(description="By", ordering="author_name")
    def commenter_name(self, comment):
        return comment.display_name

    @admin.display(description="On")
    def where(self, comment):
        """The review, a link to the comment on the site, and the comment it answers."""
        if comment.parent_id is None:
            return self.review_on_site(comment)
        return format_html(
            "{}<small>Reply to {}</small>", self.review_on_site(comment), self.in_reply_to(comment)
        )

    @admin.display(description="Status", ordering="status")
    def state(self, comment):
        """The status, why the comment was held, and when it was sent."""
        held = comment.get_held_reason_display() if comment.held_reason else ""
        sent = (
            date_format(timezone.localtime(comment.submitted_at), "SHORT_DATETIME_FORMAT")
            if comment.submitted_at
            else "date unknown"
        )
        return format_html(
            "{}{}<small>{}</small>",
            comment.get_status_display(),
            format_html("<small>{}</small>", held) if held else "",
            sent,
        )

    @admin.display(description="Review")
    def review_on_site(self, comment):
        return format_html(
            '{} <a href="{}" title="See it on the site">on the site&nbsp;↗</a>',
            comment.review.headline,
            comment.get_absolute_url(),
        )

    @admin.display(description="In reply to")
    def in_reply_to(self, comment):
        if comment.parent_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>: “{}”',
            reverse("admin:comments_comment_change", args=[comment.parent_id]),
            comment.parent.display_name,
            excerpt(comment.parent.body, CONTEXT_LENGTH),
        )

    @admin.display(description="Reply")
    def reply_link(self, comment):
        refusal = reply_refusal(comment)
        if refusal:
            return format_html('<span title="{}">—</span>', refusal)
        url = reverse("admin:comments_comment_add") + f"?parent={comment.pk}"
        return format_html('<a href="{}">Reply</a>', url)

    # The change form and the reply form

    @admin.display(description="Decided by")
    def decided_by(self, comment):
        user = comment.moderated_by
        return staff_name(user) if user else "—"

    @admin.display(description="Written by (staff)")
    def written_by(self, comment):
        user = comment.user
        return staff_name(user) if user else "—"

    @admin.display(description="Replying to")
    def reply_context(self, comment):
        parent = comment.parent
        return format_html(
            "<strong>{}</strong> on “{}”:<blockquote>{}</blockquote>",
            parent.display_name,
            parent.review.headline,
            # Rendered from escaped text on save, as on the public page.
            mark_safe(parent.body_html),
        )

    @admin.display(description="Thread")
    def thread_in_context(self, comment):
        """The comments it answers, from the first, then it, then its replies: what a
        moderator needs to judge a comment held by a rule or flagged by readers."""
        ancestors, parent = [], comment.parent
        while parent is not None:
            ancestors.insert(0, parent)
            parent = parent.parent
        replies = list(
            comment.replies.select_related("user__critic").order_by("submitted_at", "id")
        )
        return format_html(
            '<ol class="moderation-thread">{}</ol>',
            format_html_join(
                "",
                '<li class="{}"><strong>{}</strong> ({}): {}</li>',
                (
                    (
                        "is-this-comment" if shown == comment else "",
                        shown.display_name,
                        shown.get_status_display(),
                        excerpt(shown.body, CONTEXT_LENGTH * 3),
                    )
                    for shown in [*ancestors, comment, *replies]
                ),
            ),
        )

    @admin.display(description="Readers' flags")
    def reader_flags(self, comment):
        counts = comment.flags.order_by().values_list("reason").annotate(n=Count("pk"))
        labels = dict(Flag.Reason.choices)
        if not counts:
            return "None"
        return ", ".join(f"{labels.get(reason, reason)}: {n}" for reason, n in counts)

    def get_fieldsets(self, request, obj=None):
        if moderates(request.user):
            return self.fieldsets if obj is not None else self.reply_fieldsets
        return self.critic_fieldsets if obj is not None else self.critic_reply_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["reply_context"]

    def has_change_permission(self, request, obj=None):
        # A comment its author removed is an empty placeholder above others' replies.
        if obj is not None and obj.status == Comment.Status.REMOVED:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            form = super().get_form(request, obj, **kwargs)
            # Only its author removes a comment (comments/own_data.py), emptying it, and only
            # its writer's following the mailed link ends "unconfirmed" (comments/confirmation.py).
            kept_for_writers = {Comment.Status.REMOVED, Comment.Status.UNCONFIRMED} - {obj.status}
            if status := form.base_fields.get("status"):
                status.choices = [c for c in status.choices if c[0] not in kept_for_writers]
            return form
        form = super().get_form(request, obj, form=ReplyForm, **kwargs)
        form.reply_to = self.reply_parent(request)
        form.base_fields["body"].label = "Your reply"
        # The admin shows help text as HTML; a name is an editor's or a superuser's text.
        name = staff_name(request.user)
        if "author_name" in form.base_fields:
            form.base_fields["author_name"].help_text = format_html(
                "Optional. Left empty, the reply is signed with your name as your account "
                "gives it: “{}”.",
                name,
            )
        else:
            signed = format_html("Signed “{}”, and marked as the review's author's.", name)
            form.base_fields["body"].help_text = signed
        return form

    def reply_parent(self, request):
        """The comment named by ``?parent=``, if this staff member may see it, or None."""
        parent_id = request.GET.get("parent", "")
        if not parent_id.isdigit():
            return None
        comments = visible_in_admin(Comment.objects.select_related("review"), request.user)
        return comments.filter(pk=parent_id).first()

    def add_view(self, request, form_url="", extra_context=None):
        """Adding means replying: the queue's Reply link names the comment answered."""
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        parent = self.reply_parent(request)
        if parent is None:
            self.message_user(
                request,
                "Comments are written by readers on the site. To answer one, "
                "use the Reply link on its row in the queue.",
                messages.INFO,
            )
            return redirect(QUEUE)
        refusal = reply_refusal(parent)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(QUEUE)
        extra_context = {
            "title": f"Reply to {parent.display_name}",
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, comment, form, change):
        if not change:
            services.reply_as_staff(comment, request.user, request)
            return
        if "status" not in form.changed_data:
            super().save_model(request, comment, form, change)
            return
        # Save the edits under the old status, then decide through the same path as the
        # bulk actions: it records who and when, recounts and tells the commenter.
        decided = comment.status
        comment.status = form.initial["status"]
        with transaction.atomic():
            super().save_model(request, comment, form, change)
            services.moderate(Comment.objects.filter(pk=comment.pk), decided, request.user, request)
        comment.refresh_from_db(fields=["status", "moderated_by", "moderated_at"])

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            format_html(
                'Your reply to {} is published. <a href="{}">See it on the site</a>.',
                obj.parent.display_name,
                obj.get_absolute_url(),
            ),
            messages.SUCCESS,
        )
        return redirect(QUEUE)

    # The bulk decisions

    @admin.action(description="Approve (or restore from spam)", permissions=["change"])
    def approve(self, request, queryset):
        self.decide(
            request,
            queryset,
            Comment.Status.APPROVED,
            ("Approved %d comment.", "Approved %d comments."),
            ("%d comment was already approved.", "%d comments were already approved."),
        )

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        self.decide(
            request,
            queryset,
            Comment.Status.REJECTED,
            ("Rejected %d comment.", "Rejected %d comments."),
            ("%d comment was already rejected.", "%d comments were already rejected."),
        )

    @admin.action(description="Mark as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self.decide(
            request,
            queryset,
            Comment.Status.SPAM,
            ("Marked %d comment as spam.", "Marked %d comments as spam."),
            ("%d comment was already spam.", "%d comments were already spam."),
        )

    def decide(self, request, queryset, status, done, already):
        """Give the selected comments a status and tell the moderator how many changed."""
        selected = queryset.count()
        # The decisions and their log entries commit together, in one commit.
        with transaction.atomic():
            changing = services.moderate(
                Comment.objects.filter(pk__in=queryset.values("pk")), status, request.user, request
            )
            if changing:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    changing,
                    CHANGE,
                    f"Set status to {Comment.Status(status).label.lower()}.",
                )
        changed = len(changing)
        unchanged = selected - changed
        parts = [ngettext(*done, changed) % changed] if changed or not unchanged else []
        if unchanged:
            parts.append(ngettext(*already, unchanged) % unchanged)
        self.message_user(
            request, " ".join(parts), messages.SUCCESS if changed else messages.WARNING
        )


# The reviews' admin page with the switch for the review's comments, in place of the one
# the reviews app registers (reviews must not know of comments).
admin.site.unregister(Review)
admin.site.register(Review, ReviewAdmin)
