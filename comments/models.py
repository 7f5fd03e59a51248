from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from core.prepared import PreparedQuery
from reviews.fields import WebAddressField
from reviews.models import Review

from .text import render_comment_text


class Discussion(models.Model):
    """A review's comments as a whole: whether readers may comment on it, and how many
    approved comments it has, stored for the listings' cards.

    Every review has one, made when the review is (``signals.review_saved``); a review
    without one is open, with no comments (``discussion_of``). The count is kept up to
    date by ``services.update_comment_counts``.
    """

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, primary_key=True, related_name="discussion"
    )
    is_open = models.BooleanField(
        "open for comments", default=True, help_text="Readers may comment on the review."
    )
    approved_count = models.PositiveIntegerField("approved comments", default=0, editable=False)

    class Meta:
        ordering = ["review"]

    def __str__(self):
        return f"Comments on {self.review}"

    def get_absolute_url(self):
        return f"{self.review.get_absolute_url()}#comments"


def discussion_of(review):
    """The review's discussion, or an unsaved open one with no comments when it has none."""
    return getattr(review, "discussion", None) or Discussion(review=review)


def discussion_read_again(review):
    """``discussion_of(review)`` as the database has it now, held by the review from then on."""
    found = Discussion.objects.filter(pk=review.pk).order_by().first()
    if found is None:
        return Discussion(review=review)  # which sets it on the review
    review.discussion = found
    return found


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def never_confirmed(self, now=None):
        """Comments waiting for a confirmation whose link has expired: nobody can send them
        on any more (COMMENTS_CONFIRM_DAYS)."""
        cutoff = (now or timezone.now()) - timedelta(days=settings.COMMENTS_CONFIRM_DAYS)
        return self.filter(status=Comment.Status.UNCONFIRMED, submitted_at__lt=cutoff)

    def count_per_review(self):
        """For updating discussions (or anything whose ``pk`` is a review's): how many of
        these comments each review has (0 for none)."""
        counted = (
            self.filter(review=OuterRef("pk"))
            .order_by()
            .values("review")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return Coalesce(Subquery(counted), 0)

    def for_decisions(self):
        """With what deciding them and telling their commenters reads: each comment's
        review, the comment it answers and its writer; not the reviews' texts, nor the
        comments' rendered bodies (a thousand comments decided at once would read them
        all)."""
        return self.select_related("review", "parent", "user").defer(
            "body_html",
            "parent__body_html",
            "review__body",
            "review__body_html",
            "review__body_sections",
            "review__import_proposal",
        )

    def as_shown(self):
        """These comments as a review's threads show them, oldest first: ``ShownComment``s,
        each read as one row (a Comment would also build its writer and their critic)."""
        return [ShownComment(*row) for row in self.values_list(*SHOWN_COLUMNS)]

    def visible_to(self, pending_ids=()):
        """Approved comments and the placeholders of removed ones, plus the pending ones this
        visitor wrote (ids from their session)."""
        return self.filter(
            Q(status__in=[Comment.Status.APPROVED, Comment.Status.REMOVED])
            | Q(status=Comment.Status.PENDING, pk__in=list(pending_ids))
        )


class QueuePosition(models.Func):
    """Where a comment stands in the moderation queue, before newest first: 0 pending,
    1 pending of unknown date, 2 decided, 3 decided of unknown date.

    The values are written into the SQL, not passed as parameters, so that this is the very
    expression the queue's indexes hold and the database reads the queue in index order.
    Unknown dates get their own positions so that the date can be sorted plainly
    descending, which puts nulls first on PostgreSQL and last on SQLite, as the indexes do.
    """

    output_field = models.PositiveSmallIntegerField()

    def __init__(self):
        super().__init__(F("status"), F("submitted_at"))

    def as_sql(self, compiler, connection, **extra_context):
        (status, status_params), (submitted, submitted_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        pending = f"{status} = '{Comment.Status.PENDING}'"
        dated = f"{submitted} IS NOT NULL"
        sql = (
            f"CASE WHEN {pending} AND {dated} THEN 0 WHEN {pending} THEN 1"
            f" WHEN {dated} THEN 2 ELSE 3 END"
        )
        return sql, (*status_params, *submitted_params)


class Comment(models.Model):
    """A reader's comment on a review; nobody else sees it until a moderator approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        # Waits for its writer to follow the link mailed to them (COMMENTS_CONFIRM_EMAIL);
        # its held_reason is where screening put it: the queue, or published when none.
        UNCONFIRMED = "unconfirmed", "Unconfirmed email"
        # Erased by its author (comments/own_data.py), kept empty only because others'
        # replies hang from it: shown as a placeholder, never counted.
        REMOVED = "removed", "Removed by its author"

    class Reason(models.TextChoices):
        NONE = "", "—"
        MODERATION = "moderation", "Every comment waits for a moderator"
        LINKS = "links", "Too many links"
        TOO_FAST = "too_fast", "Sent inhumanly fast"
        BLOCKED_WORD = "blocked_word", "Contains a blocked word"
        HONEYPOT = "honeypot", "Filled in the hidden field"
        FLAGGED = "flagged", "Flagged by readers"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    author_name = models.CharField(
        "name",
        max_length=100,
        blank=True,
        help_text="Empty when unknown (imported comments), and for a staff reply signed with "
        "its writer's name.",
    )
    author_email = models.EmailField("email", blank=True, help_text="Never published.")
    author_url = WebAddressField("website", blank=True)
    body = models.TextField("comment")
    body_html = models.TextField(editable=False, default="")
    # No index of its own: comment_status_review (the status first) serves every lookup by
    # status, and each index holding the status is written again for every comment decided.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    held_reason = models.CharField(
        "why held", max_length=20, choices=Reason.choices, blank=True, default=Reason.NONE
    )
    has_spoilers = models.BooleanField(
        "contains spoilers",
        default=False,
        help_text="Shown folded under a label until the reader opens it.",
    )
    notify = models.BooleanField(
        default=False, help_text="Email the commenter on approval and on approved replies."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="The staff member who wrote it, for replies from the admin.",
    )
    is_staff_reply = models.BooleanField("staff reply", default=False)
    is_review_author = models.BooleanField("by the review's author", default=False)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Empty when unknown.")
    ip_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A keyed hash; the address is not kept.",
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = [F("submitted_at").asc(nulls_first=True), "id"]
        indexes = [
            models.Index(fields=["review", "status", "submitted_at"], name="comment_review_status"),
            # The moderation queue in its order, of every status and of one.
            models.Index(
                QueuePosition(), F("submitted_at").desc(), F("id").desc(), name="comment_queue"
            ),
            models.Index(
                F("status"),
                QueuePosition(),
                F("submitted_at").desc(),
                F("id").desc(),
                name="comment_status_queue",
            ),
            # The reviews with comments waiting, counted from the index alone.
            models.Index(fields=["status", "review"], name="comment_status_review"),
            models.Index(fields=["author_email", "status"], name="comment_author_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="comment_not_own_parent"),
            models.CheckConstraint(
                condition=~Q(status="removed")
                | Q(author_name="", author_email="", author_url="", body="", ip_hash=""),
                name="comment_removed_keeps_nothing",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} on {self.review}"

    def save(self, *args, **kwargs):
        self.body_html = render_comment_text(self.body)
        # Stored lowercased, so that finding a commenter's other comments can use an index.
        self.author_email = self.author_email.strip().lower()
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        if self.submitted_at is None and self._state.adding:
            self.submitted_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The comment's own address, which opens the page of the thread that holds it."""
        return reverse("comments:comment", args=[self.pk])

    @property
    def display_name(self):
        """The name the comment is signed with. A staff reply without a name of its own is
        signed with its writer's, as their account gives it now (load ``user`` with it)."""
        if self.author_name:
            return self.author_name
        if self.is_staff_reply and self.user is not None:
            return staff_name(self.user)
        return "Anonymous"


def staff_name(user):
    """A staff member's name as readers see it: a critic's name as their record gives it,
    else their full name, else their username (load ``critic`` with the user)."""
    critic = getattr(user, "critic", None)
    return staff_name_from(
        critic.name if critic is not None else None, user.get_full_name(), user.get_username()
    )


def staff_name_from(critic_name, full_name, username):
    """``staff_name`` from its parts, ``critic_name`` None for a member who is no critic."""
    if critic_name is not None:
        return critic_name
    return full_name or username


# What ShownComment is made of, in its order: the comment's columns, then its writer's.
SHOWN_COLUMNS = (
    "pk",
    "parent_id",
    "status",
    "depth",
    "author_name",
    "author_url",
    "body_html",
    "has_spoilers",
    "is_staff_reply",
    "is_review_author",
    "submitted_at",
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__critic__name",
)
# A review's comments as every reader without a pending comment of their own is shown them,
# read on each render of its page: compiled once (core.prepared).
SHOWN_TO_EVERY_READER = PreparedQuery(
    lambda review_pk: (
        Comment.objects.filter(review=review_pk).visible_to().values_list(*SHOWN_COLUMNS)
    )
)


def shown_to_every_reader(review_pk):
    """As ``Comment.objects.filter(review=review_pk).visible_to().as_shown()``."""
    return [ShownComment(*row) for row in SHOWN_TO_EVERY_READER(review_pk)]


@dataclass(slots=True)
class ShownComment:
    """What a review's threads show of a comment (``CommentQuerySet.as_shown``), with
    ``can_reply`` and ``children`` for the threads to fill in."""

    pk: int
    parent_id: int | None
    status: str
    depth: int
    author_name: str
    author_url: str
    body_html: str
    has_spoilers: bool
    is_staff_reply: bool
    is_review_author: bool
    submitted_at: datetime | None
    staff_username: str | None  # None: no writer's account (a reader's comment)
    staff_first_name: str | None
    staff_last_name: str | None
    staff_critic_name: str | None
    can_reply: bool = False
    children: list = field(default_factory=list)

    @property
    def display_name(self):
        """As ``Comment.display_name``."""
        if self.author_name:
            return self.author_name
        if self.is_staff_reply and self.staff_username is not None:
            # The full name as User.get_full_name() makes it.
            full_name = f"{self.staff_first_name} {self.staff_last_name}".strip()
            return staff_name_from(self.staff_critic_name, full_name, self.staff_username)
        return "Anonymous"


def is_critic_of(user, review):
    """Whether ``user`` is the account of the review's critic: their replies are the author's."""
    return review.critic_id is not None and review.critic.user_id == user.pk


class Flag(models.Model):
    """A reader's report that a published comment should not be there; one per browser."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or hateful"
        SPOILER = "spoiler", "An unmarked spoiler"
        OFF_TOPIC = "off_topic", "Off topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    flagger = models.CharField(
        max_length=64, editable=False, help_text="A keyed hash of the flagging browser's token."
    )
    flagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["flagged_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "flagger"], name="flag_once_per_browser")
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on comment {self.comment_id}"


class Unsubscription(models.Model):
    """A commenter's wish to get no more emails about comments: about one thread (its
    top-level comment), or, with no thread, about any. The address is kept as a keyed hash
    (``subscriptions.email_hash``), so that the wish outlives the comments it came from."""

    email_hash = models.CharField(max_length=64, editable=False)
    thread = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The top-level comment of the thread; empty: every email about comments.",
    )
    unsubscribed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-unsubscribed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_hash"],
                condition=Q(thread__isnull=True),
                name="unsubscribed_once_from_everything",
            ),
            models.UniqueConstraint(
                fields=["email_hash", "thread"],
                condition=Q(thread__isnull=False),
                name="unsubscribed_once_from_a_thread",
            ),
        ]

    def __str__(self):
        scope = f"thread {self.thread_id}" if self.thread_id else "everything"
        return f"Unsubscribed from {scope}"


class ConfirmedAddress(models.Model):
    """An email address whose owner followed a confirmation link (COMMENTS_CONFIRM_EMAIL),
    as a keyed hash: their later comments need no confirmation."""

    email_hash = models.CharField(max_length=64, unique=True, editable=False)
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confirmed_at"]
        verbose_name_plural = "confirmed addresses"

    def __str__(self):
        return f"Address confirmed on {self.confirmed_at:%Y-%m-%d}"


class WordPressImport(models.Model):
    """A WordPress export uploaded in the admin, imported (or read, for a dry run) by a
    worker: an export takes longer than a request may. The file is kept until then."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        RUNNING = "running", "Being imported"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    content = models.BinaryField(help_text="The export, until it is imported.")
    dry_run = models.BooleanField(default=True)
    publish_unmatched = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    report = models.JSONField(default=list, help_text="The report, a line each.")
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display().lower()})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def options(self):
        return {"dry_run": self.dry_run, "publish_unmatched": self.publish_unmatched}

    def finish(self, report=(), problem=""):
        """Keep the report (or what went wrong), and let the file go."""
        self.status = self.Status.FAILED if problem else self.Status.DONE
        self.report, self.problem, self.content = list(report), problem, b""
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "report", "problem", "content", "finished_at"])
